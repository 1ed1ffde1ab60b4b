/**
 * A buffered, forward-only reader over a ByteSource (a file on disk, a browser File, bytes in
 * memory): the event readers use it to stream multi-GB recordings block by block instead of
 * loading them whole.
 */
import { bytesSource, type ByteSource } from '../source.js';

/** Default read block: 4 MiB. */
export const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;

export class ByteReader {
  private buf: Uint8Array;
  /** Index in `buf` of the next unread byte. */
  private start = 0;
  /** Index in `buf` one past the last valid byte. */
  private end = 0;
  /** Source position that the next read starts at. */
  private sourcePos = 0;

  constructor(
    private readonly source: ByteSource,
    blockBytes = DEFAULT_BLOCK_BYTES,
  ) {
    this.buf = new Uint8Array(Math.max(16, Math.min(blockBytes, Math.max(16, source.size))));
  }

  /** A reader over bytes in memory. */
  static ofBytes(name: string, bytes: Uint8Array): ByteReader {
    return new ByteReader(bytesSource(name, bytes), bytes.length);
  }

  /** The source's size in bytes. */
  get size(): number {
    return this.source.size;
  }

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.sourcePos - (this.end - this.start);
  }

  /** Bytes left from `offset`. */
  get remaining(): number {
    return this.size - this.offset;
  }

  /** Unread bytes now in the buffer. */
  get available(): number {
    return this.end - this.start;
  }

  /** Makes `n` bytes available to `peek` (fewer only at the end); returns how many are. */
  async ensure(n: number): Promise<number> {
    if (this.available >= n) return n;
    // The buffer grows for what the source still holds, not for what is asked: asking for a
    // block (or a length a damaged header claims) past the end of a small file allocates nothing.
    const held = this.available + Math.max(0, this.size - this.sourcePos);
    const want = Math.min(n, held);
    if (want > this.buf.length) {
      const bigger = new Uint8Array(Math.max(want, Math.min(this.buf.length * 2, held)));
      bigger.set(this.buf.subarray(this.start, this.end));
      this.buf = bigger;
    } else {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.end -= this.start;
    this.start = 0;
    while (this.end < n && this.sourcePos < this.size) {
      const chunk = await this.source.read(this.sourcePos, Math.min(this.buf.length - this.end, this.size - this.sourcePos));
      if (chunk.length === 0) break;
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      this.sourcePos += chunk.length;
    }
    return Math.min(n, this.available);
  }

  /** The next `n` buffered bytes as a view (valid until the next `ensure`); does not consume. */
  peek(n: number): Uint8Array {
    if (n > this.available) throw new RangeError(`peek(${n}) with ${this.available} bytes buffered`);
    return this.buf.subarray(this.start, this.start + n);
  }

  /** The same bytes as a DataView, for reading integers. */
  view(n: number): DataView {
    const bytes = this.peek(n);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Consumes `n` bytes, moving past any that are not buffered. */
  skip(n: number): void {
    if (n <= this.available) {
      this.start += n;
    } else {
      this.sourcePos = this.offset + n;
      this.start = this.end = 0;
    }
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}
