/**
 * `inspectDataDir(dir)`: what a data directory holds. It recognises MNIST IDX files (gzipped or
 * raw), the NETtalk files and unpacked DvsGesture recordings, up to a few directory levels deep
 * (so `./data` with `mnist/`, `nettalk/`, `dvsgesture/DvsGesture/` below it works), checks known
 * files against their published checksums and reads counts where that is cheap. Nothing here
 * prints and nothing is modified.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { IDX_TYPES, readIdxHeader } from '../../data/idx.js';
import { DataFormatError } from '../../errors.js';
import { errorText } from './download.js';
import { hashFile, type ProgressCallback } from './hash.js';
import {
  DVS_GESTURE_SOURCE,
  dvsGestureSplit,
  MNIST_RAW_FILES,
  MNIST_SOURCE,
  NETTALK_EXTRA_FILES,
  NETTALK_SOURCE,
  preferredChecksum,
  type DatasetName,
  type SourceFile,
} from './sources.js';

/** ok / mismatch: compared with the published checksum; unknown: none published; unchecked: skipped. */
export type ChecksumState = 'ok' | 'mismatch' | 'unknown' | 'unchecked';

export type FileKind =
  | 'mnist-idx'
  | 'idx'
  | 'nettalk-data'
  | 'nettalk-list'
  | 'nettalk-names'
  | 'nettalk-mat'
  | 'dvs-recording'
  | 'dvs-labels'
  | 'dvs-archive'
  | 'partial-download';

export interface FileInfo {
  /** Path relative to the inspected directory, '/'-separated. */
  readonly path: string;
  readonly kind: FileKind;
  readonly dataset?: DatasetName;
  /** E.g. "training images", "test labels", "recording (train)". */
  readonly role?: string;
  readonly size: number;
  readonly checksum: ChecksumState;
  readonly algorithm?: 'sha256' | 'md5';
  readonly expected?: string;
  readonly actual?: string;
  /** Number of items (images, labels, dictionary entries, words, label rows) where cheap to get. */
  readonly count?: number;
  /** E.g. "60,000 images, 28×28". */
  readonly detail?: string;
  /** Something wrong with the file beyond its checksum (bad header, truncated gzip, ...). */
  readonly problem?: string;
}

export interface DatasetInfo {
  readonly dataset: DatasetName;
  /** Directory (relative, '/'-separated, '.' for the inspected one) that holds the dataset. */
  readonly dir: string;
  /** All files a loader needs are present (checksums aside: see `problems`). */
  readonly complete: boolean;
  readonly missing: readonly string[];
  /** Checksum mismatches and unreadable files. */
  readonly problems: readonly string[];
  readonly summary: string;
  /** DvsGesture: recordings found per official split. */
  readonly splits?: Readonly<Record<string, { readonly found: number; readonly expected: number }>>;
}

export interface DataDirInfo {
  readonly dir: string;
  readonly datasets: readonly DatasetInfo[];
  readonly files: readonly FileInfo[];
  /** Unrecognised files (the first 50), relative paths. */
  readonly other: readonly string[];
  readonly otherCount: number;
}

export interface InspectOptions {
  /** Also MD5 every DvsGesture recording (several GB; off by default: reported as 'unchecked'). */
  readonly verifyRecordings?: boolean;
  /** How many directory levels below `dir` are searched. Default 3. */
  readonly maxDepth?: number;
  /** Hashing progress. */
  readonly onProgress?: ProgressCallback;
}

const MNIST_NAME = /^(train|t10k)-(images|labels)-idx([13])-ubyte(\.gz)?$/;
const IDX_NAME = /[.-]idx\d-ubyte(\.gz)?$/;
const DVS_RECORDING = /^(user\d+_[a-z_]+?)\.aedat$/;
const DVS_LABELS = /^(user\d+_[a-z_]+?)_labels\.csv$/;
const NETTALK_FILES: Readonly<Record<string, FileKind>> = {
  'nettalk.data': 'nettalk-data',
  'nettalk.list': 'nettalk-list',
  'nettalk.names': 'nettalk-names',
  'nettalk_small.mat': 'nettalk-mat',
};
const MAX_ENTRIES = 20_000;
const MAX_COUNT_BYTES = 64 << 20;

