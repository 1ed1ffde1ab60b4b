/**
 * HTTP(S) download of one file with resume and checksum verification.
 *
 * The bytes go to `DEST.part`. A `.part` left by an earlier, interrupted run is resumed with a
 * `Range` request (a server that ignores Range and answers 200 makes us restart from byte 0).
 * The finished `.part` is verified against the published checksum and only then renamed to DEST,
 * so a file under its final name is always complete and verified. Nothing here prints.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { basename, dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataFormatError, SelfpropError } from '../../errors.js';
import { ChecksumMismatchError, DownloadError, IncompleteDownloadError, oneLine } from './errors.js';
import { hashFile, type ProgressCallback } from './hash.js';
import { preferredChecksum } from './sources.js';

export type { ProgressCallback } from './hash.js';

/** One file to download. */
export interface DownloadRequest {
  /** Final path of the file; the transfer goes to `dest + '.part'`. */
  readonly dest: string;
  /** Candidate URLs, tried in order until one answers with the file. */
  readonly urls: readonly string[];
  /** Published checksums (lower-case hex); at least one is required. sha256 wins when both are given. */
  readonly sha256?: string;
  readonly md5?: string;
  /** Published size in bytes, if known: used to detect a short transfer and a finished `.part`. */
  readonly size?: number;
}

export interface DownloadOptions {
  /** Called as bytes arrive: `(file name, bytes so far, total bytes or undefined)`. */
  readonly onProgress?: ProgressCallback;
  /** Give up on a request when no byte arrives for this long. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Most redirects followed per URL. Default 5. */
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
}

/**
 * - present: the final file was already there with the right checksum; nothing was downloaded.
 * - downloaded: fetched from byte 0 and verified.
 * - resumed: an earlier `.part` was continued (or found complete) and verified.
 * - replaced: a final file with a wrong checksum was there; a verified download replaced it.
 */
export type DownloadStatus = 'present' | 'downloaded' | 'resumed' | 'replaced';

export interface DownloadResult {
  readonly path: string;
  readonly status: DownloadStatus;
  readonly bytes: number;
  readonly algorithm: 'sha256' | 'md5';
  /** The verified checksum (equal to the published one). */
  readonly checksum: string;
  /** The URL the bytes came from (after redirects); absent when nothing was transferred. */
  readonly url?: string;
  /** Bytes that were already in the `.part` file when the transfer resumed. */
  readonly resumedFrom?: number;
  /** Checksum of the wrong file that was replaced (status 'replaced'). */
  readonly previousChecksum?: string;
  /** Things worth telling the user: a mirror that failed, a server that ignored Range, ... */
  readonly notes: readonly string[];
}

/** A candidate URL failed before any byte was written; the next candidate is tried. */
class CandidateFailure extends Error {}

interface Context {
  readonly req: DownloadRequest;
  readonly label: string;
  readonly part: string;
  readonly algorithm: 'sha256' | 'md5';
  readonly expected: string;
  readonly idleTimeoutMs: number;
  readonly maxRedirects: number;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  readonly notes: string[];
}

/**
 * Download `req.urls` (first that works) to `req.dest`, resuming `req.dest.part`, verifying the
 * checksum before the final rename. Throws DownloadError (no URL reachable; nothing written),
 * IncompleteDownloadError (transfer cut short; `.part` kept) or ChecksumMismatchError (`.part`
 * deleted; an existing final file is left as it was).
 */
