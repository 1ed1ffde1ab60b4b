/**
 * A buffered, forward-only reader over a file handle: the event readers use it to stream
 * multi-GB recordings block by block instead of loading them whole.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Default read block: 4 MiB. */
export const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;

export class ByteReader {
  private buf: Buffer;
  /** Index in `buf` of the next unread byte. */
  private start = 0;
  /** Index in `buf` one past the last valid byte. */
  private end = 0;
  /** File position that the next read from disk starts at. */
  private diskPos = 0;

  private constructor(
    private readonly handle: FileHandle,
    /** File size in bytes. */
    readonly size: number,
    blockBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, blockBytes));
  }

  static async open(file: string, blockBytes = DEFAULT_BLOCK_BYTES): Promise<ByteReader> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      return new ByteReader(handle, size, blockBytes);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.diskPos - (this.end - this.start);
  }

  /** Bytes left in the file from `offset`. */
  get remaining(): number {
    return this.size - this.offset;
  }

  /** Unread bytes now in the buffer. */
  get available(): number {
    return this.end - this.start;
  }

  /**
   * Makes `n` bytes available to `peek` (fewer only at end of file); returns how many are.
   */
  async ensure(n: number): Promise<number> {
    if (this.available >= n) return n;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    } else {
      this.buf.copy(this.buf, 0, this.start, this.end);
    }
    this.end -= this.start;
    this.start = 0;
    while (this.end < n && this.diskPos < this.size) {
      const { bytesRead } = await this.handle.read(this.buf, this.end, this.buf.length - this.end, this.diskPos);
      if (bytesRead === 0) break;
      this.end += bytesRead;
      this.diskPos += bytesRead;
    }
    return Math.min(n, this.available);
  }

  /** The next `n` buffered bytes as a view (valid until the next `ensure`); does not consume. */
  peek(n: number): Buffer {
    if (n > this.available) throw new RangeError(`peek(${n}) with ${this.available} bytes buffered`);
    return this.buf.subarray(this.start, this.start + n);
  }

  /** Consumes `n` bytes, seeking past any that are not buffered. */
  skip(n: number): void {
    if (n <= this.available) {
      this.start += n;
    } else {
      this.diskPos = this.offset + n;
      this.start = this.end = 0;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