const KNOWN_FILES = new Map<string, SourceFile>(
  [...MNIST_SOURCE.files, ...MNIST_RAW_FILES, ...NETTALK_SOURCE.files, ...NETTALK_EXTRA_FILES].map((f) => [f.name, f]),
);
const DVS_MD5 = new Map(DVS_GESTURE_SOURCE.recordings.map(([name, md5]) => [name, md5]));

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Describe what `dir` holds. Throws DataFormatError when `dir` is not a readable directory. */
export async function inspectDataDir(dir: string, options: InspectOptions = {}): Promise<DataDirInfo> {
  let top;
  try {
    top = await stat(dir);
  } catch (err) {
    throw new DataFormatError(dir, `cannot read the directory: ${errorText(err)}`);
  }
  if (!top.isDirectory()) throw new DataFormatError(dir, 'not a directory');

  const entries = await walk(dir, options.maxDepth ?? 3);
  const files: FileInfo[] = [];
  const other: string[] = [];
  for (const rel of entries) {
    const info = await inspectFile(join(dir, ...rel.split('/')), rel, options);
    if (info) files.push(info);
    else other.push(rel);
  }
  return {
    dir,
    datasets: summarise(files),
    files,
    other: other.slice(0, 50),
    otherCount: other.length,
  };
}

/** Regular files below `root` (relative, '/'-separated), skipping hidden entries and node_modules. */
async function walk(root: string, maxDepth: number): Promise<string[]> {
  const out: string[] = [];
  let seen = 0;
  const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
  while (queue.length > 0 && seen < MAX_ENTRIES) {
    const { rel, depth } = queue.shift()!;
    let dirents;
    try {
      dirents = await readdir(join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
    } catch {
      continue;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (++seen > MAX_ENTRIES) break;
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isFile()) out.push(childRel);
      else if (d.isDirectory() && depth < maxDepth) queue.push({ rel: childRel, depth: depth + 1 });
    }
  }
  return out;
}

async function inspectFile(path: string, rel: string, options: InspectOptions): Promise<FileInfo | undefined> {
  const name = posix.basename(rel);
  const size = (await stat(path)).size;

  if (name.endsWith('.part')) {
    const target = name.slice(0, -'.part'.length);
    const known = KNOWN_FILES.get(target);
    if (!known) return undefined;
    return {
      path: rel,
      kind: 'partial-download',
      dataset: datasetOfKnown(target),
      size,
      checksum: 'unchecked',
      detail: `partial download of ${target}: ${fmt(size)}${known.size ? ` of ${fmt(known.size)}` : ''} bytes; \`data fetch\` resumes it`,
    };
  }

  const mnist = MNIST_NAME.exec(name);
  if (mnist || IDX_NAME.test(name)) {
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
  }

  const nettalkKind = NETTALK_FILES[name];
  if (nettalkKind) {
    const known = KNOWN_FILES.get(name);
    const counted = await countNettalk(path, nettalkKind, size);
    return {
      path: rel,
      kind: nettalkKind,
      dataset: 'nettalk',
      role: known?.role,
      size,
      ...(await checksumOf(path, name, known, options)),
      ...counted,
    };
  }

  const recording = DVS_RECORDING.exec(name);
  if (recording) {
    const md5 = DVS_MD5.get(recording[1]);
    const split = dvsGestureSplit(recording[1]);
    let sum: Pick<FileInfo, 'checksum' | 'algorithm' | 'expected' | 'actual'>;
    if (!md5) sum = { checksum: 'unknown' };
    else if (!options.verifyRecordings) sum = { checksum: 'unchecked', algorithm: 'md5', expected: md5 };
    else {
      const actual = await hashFile(path, 'md5', options.onProgress, rel);
      sum = { checksum: actual === md5 ? 'ok' : 'mismatch', algorithm: 'md5', expected: md5, actual };
    }
    return {
      path: rel,
      kind: 'dvs-recording',
      dataset: 'dvsgesture',
      role: split ? `recording (${split})` : 'recording',
      size,
      ...sum,
      problem: md5 ? undefined : 'not one of the 122 DvsGesture recordings',
    };
  }

  const labels = DVS_LABELS.exec(name);
  if (labels) {
    let count: number | undefined;
    let problem: string | undefined;
    try {
      const lines = (await readFile(path, 'latin1')).split(/\r?\n/).filter((l) => l.trim() !== '');
      count = lines.length > 0 && /^\s*class/i.test(lines[0]) ? lines.length - 1 : lines.length;
    } catch (err) {
      problem = `cannot read: ${errorText(err)}`;
    }
    return {
      path: rel,
      kind: 'dvs-labels',
      dataset: 'dvsgesture',
      role: 'gesture segments of a recording',
      size,
      checksum: 'unknown',
      count,
      detail: count !== undefined ? `${fmt(count)} segments` : undefined,
      problem,
    };
  }

  if (name === DVS_GESTURE_SOURCE.archive) {
    return {
      path: rel,
      kind: 'dvs-archive',
      dataset: 'dvsgesture',
      role: 'the downloaded archive',
      size,
      checksum: 'unknown',
    };
  }
  return undefined;
}

