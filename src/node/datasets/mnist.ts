/** MNIST on disk: its download source and its part in `data info` (the loaders are in index.ts). */
import { posix } from 'node:path';
import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { IDX_TYPES, readIdxHeader } from '../../data/idx.js';
import { DataFormatError } from '../../errors.js';
import { errorText } from '../fetch/download.js';
import { MNIST_RAW_FILES, MNIST_SOURCE, type SourceFile } from '../fetch/sources.js';
import { checksumOf, checksumSummary, fmt, type DatasetInfo, type DatasetRecogniser, type FileInfo } from './recognise.js';

const MNIST_NAME = /^(train|t10k)-(images|labels)-idx([13])-ubyte(\.gz)?$/;
const IDX_NAME = /[.-]idx\d-ubyte(\.gz)?$/;
const KNOWN_FILES = new Map<string, SourceFile>([...MNIST_SOURCE.files, ...MNIST_RAW_FILES].map((f) => [f.name, f]));

export const mnistRecogniser: DatasetRecogniser = {
  knownFiles: [...MNIST_SOURCE.files, ...MNIST_RAW_FILES],
  async inspect({ path, rel, name, size }, options) {
    const mnist = MNIST_NAME.exec(name);
    if (!mnist && !IDX_NAME.test(name)) return undefined;
    const known = KNOWN_FILES.get(name);
    const header = await readIdx(path, name.endsWith('.gz'), size);
    let problem = header.problem;
    if (mnist && header.dims && !problem) {
      const wantImages = mnist[2] === 'images';
      if (wantImages ? header.dims.length !== 3 : header.dims.length !== 1) {
        problem = `expected ${wantImages ? 'an images (3-dimensional)' : 'a labels (1-dimensional)'} IDX file, found ${header.dims.length} dimension(s)`;
      }
    }
    return {
      path: rel,
      kind: mnist ? 'mnist-idx' : 'idx',
      dataset: mnist ? 'mnist' : undefined,
      role: known?.role ?? (mnist ? `${mnist[1] === 'train' ? 'training' : 'test'} ${mnist[2]}` : undefined),
      size,
      ...(await checksumOf(path, name, known, options)),
      count: header.dims?.[0],
      detail: header.detail,
      problem,
    };
  },
  summarise: summariseMnist,
};

/**
 * Read an IDX header. For a .gz only a small prefix (512 bytes, else 16 KiB) is inflated; the gzip trailer (ISIZE,
 * the uncompressed length mod 2^32) is compared with the length the header implies, which
 * catches truncated downloads cheaply.
 */
async function readIdx(
  path: string,
  gz: boolean,
  size: number,
): Promise<{ dims?: number[]; detail?: string; problem?: string }> {
  const fh = await open(path, 'r');
  let head = Buffer.alloc(0);
  let isize: number | undefined;
  try {
    if (!gz) {
      const raw = Buffer.alloc(Math.min(size, 64));
      const { bytesRead } = await fh.read(raw, 0, raw.length, 0);
      head = raw.subarray(0, bytesRead);
    } else {
      // Inflate a small prefix only (at most ~1000x its size); a larger one if that gave too little.
      for (const prefix of [512, 16 << 10]) {
        const raw = Buffer.alloc(Math.min(size, prefix));
        const { bytesRead } = await fh.read(raw, 0, raw.length, 0);
        if (bytesRead < 18 || raw[0] !== 0x1f || raw[1] !== 0x8b) return { problem: 'not a gzip file' };
        try {
          head = gunzipSync(raw.subarray(0, bytesRead), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        } catch (err) {
          return { problem: `cannot decompress: ${errorText(err)}` };
        }
        if (head.length >= 32 || bytesRead >= size) break;
      }
      const tail = Buffer.alloc(4);
      await fh.read(tail, 0, 4, size - 4);
      isize = tail.readUInt32LE(0);
    }
  } finally {
    await fh.close();
  }
  let header;
  try {
    header = readIdxHeader(head, path);
  } catch (err) {
    return { problem: err instanceof DataFormatError ? err.detail : String(err) };
  }
  const { dims, typeCode } = header;
  const ndims = dims.length;
  const expectedBytes = header.headerBytes + header.dataBytes;
  const oneByte = IDX_TYPES[typeCode].bytes === 1;
  const detail =
    ndims === 3 && oneByte
      ? `${fmt(dims[0])} images, ${dims[1]}×${dims[2]}`
      : ndims === 1 && oneByte
        ? `${fmt(dims[0])} labels`
        : `IDX ${IDX_TYPES[typeCode].name} ${dims.join('×')}`;
  let problem: string | undefined;
  if (gz && isize !== undefined && isize !== expectedBytes % 2 ** 32) {
    problem = `the gzip trailer says ${fmt(isize)} bytes uncompressed but the IDX header implies ${fmt(expectedBytes)} (truncated or damaged?)`;
  } else if (!gz && size !== expectedBytes) {
    problem = `${fmt(size)} bytes, but the IDX header implies ${fmt(expectedBytes)} (truncated or damaged?)`;
  }
  return { dims, detail, problem };
}

function summariseMnist(
  dir: string,
  group: readonly FileInfo[],
  problems: string[],
  has: (name: string) => boolean,
): DatasetInfo {
  const missing: string[] = [];
  const parts: string[] = [];
  for (const split of ['train', 't10k'] as const) {
    const pieces: string[] = [];
    const counts: number[] = [];
    for (const what of ['images-idx3', 'labels-idx1'] as const) {
      const stem = `${split}-${what}-ubyte`;
      const file = group.find((f) => f.kind === 'mnist-idx' && (posix.basename(f.path) === stem || posix.basename(f.path) === `${stem}.gz`));
      if (!file) {
        if (!has(`${stem}.gz.part`) && !has(`${stem}.part`)) missing.push(`${stem}.gz`);
        else missing.push(`${stem}.gz (partial download only)`);
        continue;
      }
      if (file.detail) pieces.push(file.detail);
      if (file.count !== undefined) counts.push(file.count);
    }
    if (counts.length === 2 && counts[0] !== counts[1]) {
      problems.push(`${split}: ${fmt(counts[0])} images but ${fmt(counts[1])} labels`);
    }
    if (pieces.length > 0) parts.push(`${split === 'train' ? 'train' : 'test (t10k)'}: ${pieces.join(' + ')}`);
  }
  return {
    dataset: 'mnist',
    dir,
    complete: missing.length === 0,
    missing,
    problems,
    summary: [...parts, checksumSummary(group)].filter(Boolean).join('; '),
  };
}

