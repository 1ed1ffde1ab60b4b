/** Reading the ASCII `#` header lines that AEDAT 2.0 and 3.1 files start with. */
import { DataFormatError } from '../../errors.js';
import { latin1 } from '../source.js';
import type { ByteReader } from './byteReader.js';

/** A header line must end within this many bytes. */
export const MAX_HEADER_LINE_BYTES = 64 * 1024;

export interface HeaderLine {
  /** The line without its `\n` or `\r\n`. */
  readonly text: string;
  /** File offset of the line's first byte. */
  readonly offset: number;
  /** False for a last line that the end of the file cut before its `\n`. */
  readonly terminated: boolean;
}

/**
 * Reads the next line (up to and including `\n`). Returns null at end of file; a last line
 * without `\n` is returned as it is, with `terminated: false` (the readers refuse it: a header cut
 * inside a line is a truncated file).
 */
export async function readHeaderLine(reader: ByteReader, file: string): Promise<HeaderLine | null> {
  const offset = reader.offset;
  let want = Math.min(256, MAX_HEADER_LINE_BYTES);
  for (;;) {
    const have = await reader.ensure(want);
    const bytes = reader.peek(have);
    const nl = bytes.indexOf(0x0a);
    if (nl >= 0) {
      const text = latin1(bytes.subarray(0, nl)).replace(/\r$/, '');
      reader.skip(nl + 1);
      return { text, offset, terminated: true };
    }
    if (have < want) {
      // End of file inside the line.
      if (have === 0) return null;
      const text = latin1(bytes.subarray(0, have)).replace(/\r$/, '');
      reader.skip(have);
      return { text, offset, terminated: false };
    }
    if (want >= MAX_HEADER_LINE_BYTES) {
      throw new DataFormatError(
        file,
        `header line has no line end within ${MAX_HEADER_LINE_BYTES} bytes`,
        `byte ${offset}`,
      );
    }
    want = Math.min(want * 4, MAX_HEADER_LINE_BYTES);
  }
}

/** Shortens a line for an error message. */
export function quoteLine(text: string, max = 60): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}…` : printable);
}
