/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON — `{"__metadata__": {string: string}, "<name>": {"dtype": "F32",
 * "shape": [..], "data_offsets": [begin, end]}, …}` — then the arrays' bytes, back to back.
 * Self-describing (every array named, with its dtype and shape), and read by the safetensors
 * libraries of Python, Rust and JS (`safetensors.numpy.load_file`). Written by hand because it is
 * 100 lines and the npm packages that write it pull in a tensor library.
 *
 * The reader trusts nothing: the header length, every offset and every shape is checked against
 * the bytes actually there before anything is allocated.
 */
import { DataFormatError, oneLine, quoteJson, quoteText } from '../errors.js';

export type SafetensorsDtype = 'F32' | 'U8';

export interface Tensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Little-endian bytes, product(shape) × width. */
  readonly bytes: Uint8Array;
}

const WIDTH: Record<SafetensorsDtype, number> = { F32: 4, U8: 1 };
/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a Float32Array or Uint8Array, as a view. */
export function bytesOf(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeSafetensors(tensors: readonly Tensor[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) throw new RangeError(`safetensors: duplicate or reserved name "${t.name}"`);
    const size = t.shape.reduce((a, b) => a * b, 1) * WIDTH[t.dtype];
    if (size !== t.bytes.length) throw new RangeError(`safetensors: ${t.name} has ${t.bytes.length} bytes, its shape needs ${size}`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + textEncoder.encode(json).length) % 8)) % 8); // data starts 8-byte aligned
  const head = textEncoder.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

export interface DecodedSafetensors {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, Tensor>;
}

/** The header only (from the first bytes of a file; `size` = the file's whole length). */
export function decodeSafetensorsHeader(bytes: Uint8Array, file: string, size = bytes.length): { metadata: Record<string, string>; entries: Map<string, Omit<Tensor, 'bytes'> & { begin: number; end: number }>; dataStart: number } {
  if (size < 8 || bytes.length < 8) throw new DataFormatError(file, `not a safetensors file: ${size} bytes, fewer than its 8-byte header length`, 'byte 0');
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) throw new DataFormatError(file, `header length ${n} does not fit the ${size}-byte file`, 'byte 0');
  const headerBytes = Number(n);
  if (bytes.length < 8 + headerBytes) throw new DataFormatError(file, `truncated header (${bytes.length} of ${8 + headerBytes} bytes)`, 'byte 8');
  let header: unknown;
  try {
    header = JSON.parse(textDecoder.decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (err) {
    throw new DataFormatError(file, `the header is not JSON (${oneLine((err as Error).message)})`, 'byte 8');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new DataFormatError(file, 'the header is not a JSON object', 'byte 8');
  const dataStart = 8 + headerBytes;
  const dataBytes = size - dataStart;
  const metadata: Record<string, string> = {};
  const entries = new Map<string, Omit<Tensor, 'bytes'> & { begin: number; end: number }>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DataFormatError(file, '__metadata__ is not an object of strings', 'byte 8');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new DataFormatError(file, `__metadata__ entry ${quoteText(k)} is not a string`, 'byte 8');
        metadata[k] = v;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const what = `tensor ${quoteText(name)}`;
    const dtype = e?.dtype;
    if (dtype !== 'F32' && dtype !== 'U8') throw new DataFormatError(file, `${what}: dtype ${quoteJson(dtype)} (this reader takes F32 and U8)`, 'byte 8');
    const shape = e?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new DataFormatError(file, `${what}: shape is not a list of non-negative integers`, 'byte 8');
    const offsets = e?.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new DataFormatError(file, `${what}: data_offsets is not [begin, end]`, 'byte 8');
    }
    const [begin, end] = offsets as number[];
    // A zero dimension makes the tensor empty whatever the others say (0 × ∞ would be NaN).
    const count = shape.includes(0) ? 0 : (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count) || end < begin || end > dataBytes || end - begin !== count * WIDTH[dtype]) {
      const dims = shape.length <= 8 ? shape.join(',') : `${shape.slice(0, 3).join(',')},…,${shape.slice(-2).join(',')}`;
      throw new DataFormatError(file, `${what}: shape [${dims}] and data_offsets [${begin}, ${end}] do not fit the ${dataBytes} data bytes`, 'byte 8');
    }
    entries.set(name, { name, dtype, shape: shape as number[], begin, end });
  }
  const spans = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) throw new DataFormatError(file, `tensor ${quoteText(spans[i].name)} overlaps ${quoteText(spans[i - 1].name)}`, 'byte 8');
  }
  return { metadata, entries, dataStart };
}

export function decodeSafetensors(bytes: Uint8Array, file: string): DecodedSafetensors {
  const { metadata, entries, dataStart } = decodeSafetensorsHeader(bytes, file);
  const tensors = new Map<string, Tensor>();
  for (const [name, e] of entries) {
    tensors.set(name, { name, dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(dataStart + e.begin, dataStart + e.end) });
  }
  return { metadata, tensors };
}
