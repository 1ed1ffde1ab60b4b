/**
 * Errors of dataset downloading and verification. All are SelfpropErrors with one-line messages:
 * the CLI prints the message and exits with `exitCode`.
 */
import { DataFormatError, oneLine as oneShortLine, SelfpropError } from '../../errors.js';

/** A message built from foreign text (servers, the OS) on one line, kept whole: it lists every attempt. */
export const oneLine = (text: string): string => oneShortLine(text, Infinity);

/**
 * No candidate URL delivered the file (host unreachable, DNS failure, HTTP error status).
 * Nothing was written for this attempt.
 */
export class DownloadError extends SelfpropError {
  constructor(
    readonly file: string,
    /** One line per URL tried, e.g. "could not reach host: connect ECONNREFUSED ...". */
    readonly attempts: readonly string[],
    keptPart?: string,
  ) {
    super(
      oneLine(
        `${file}: ${attempts.join('; ')}; nothing was written` +
          (keptPart ? ` (the earlier partial download ${keptPart} was kept)` : ''),
      ),
    );
  }
}

/**
 * The transfer stopped before the whole file arrived. The bytes received so far are kept in
 * `partPath`, and the next fetch resumes from there.
 */
export class IncompleteDownloadError extends SelfpropError {
  constructor(
    readonly file: string,
    readonly partPath: string,
    readonly receivedBytes: number,
    readonly expectedBytes: number | undefined,
    readonly reason: string,
  ) {
    super(
      oneLine(
        `${file}: transfer ended early after ${receivedBytes} of ${expectedBytes ?? 'an unknown number of'} bytes ` +
          `(${reason}); the partial download was kept as ${partPath} and the next fetch resumes it`,
      ),
    );
  }
}

/** A file's checksum is not the published one. */
export class ChecksumMismatchError extends DataFormatError {
  constructor(
    file: string,
    readonly algorithm: 'sha256' | 'md5',
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(file, oneLine(`${algorithm} mismatch: expected ${expected}, got ${actual}; ${what}`));
  }
}

/** A dataset that must be installed by hand is missing files or has damaged ones. */
export class DatasetIncompleteError extends SelfpropError {}
