/** Streaming file checksums. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export type HashAlgorithm = 'sha256' | 'md5';

/** Progress of a long operation on one file: bytes done so far of the total (undefined if unknown). */
export type ProgressCallback = (file: string, receivedBytes: number, totalBytes: number | undefined) => void;

/** Lower-case hex digest of a file, read as a stream. Reports progress as `file` if asked. */
export async function hashFile(
  path: string,
  algorithm: HashAlgorithm,
  onProgress?: ProgressCallback,
  label: string = path,
): Promise<string> {
  const total = onProgress ? (await stat(path)).size : undefined;
  const hash = createHash(algorithm);
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    done += buf.length;
    onProgress?.(label, done, total);
  }
  return hash.digest('hex');
}
