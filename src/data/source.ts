/**
 * Where a loader's bytes come from, whatever the host: a directory on disk (selfprop/node's
 * `directorySource`), the files a person chose in a browser page, or bytes in memory
 * (`memorySource`). The loaders of data/ and tasks/ read only through these, so the same parsing
 * and the same errors serve Node and the browser.
 */
import { Gunzip } from 'fflate';
import { DataFormatError, oneLine } from '../errors.js';

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
 * claims) up to `maxBytes` (default 2 GiB). Every member (gzip allows several back to back, as
 * zlib reads them) must have a whole header, and its output's length and CRC-32 must agree with
 * its trailer (fflate inflates but checks neither, so they are checked here).
 */
export function maybeGunzip(bytes: Uint8Array, file: string, maxBytes = 2 ** 31): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  checkGzipHeader(bytes, 0, file);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Where each member starts, in the input and in the output. An empty member is pushed after
  // the bytes: fflate must find it right at their end, which proves that every byte was read as
  // part of a member (fflate silently drops a header that runs past the end, and what follows it).
  const members = [{ start: 0, out: 0 }];
  try {
    const inflate = new Gunzip((chunk) => {
      total += chunk.length;
      if (total > maxBytes) throw new Error(`more than ${maxBytes} bytes uncompressed`);
      chunks.push(chunk);
    });
    inflate.onmember = (offset) => members.push({ start: offset, out: total });
    inflate.push(bytes, false);
    inflate.push(EMPTY_GZIP_MEMBER, true);
  } catch (err) {
    throw new DataFormatError(file, `corrupted gzip stream (${oneLine((err as Error).message)})`);
  }
  const sentinel = members.pop();
  if (sentinel === undefined || sentinel.start !== bytes.length || sentinel.out !== total || members.length === 0) {
    throw new DataFormatError(file, 'corrupted gzip stream (the bytes after a member are neither its 8-byte trailer and the end of the file nor another whole gzip member)');
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
  const u32 = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  members.forEach((m, i) => {
    const end = i + 1 < members.length ? members[i + 1].start : bytes.length;
    const outEnd = i + 1 < members.length ? members[i + 1].out : total;
    const which = members.length > 1 ? `member ${i + 1} of ${members.length}: ` : '';
    if (i > 0) checkGzipHeader(bytes.subarray(m.start, end), m.start, file);
    // The trailer's position goes in the text: "FILE: corrupted gzip stream (…)" is what callers match.
    if (u32(end - 4) !== (outEnd - m.out) % 2 ** 32) {
      throw new DataFormatError(file, `corrupted gzip stream (${which}the trailer at byte ${end - 8} says ${u32(end - 4)} bytes, the stream holds ${outEnd - m.out})`);
    }
    if (crc32(out.subarray(m.out, outEnd)) !== u32(end - 8)) throw new DataFormatError(file, `corrupted gzip stream (${which}CRC-32 mismatch with the trailer at byte ${end - 8})`);
  });
  return out;
}

/** The smallest gzip member: 10-byte header, 2 bytes of deflate data (one empty block), 8-byte trailer. */
const GZIP_MIN_BYTES = 20;
/** That member, holding nothing (what `gzip` makes of an empty file). */
const EMPTY_GZIP_MEMBER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/**
 * Checks a member's header (RFC 1952 §2.3) against the bytes there (`member` = from its first byte
 * to the end of the stream or of the member; `base` = its offset, for messages): fflate's streaming
 * Gunzip reads a header that runs past the end as an empty stream, without an error.
 */
function checkGzipHeader(member: Uint8Array, base: number, file: string): void {
  const n = member.length;
  const at = (offset: number) => `byte ${base + offset}`;
  if (n < GZIP_MIN_BYTES) throw new DataFormatError(file, `truncated gzip stream: ${n} bytes, a gzip stream has at least ${GZIP_MIN_BYTES}`, at(0));
  if (member[2] !== 8) throw new DataFormatError(file, `gzip compression method ${member[2]}, only 8 (deflate) exists`, at(2));
  const flags = member[3];
  if (flags & 0xe0) throw new DataFormatError(file, `gzip header flags 0x${flags.toString(16)} set reserved bits`, at(3));
  const end = n - 8; // the trailer
  let pos = 10;
  if (flags & 0x04) pos += 2 + (member[10] | (member[11] << 8)); // FEXTRA: length, then the field
  if (pos > end) throw new DataFormatError(file, 'truncated gzip header: the extra field runs past the end of the stream', at(10));
  for (const [flag, what] of [[0x08, 'file name'], [0x10, 'comment']] as const) {
    if (!(flags & flag)) continue;
    const zero = member.subarray(0, end).indexOf(0, pos);
    if (zero < 0) throw new DataFormatError(file, `truncated gzip header: the ${what} has no terminating zero byte before the end of the stream`, at(pos));
    pos = zero + 1;
  }
  if (flags & 0x02) pos += 2; // FHCRC
  if (pos + 2 > end) throw new DataFormatError(file, 'truncated gzip stream: no deflate data between the header and the 8-byte trailer', at(Math.min(pos, n)));
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
