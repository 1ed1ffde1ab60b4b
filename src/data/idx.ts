/**
 * Reader for IDX files (the format of the MNIST distribution), raw or gzipped.
 *
 * Layout (all integers big-endian): bytes 0-1 are zero, byte 2 is the element type code,
 * byte 3 the number of dimensions d; then d u32 sizes; then the elements, row-major.
 * Only type 0x08 (unsigned byte) is supported, which is all MNIST needs.
 *
 * Gzip is detected by its magic bytes 1f 8b, never by the file name, so `x.gz` holding raw
 * IDX and `x` holding gzip both load. Every problem is a one-line `DataFormatError` that
 * names the file and what is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** The path that was read. */
  readonly file: string;
  /** The 32-bit magic number, e.g. 0x00000803 (2051) for MNIST images. */
  readonly magic: number;
  readonly dtype: 'uint8';
  /** Sizes of the dimensions, outermost first, e.g. [60000, 28, 28]. */
  readonly dims: number[];
  /** The elements, row-major; length = product of `dims`. */
  readonly data: Uint8Array;
}

/** What a caller requires of a file; a mismatch is a `DataFormatError`. */
export interface IdxExpect {
  /** Required magic number, e.g. 0x803 (images) or 0x801 (labels). */
  readonly magic?: number;
  /** Required dimensions; `null` accepts any size, e.g. `[null, 28, 28]`. */
  readonly dims?: readonly (number | null)[];
}

/** IDX element type codes, for error messages. */
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The names tried for `path`: as given, then with `.gz` added (or removed, if it has one). */
export function idxCandidates(path: string): string[] {
  return [path, path.endsWith('.gz') ? path.slice(0, -3) : `${path}.gz`];
}

/** The first of `candidates` that exists; otherwise a `DataFormatError` listing every name tried. */
export function resolveExisting(candidates: readonly string[]): string {
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new DataFormatError(candidates[0] ?? '(no file)', `file not found (tried: ${candidates.join(', ')})`);
  }
  return found;
}

/** Reads a file and gunzips it if it starts with the gzip magic. */
export function readMaybeGzip(file: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataFormatError(file, `cannot read file (${(err as Error).message})`);
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataFormatError(file, `corrupted gzip stream (${(err as Error).message})`);
  }
}

/**
 * Reads an IDX file. `path` is either one path (the name with `.gz` added or removed is tried
 * too) or the list of names to try in order. `expect` adds checks of magic and dimensions.
 */
export function readIdx(path: string | readonly string[], expect: IdxExpect = {}): IdxArray {
  const file = resolveExisting(typeof path === 'string' ? idxCandidates(path) : path);
  return parseIdx(readMaybeGzip(file), file, expect);
}

/** Parses the (already decompressed) bytes of an IDX file; `file` is used in error messages. */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxArray {
  if (bytes.length < 4) {
    throw new DataFormatError(file, `truncated header: expected at least 4 bytes, found ${bytes.length}`, 'byte 0');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const gzipHint = isGzip(bytes) ? ' — is the file still gzipped?' : '';
  if (expect.magic !== undefined && magic !== expect.magic) {
    throw new DataFormatError(file, `IDX magic ${hex8(expect.magic)} expected, found ${hex8(magic)}${gzipHint}`, 'bytes 0-3');
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, `not an IDX file: magic ${hex8(magic)} must start with two zero bytes${gzipHint}`, 'bytes 0-3');
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new DataFormatError(file, `IDX type code ${hex2(type)} (${name}) is not supported; only 0x08 (unsigned byte)`, 'byte 2');
  }

  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(
      file,
      `truncated header: expected ${headerBytes} bytes for ${ndims} dimensions, found ${bytes.length}`,
      'byte 4',
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  checkDims(file, dims, expect.dims);

  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    const what = found < expected ? 'truncated data' : 'trailing bytes after data';
    throw new DataFormatError(
      file,
      `${what}: dims ${dims.join('×')} imply ${fmt(expected)} data bytes, found ${fmt(found)}`,
      `byte ${headerBytes}`,
    );
  }
  return { file, magic, dtype: 'uint8', dims, data: bytes.subarray(headerBytes) };
}

function checkDims(file: string, dims: number[], want: readonly (number | null)[] | undefined): void {
  if (want === undefined) return;
  const ok = dims.length === want.length && want.every((w, i) => w === null || w === dims[i]);
  if (!ok) {
    const shape = want.map((w) => (w === null ? 'N' : String(w))).join('×');
    throw new DataFormatError(file, `wrong dimensions: expected ${shape}, found ${dims.join('×') || '(none)'}`, 'bytes 4+');
  }
}
