/**
 * NumPy `.npy` files (format 1.0), float32/float64, C order: what `numpy.save`/`numpy.load` write
 * and read, bytes in and out. Hand-written because the maintained npm packages only read the format
 * (npyjs) and the format is 30 lines (a magic, a Python-dict header padded to 64 bytes, raw
 * little-endian data).
 */
import { latin1 } from '../data/source.js';
import { DataFormatError, quoteText } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataFormatError(file, 'not a NumPy .npy file (magic \\x93NUMPY missing)', 'byte 0');
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataFormatError(file, `.npy format version ${major}.${bytes[7]} (1.0–3.0 expected)`, 'byte 6');
  if (major > 1 && bytes.length < 12) throw new DataFormatError(file, 'truncated .npy header', `byte ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new DataFormatError(file, 'truncated .npy header', `byte ${bytes.length}`);
  const header = latin1(bytes.subarray(headerStart, dataStart));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new DataFormatError(file, `unreadable .npy header: ${quoteText(header.trim())}`, `byte ${headerStart}`);
  if (fortran === 'True') throw new DataFormatError(file, 'Fortran-order arrays are not supported; save with C order');
  const shape = shapeText.split(',').map((t) => t.trim()).filter((t) => t.length > 0).map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new DataFormatError(file, `unreadable .npy shape ${quoteText(`(${shapeText})`)}`, `byte ${headerStart}`);
  // A zero dimension makes the array empty whatever the others say (0 × ∞ would be NaN).
  const count = shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1);
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (width === 0) throw new DataFormatError(file, `dtype ${quoteText(descr)} not supported (expected <f4 or <f8)`, `byte ${headerStart}`);
  if (bytes.length - dataStart !== count * width) {
    const shown = shape.length <= 8 ? shape.join(',') : `${shape.slice(0, 3).join(',')},…,${shape.slice(-2).join(',')}`;
    throw new DataFormatError(file, `shape (${shown}) needs ${count * width} data bytes, found ${bytes.length - dataStart}`);
  }
  const raw = new Uint8Array(bytes.subarray(dataStart)); // a copy: the input's buffer may be shared (and unaligned)
  const data = width === 4 ? new Float32Array(raw.buffer, 0, count) : Float32Array.from(new Float64Array(raw.buffer, 0, count));
  return { shape, data };
}
