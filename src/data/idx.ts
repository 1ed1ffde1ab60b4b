/**
 * IDX files (the format of the MNIST distribution): one header reader and the parser of the
 * unsigned-byte arrays MNIST needs. Bytes in, arrays out: reading files and gunzipping is the
 * caller's (data/source.ts `maybeGunzip`; selfprop/node reads directories).
 *
 * Layout (all integers big-endian): bytes 0-1 are zero, byte 2 is the element type code,
 * byte 3 the number of dimensions d; then d u32 sizes; then the elements, row-major.
 * Every problem is a one-line `DataFormatError` that names the file and what is wrong.
 */
import { DataFormatError } from '../errors.js';
import { isGzip } from './source.js';

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

/** IDX element types: name and width in bytes. */
export const IDX_TYPES: Readonly<Record<number, { readonly name: string; readonly bytes: number }>> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** What an IDX header says. */
export interface IdxHeader {
  readonly magic: number;
  readonly typeCode: number;
  readonly dims: number[];
  /** Bytes of the header: 4 + 4·d. */
  readonly headerBytes: number;
  /** Bytes of the data the header implies (dims × element width). */
  readonly dataBytes: number;
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const fmt = (n: number): string => (n > Number.MAX_SAFE_INTEGER ? n.toPrecision(4) : n.toLocaleString('en-US'));
/** Dimensions for a message: `60000×28×28`, or the first and last few of a long list. */
const shapeText = (dims: readonly number[]): string =>
  dims.length <= 8 ? dims.join('×') : `${dims.slice(0, 3).join('×')}×…×${dims.slice(-2).join('×')} (${dims.length} dimensions)`;

/**
 * Reads the header at the start of `bytes` (at least 4 + 4·d of them; the data need not follow):
 * magic, element type, dimensions. A DataFormatError when it is not an IDX header.
 */
export function readIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  if (bytes.length < 4) {
    throw new DataFormatError(file, `truncated header: expected at least 4 bytes, found ${bytes.length}`, 'byte 0');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const gzipHint = isGzip(bytes) ? ' — is the file still gzipped?' : '';
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, `not an IDX file: magic ${hex8(magic)} must start with two zero bytes${gzipHint}`, 'bytes 0-3');
  }
  const typeCode = bytes[2];
  const type = IDX_TYPES[typeCode];
  if (!type) throw new DataFormatError(file, `unknown IDX element type ${hex2(typeCode)}`, 'byte 2');
  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(file, `truncated header: expected ${headerBytes} bytes for ${ndims} dimensions, found ${bytes.length}`, 'byte 4');
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  // A zero dimension makes the array empty whatever the others claim (0 × ∞ would be NaN).
  const elements = dims.includes(0) ? 0 : dims.reduce((a, b) => a * b, 1);
  return { magic, typeCode, dims, headerBytes, dataBytes: elements * type.bytes };
}

/** Parses the (already decompressed) bytes of an IDX file; `file` is used in error messages. */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxArray {
  if (expect.magic !== undefined && bytes.length >= 4) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
    if (magic !== expect.magic) {
      const gzipHint = isGzip(bytes) ? ' — is the file still gzipped?' : '';
      throw new DataFormatError(file, `IDX magic ${hex8(expect.magic)} expected, found ${hex8(magic)}${gzipHint}`, 'bytes 0-3');
    }
  }
  const { magic, typeCode, dims, headerBytes, dataBytes } = readIdxHeader(bytes, file);
  if (typeCode !== 0x08) {
    throw new DataFormatError(file, `IDX type code ${hex2(typeCode)} (${IDX_TYPES[typeCode].name}) is not supported; only 0x08 (unsigned byte)`, 'byte 2');
  }
  checkDims(file, dims, expect.dims);
  const found = bytes.length - headerBytes;
  if (found !== dataBytes) {
    const what = found < dataBytes ? 'truncated data' : 'trailing bytes after data';
    throw new DataFormatError(file, `${what}: dims ${shapeText(dims)} imply ${fmt(dataBytes)} data bytes, found ${fmt(found)}`, `byte ${headerBytes}`);
  }
  return { file, magic, dtype: 'uint8', dims, data: bytes.subarray(headerBytes) };
}

function checkDims(file: string, dims: number[], want: readonly (number | null)[] | undefined): void {
  if (want === undefined) return;
  const ok = dims.length === want.length && want.every((w, i) => w === null || w === dims[i]);
  if (!ok) {
    const shape = want.map((w) => (w === null ? 'N' : String(w))).join('×');
    throw new DataFormatError(file, `wrong dimensions: expected ${shape}, found ${shapeText(dims) || '(none)'}`, 'bytes 4+');
  }
}