function datasetOfKnown(name: string): DatasetName | undefined {
  if (MNIST_NAME.test(name)) return 'mnist';
  if (NETTALK_FILES[name]) return 'nettalk';
  return undefined;
}

async function checksumOf(
  path: string,
  rel: string,
  known: SourceFile | undefined,
  options: InspectOptions,
): Promise<Pick<FileInfo, 'checksum' | 'algorithm' | 'expected' | 'actual'>> {
  const sum = known ? preferredChecksum(known) : undefined;
  if (!sum) return { checksum: 'unknown' };
  const actual = await hashFile(path, sum.algorithm, options.onProgress, rel);
  return { checksum: actual === sum.expected ? 'ok' : 'mismatch', algorithm: sum.algorithm, expected: sum.expected, actual };
}

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

async function countNettalk(
  path: string,
  kind: FileKind,
  size: number,
): Promise<Pick<FileInfo, 'count' | 'detail' | 'problem'>> {
  if ((kind !== 'nettalk-data' && kind !== 'nettalk-list') || size > MAX_COUNT_BYTES) return {};
  const text = await readFile(path, 'latin1');
  if (kind === 'nettalk-data') {
    const count = text.split('\n').filter((line) => /^[a-z]+\t/.test(line)).length;
    return { count, detail: `${fmt(count)} dictionary entries` };
  }
  // nettalk.list: a note, then the words as one parenthesised, whitespace-separated list.
  const open = text.indexOf('\n(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return { problem: 'no parenthesised word list found' };
  const count = text
    .slice(open + 2, close)
    .split(/\s+/)
    .filter((w) => w !== '').length;
  return { count, detail: `${fmt(count)} words` };
}

/** Group recognised files into datasets per directory. */
function summarise(files: readonly FileInfo[]): DatasetInfo[] {
  const byDir = new Map<string, FileInfo[]>();
  for (const f of files) {
    if (!f.dataset) continue;
    const d = posix.dirname(f.path);
    const key = `${f.dataset}\u0000${d}`;
    const list = byDir.get(key) ?? [];
    list.push(f);
    byDir.set(key, list);
  }
  const out: DatasetInfo[] = [];
  for (const [key, group] of byDir) {
    const [dataset, dir] = key.split('\u0000') as [DatasetName, string];
    const problems = group
      .filter((f) => f.checksum === 'mismatch' || f.problem)
      .map((f) =>
        f.checksum === 'mismatch'
          ? `${posix.basename(f.path)}: ${f.algorithm} mismatch (expected ${f.expected}, got ${f.actual})`
          : `${posix.basename(f.path)}: ${f.problem}`,
      );
    const has = (name: string) => group.some((f) => posix.basename(f.path) === name);
    if (dataset === 'mnist') out.push(summariseMnist(dir, group, problems, has));
    else if (dataset === 'nettalk') out.push(summariseNettalk(dir, group, problems, has));
    else out.push(summariseDvs(dir, group, problems));
  }
  return out.sort((a, b) => (a.dir + a.dataset < b.dir + b.dataset ? -1 : 1));
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

function summariseNettalk(
  dir: string,
  group: readonly FileInfo[],
  problems: string[],
  has: (name: string) => boolean,
): DatasetInfo {
  const missing = NETTALK_SOURCE.files.map((f) => f.name).filter((n) => !has(n));
  const parts = group
    .filter((f) => f.detail && f.kind !== 'partial-download')
    .map((f) => `${posix.basename(f.path)}: ${f.detail}`);
  return {
    dataset: 'nettalk',
    dir,
    complete: has('nettalk.data') && has('nettalk.list'),
    missing,
    problems,
    summary: [...parts, checksumSummary(group)].filter(Boolean).join('; '),
  };
}

function summariseDvs(dir: string, group: readonly FileInfo[], problems: string[]): DatasetInfo {
  const recordings = group.filter((f) => f.kind === 'dvs-recording');
  const labelNames = new Set(group.filter((f) => f.kind === 'dvs-labels').map((f) => posix.basename(f.path)));
  const present = new Set(recordings.map((f) => posix.basename(f.path).replace(/\.aedat$/, '')));
  const expected = { train: 0, test: 0 };
  const found = { train: 0, test: 0 };
  const missing: string[] = [];
  for (const [name] of DVS_GESTURE_SOURCE.recordings) {
    const split = dvsGestureSplit(name) ?? 'train';
    expected[split]++;
    if (present.has(name)) found[split]++;
    else missing.push(`${name}.aedat`);
    if (present.has(name) && !labelNames.has(`${name}_labels.csv`)) missing.push(`${name}_labels.csv`);
  }
  const archive = group.find((f) => f.kind === 'dvs-archive');
  const segments = group.filter((f) => f.kind === 'dvs-labels').reduce((a, f) => a + (f.count ?? 0), 0);
  const parts: string[] = [];
  if (recordings.length > 0 || labelNames.size > 0) {
    parts.push(
      `recordings: train ${found.train}/${expected.train}, test ${found.test}/${expected.test}; ` +
        `${labelNames.size} labels files (${fmt(segments)} segments)`,
    );
  }
  if (archive && recordings.length === 0) {
    parts.push(`${DVS_GESTURE_SOURCE.archive} is here but not unpacked (tar -xzf ${DVS_GESTURE_SOURCE.archive})`);
  }
  parts.push(checksumSummary(group));
  return {
    dataset: 'dvsgesture',
    dir,
    complete: missing.length === 0,
    missing: recordings.length === 0 ? [`${DVS_GESTURE_SOURCE.subdir}/*.aedat (all ${DVS_GESTURE_SOURCE.recordings.length} recordings)`] : missing,
    problems,
    summary: parts.filter(Boolean).join('; '),
    splits: { train: { found: found.train, expected: expected.train }, test: { found: found.test, expected: expected.test } },
  };
}

function checksumSummary(group: readonly FileInfo[]): string {
  const counts: Record<ChecksumState, number> = { ok: 0, mismatch: 0, unknown: 0, unchecked: 0 };
  for (const f of group) if (f.kind !== 'partial-download') counts[f.checksum]++;
  const parts: string[] = [];
  if (counts.ok) parts.push(`${counts.ok} ok`);
  if (counts.mismatch) parts.push(`${counts.mismatch} MISMATCH`);
  if (counts.unchecked) parts.push(`${counts.unchecked} not checked`);
  if (counts.unknown) parts.push(`${counts.unknown} without a published checksum`);
  return parts.length ? `checksums: ${parts.join(', ')}` : '';
}
