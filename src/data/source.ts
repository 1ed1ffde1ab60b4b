/**
 * Where a loader's bytes come from, whatever the host: a directory on disk (selfprop/node's
 * `directorySource`), the files a person chose in a browser page, or bytes in memory
 * (`memorySource`). The loaders of data/ and tasks/ read only through these, so the same parsing
 * and the same errors serve Node and the browser.
 */
import { Gunzip } from 'fflate';
import { DataFormatError } from '../errors.js';

/** Random access to the bytes of one file. */
export interface ByteSource {
  /** The file's path or name, for messages. */
  readonly name: string;
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer only at the end). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A folder of named files. */
export interface DataSource {
  /** The folder's path or name, for messages. */
  readonly name: string;
  /** The names of its files and sub-folders (not recursive), sorted. */
  list(): Promise<string[]>;
  /** The file called `name`, or undefined when there is none. */
  open(name: string): Promise<ByteSource | undefined>;
  /** The sub-folder called `name`, or undefined when there is none. */
  folder(name: string): Promise<DataSource | undefined>;
  /** How to name one of its files in a message. */
  pathOf(name: string): string;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (position, length) => bytes.subarray(Math.min(position, bytes.length), Math.min(position + length, bytes.length)),
    close: async () => {},
  };
}

/** A DataSource over named byte arrays (and sub-folders). */
export function memorySource(name: string, files: Readonly<Record<string, Uint8Array>>, folders: Readonly<Record<string, DataSource>> = {}): DataSource {
  return {
    name,
    list: async () => [...Object.keys(files), ...Object.keys(folders)].sort(),
    open: async (file) => (Object.hasOwn(files, file) ? bytesSource(`${name}/${file}`, files[file]) : undefined),
    folder: async (folder) => (Object.hasOwn(folders, folder) ? folders[folder] : undefined),
    pathOf: (file) => `${name}/${file}`,
  };
}

/** Every byte of a source (closed afterwards). Refuses sources above `maxBytes` (default 2 GiB). */
export async function readAll(source: ByteSource, maxBytes = 2 ** 31): Promise<Uint8Array> {
  try {
    if (source.size > maxBytes) throw new DataFormatError(source.name, `${source.size} bytes is more than this reader takes (${maxBytes})`);
    const bytes = await source.read(0, source.size);
    if (bytes.length !== source.size) throw new DataFormatError(source.name, `read ${bytes.length} of ${source.size} bytes (the file changed while it was read?)`);
    return bytes;
  } finally {
    await source.close();
  }
}

/**
 * The bytes of the first of `names` that `data` holds, with the name found; a DataFormatError
 * listing every name tried when none is there.
 */
export async function readFirst(data: DataSource, names: readonly string[]): Promise<{ readonly file: string; readonly bytes: Uint8Array }> {
  for (const name of names) {
    const source = await data.open(name);
    if (source) return { file: data.pathOf(name), bytes: await readAll(source) };
  }
  throw new DataFormatError(data.pathOf(names[0] ?? '(no file)'), `file not found (tried: ${names.map((n) => data.pathOf(n)).join(', ')})`);
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes, gunzipped when they start with the gzip magic (never decided by the file name). The
 * output grows as the stream is inflated (a damaged trailer cannot make it allocate what it
 * claims) up to `maxBytes` (default 2 GiB), and its length and CRC-32 must agree with the
 * trailer's (fflate inflates but does not check the CRC, so it is checked here).
 */
export function maybeGunzip(bytes: Uint8Array, file: string, maxBytes = 2 ** 31): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const inflate = new Gunzip((chunk) => {
      total += chunk.length;
      if (total > maxBytes) throw new Error(`more than ${maxBytes} bytes uncompressed`);
      chunks.push(chunk);
    });
    inflate.push(bytes, true);
  } catch (err) {
    throw new DataFormatError(file, `corrupted gzip stream (${(err as Error).message})`);
  }
  const n = bytes.length;
  const u32 = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  if (u32(n - 4) !== total % 2 ** 32) {
    throw new DataFormatError(file, `corrupted gzip stream (the trailer says ${u32(n - 4)} bytes, the stream holds ${total})`);
  }
  let out: Uint8Array;
  if (chunks.length === 1) out = chunks[0];
  else {
    out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
  }
  if (crc32(out) !== u32(n - 8)) throw new DataFormatError(file, 'corrupted gzip stream (CRC-32 mismatch)');
  return out;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c;
  }
  return table;
})();

/** The CRC-32 of gzip (ISO 3309), unsigned. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Latin-1 text of bytes (every byte one character, as the NETtalk and DVS text files are read). */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return text;
}