export async function downloadFile(req: DownloadRequest, options: DownloadOptions = {}): Promise<DownloadResult> {
  const sum = preferredChecksum(req);
  if (!sum) throw new SelfpropError(`${req.dest}: no published checksum to verify the download with`);
  if (req.urls.length === 0) throw new SelfpropError(`${req.dest}: no URL to download from`);
  const ctx: Context = {
    req,
    label: basename(req.dest),
    part: `${req.dest}.part`,
    algorithm: sum.algorithm,
    expected: sum.expected,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    maxRedirects: options.maxRedirects ?? 5,
    onProgress: options.onProgress,
    signal: options.signal,
    notes: [],
  };
  const base = { path: req.dest, algorithm: ctx.algorithm, checksum: ctx.expected };

  // 1. A final file that is already there: keep it if it verifies, else replace it after verification.
  let previousChecksum: string | undefined;
  const existing = await statOrUndefined(req.dest);
  if (existing) {
    if (!existing.isFile()) throw new DataFormatError(req.dest, 'exists but is not a regular file');
    const actual = await hashFile(req.dest, ctx.algorithm);
    if (actual === ctx.expected) {
      return { ...base, status: 'present', bytes: existing.size, notes: ctx.notes };
    }
    previousChecksum = actual;
    ctx.notes.push(
      `the existing file had ${ctx.algorithm} ${actual} (expected ${ctx.expected}); ` +
        'it was replaced only after the new download verified',
    );
  }
  const finishedStatus = (resumedFrom: number): DownloadStatus =>
    previousChecksum !== undefined ? 'replaced' : resumedFrom > 0 ? 'resumed' : 'downloaded';

  // 2. A `.part` that already holds the whole file (the last run stopped before the rename).
  let from = (await statOrUndefined(ctx.part))?.size ?? 0;
  if (req.size !== undefined && from >= req.size) {
    if ((await hashFile(ctx.part, ctx.algorithm)) === ctx.expected) {
      const bytes = await commit(ctx);
      return { ...base, status: finishedStatus(from), bytes, resumedFrom: from, previousChecksum, notes: ctx.notes };
    }
    await rm(ctx.part, { force: true });
    ctx.notes.push(`discarded ${ctx.part}: it was full length but its ${ctx.algorithm} was wrong`);
    from = 0;
  }

  // 3. Try each candidate URL until one delivers the bytes.
  const failures: string[] = [];
  for (const url of req.urls) {
    let got: { url: string; resumedFrom: number };
    try {
      got = await transfer(ctx, url, from);
    } catch (err) {
      if (err instanceof CandidateFailure) {
        failures.push(err.message);
        continue;
      }
      throw err;
    }
    if (failures.length > 0) ctx.notes.push(`${failures.join('; ')}; used ${got.url} instead`);
    const actual = await hashFile(ctx.part, ctx.algorithm);
    if (actual !== ctx.expected) {
      await rm(ctx.part, { force: true });
      throw new ChecksumMismatchError(
        req.dest,
        ctx.algorithm,
        ctx.expected,
        actual,
        `downloaded from ${got.url}; the download was deleted` +
          (previousChecksum !== undefined ? ' and the existing file left as it was' : ''),
      );
    }
    const bytes = await commit(ctx);
    return {
      ...base,
      status: finishedStatus(got.resumedFrom),
      bytes,
      url: got.url,
      resumedFrom: got.resumedFrom > 0 ? got.resumedFrom : undefined,
      previousChecksum,
      notes: ctx.notes,
    };
  }
  const kept = (await statOrUndefined(ctx.part)) ? ctx.part : undefined;
  throw new DownloadError(req.dest, failures, kept);
}

/** fsync the verified `.part` and rename it over the final name (atomic on one file system). */
async function commit(ctx: Context): Promise<number> {
  const fh = await open(ctx.part, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(ctx.part, ctx.req.dest);
  return (await stat(ctx.req.dest)).size;
}

/**
 * Transfer `url` into the `.part` file starting at byte `from`. Resolves when the server sent
 * everything it announced. Throws CandidateFailure before writing anything, and
 * IncompleteDownloadError once writing has started.
 */
async function transfer(ctx: Context, url: string, from: number): Promise<{ url: string; resumedFrom: number }> {
  for (let round = 0; round < 3; round++) {
    const { res, url: finalUrl, timedOut } = await openResponse(ctx, url, from);
    const status = res.statusCode ?? 0;
    if (status === 416 && from > 0) {
      // Range not satisfiable: the `.part` may already hold the whole file.
      res.resume();
      if ((await hashFile(ctx.part, ctx.algorithm)) === ctx.expected) return { url: finalUrl, resumedFrom: from };
      await rm(ctx.part, { force: true });
      ctx.notes.push(`${hostOf(finalUrl)} could not resume ${ctx.part} at byte ${from} (HTTP 416); restarted from byte 0`);
      from = 0;
      continue;
    }
    if (status === 206) {
      const range = parseContentRange(res.headers['content-range']);
      if (from === 0 || !range || range.start !== from) {
        res.destroy();
        if (from === 0) break;
        ctx.notes.push(
          `${hostOf(finalUrl)} answered the resume request with an unexpected range ` +
            `(${res.headers['content-range'] ?? 'none'}); restarted from byte 0`,
        );
        from = 0;
        continue;
      }
      const total = range.total ?? ctx.req.size;
      await receive(ctx, res, finalUrl, 'a', from, total, timedOut);
      return { url: finalUrl, resumedFrom: from };
    }
    if (status === 200) {
      if (from > 0) {
        ctx.notes.push(`${hostOf(finalUrl)} ignored the resume request (answered 200, not 206); restarted from byte 0`);
      }
      const length = Number(res.headers['content-length']);
      const total = Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : ctx.req.size;
      await receive(ctx, res, finalUrl, 'w', 0, total, timedOut);
      return { url: finalUrl, resumedFrom: 0 };
    }
    res.resume();
    throw new CandidateFailure(
      `${hostOf(finalUrl)} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for ${finalUrl}`,
    );
  }
  throw new CandidateFailure(`${hostOf(url)} sent partial content that does not fit the request for ${url}`);
}

/** Stream the response body into the `.part` file. */
async function receive(
  ctx: Context,
  res: IncomingMessage,
  url: string,
  flags: 'a' | 'w',
  start: number,
  total: number | undefined,
  timedOut: () => boolean,
): Promise<void> {
  // A server that announces or sends more than the published size is not sending this file: stop
  // at the first byte past it (so a wrong mirror cannot fill the disk) and delete what came.
  const known = ctx.req.size;
  if (known !== undefined && total !== undefined && total > known) {
    res.destroy();
    throw new CandidateFailure(`${hostOf(url)} announced ${total} bytes, more than the published size of ${known} bytes, for ${url}`);
  }
  await mkdir(dirname(ctx.part), { recursive: true });
  let received = start;
  let tooLong = false;
  ctx.onProgress?.(ctx.label, received, total);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (known !== undefined && received > known) {
        tooLong = true;
        callback(new Error('more bytes than the published size'));
        return;
      }
      ctx.onProgress?.(ctx.label, received, total);
      callback(null, chunk);
    },
  });
  let failure: string | undefined;
  try {
    await pipeline(res, counter, createWriteStream(ctx.part, { flags }));
    if (!res.complete) failure = 'the connection closed before the end of the response';
  } catch (err) {
    if (tooLong) {
      await rm(ctx.part, { force: true });
      throw new CandidateFailure(`${hostOf(url)} sent more than the published size of ${known} bytes for ${url}; the download was deleted`);
    }
    if (isFileSystemError(err)) throw new SelfpropError(oneLine(`${ctx.part}: could not write: ${errorText(err)}`));
    failure = timedOut()
      ? `no data for ${ctx.idleTimeoutMs / 1000} s`
      : `the connection closed early: ${errorText(err)}`;
  }
  if (failure === undefined && total !== undefined && received < total) {
    failure = `the connection closed after ${received} bytes`;
  }
  if (failure !== undefined) {
    const onDisk = (await statOrUndefined(ctx.part))?.size ?? 0;
    throw new IncompleteDownloadError(ctx.req.dest, ctx.part, onDisk, total, `from ${hostOf(url)}: ${failure}`);
  }
}

/** GET `url` (with a Range header when resuming), following redirects. */
async function openResponse(
  ctx: Context,
  url: string,
  from: number,
): Promise<{ res: IncomingMessage; url: string; timedOut: () => boolean }> {
  let current = url;
  for (let hop = 0; hop <= ctx.maxRedirects; hop++) {
    const got = await request(ctx, current, from);
    const status = got.res.statusCode ?? 0;
    const location = got.res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      got.res.resume();
      try {
        current = new URL(location, current).toString();
      } catch {
        throw new CandidateFailure(`${hostOf(current)} redirected to an invalid URL (${location})`);
      }
      continue;
    }
    return { res: got.res, url: current, timedOut: got.timedOut };
  }
  throw new CandidateFailure(`${hostOf(url)}: more than ${ctx.maxRedirects} redirects for ${url}`);
}

function request(
  ctx: Context,
  url: string,
  from: number,
): Promise<{ res: IncomingMessage; timedOut: () => boolean }> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new CandidateFailure(`not a valid URL: ${url}`));
      return;
    }
    const transport = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
    if (!transport) {
      reject(new CandidateFailure(`unsupported protocol ${parsed.protocol} in ${url}`));
      return;
    }
    const headers: Record<string, string> = { 'user-agent': 'selfprop-data-fetch', 'accept-encoding': 'identity' };
    if (from > 0) headers.range = `bytes=${from}-`;
    let timedOut = false;
    let responded = false;
    const req = transport.get(parsed, { headers, signal: ctx.signal, agent: false }, (res) => {
      responded = true;
      resolve({ res, timedOut: () => timedOut });
    });
    req.setTimeout(ctx.idleTimeoutMs, () => {
      timedOut = true;
      req.destroy(new Error(`no data within ${ctx.idleTimeoutMs / 1000} s`));
    });
    req.on('error', (err) => {
      if (responded) return; // body errors surface on the response stream
      if (ctx.signal?.aborted) reject(err);
      else reject(new CandidateFailure(`could not reach ${parsed.host}: ${errorText(err)}`));
    });
  });
}

function parseContentRange(header: string | undefined): { start: number; end: number; total?: number } | undefined {
  const m = header ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A readable one-line description of a (possibly aggregate) Node error. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0 && !err.message) {
    return oneLine(err.errors.map((e) => errorText(e)).join(', '));
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = err.message || code || err.name;
    return oneLine(code && !message.includes(code) ? `${message} (${code})` : message);
  }
  return oneLine(String(err));
}

function isFileSystemError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.syscall === 'string' && ['open', 'write', 'close', 'fsync'].includes(e.syscall);
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
