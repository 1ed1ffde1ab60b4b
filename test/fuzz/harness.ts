/**
 * The fuzzing harness shared by every reader property: how many cases to run, the outcome check
 * every reader must pass (`expectTypedOrOk`) and a count of the cases run.
 *
 * - `SELFPROP_FUZZ_RUNS` (default 200): runs per property; `npm run fuzz` raises it.
 * - `SELFPROP_FUZZ_SEED` and `SELFPROP_FUZZ_PATH`: replay a reported failure (fast-check prints
 *   both); select its property with vitest's `-t`.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { SelfpropError } from '../../src/errors.js';

export const DEFAULT_FUZZ_RUNS = 200;

/** Runs per property: SELFPROP_FUZZ_RUNS, or `fallback`. */
export function fuzzRuns(fallback = DEFAULT_FUZZ_RUNS): number {
  const raw = process.env.SELFPROP_FUZZ_RUNS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`SELFPROP_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** fast-check parameters for `runs` runs (scaled for the slower properties), seed from SELFPROP_FUZZ_SEED. */
export function fuzzParameters<T>(runs: number, scale = 1): fc.Parameters<T> {
  const seed = process.env.SELFPROP_FUZZ_SEED;
  const path = process.env.SELFPROP_FUZZ_PATH;
  const numRuns = Math.max(1, Math.round(runs * scale));
  fuzzCounter.cases += numRuns;
  return {
    numRuns,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
    // An async reader that does not settle within 10 s is a failure (a hang), not a stuck run.
    timeout: 10_000,
  };
}

/**
 * What ran in this worker, for the report at the end of a fuzz run: `cases`, the fast-check cases
 * (generated inputs) asked for; `calls`, the reader calls made (a case may call several readers,
 * or one reader on every truncation of its input), split into results and typed errors.
 */
export const fuzzCounter = { cases: 0, calls: 0, typedErrors: 0, results: 0 };

/** A message a person can read: one line, not empty, not a dump of the input. */
export const MAX_MESSAGE_CHARS = 1000;

/** Memory a single read may leave allocated (ArrayBuffers) beyond a multiple of its input. */
const MEMORY_SLACK_BYTES = 48 * 1024 * 1024;
const MEMORY_FACTOR = 8;

export interface TypedOrOkOptions {
  /** The name passed to the reader: a DataFormatError must name it. */
  readonly file?: string;
  /** Bytes of input: a read may allocate at most MEMORY_FACTOR × this + 48 MiB of array buffers. */
  readonly inputBytes?: number;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SelfpropError };

function describeThrown(err: unknown): string {
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}\n${err.stack ?? ''}`;
  return `a non-Error value ${String(err)}`;
}

function checkThrown(err: unknown, options: TypedOrOkOptions): SelfpropError {
  if (!(err instanceof SelfpropError)) throw new Error(`the reader threw ${describeThrown(err)}\ninstead of a SelfpropError`);
  const message = err.message;
  if (message.length === 0) throw new Error(`${err.name} with an empty message`);
  if (/[\r\n]/.test(message)) throw new Error(`${err.name} message is not one line: ${JSON.stringify(message)}`);
  if (message.length > MAX_MESSAGE_CHARS) throw new Error(`${err.name} message has ${message.length} characters: ${JSON.stringify(message.slice(0, 300))}…`);
  if (options.file !== undefined && err.name === 'DataFormatError' && !message.includes(options.file)) {
    throw new Error(`DataFormatError does not name the file ${JSON.stringify(options.file)}: ${JSON.stringify(message)}`);
  }
  return err;
}

function checkMemory(before: number, options: TypedOrOkOptions): void {
  const grown = process.memoryUsage().arrayBuffers - before;
  const allowed = MEMORY_SLACK_BYTES + MEMORY_FACTOR * (options.inputBytes ?? 0);
  if (grown > allowed) throw new Error(`the read allocated ${grown} bytes of array buffers for ${options.inputBytes ?? '?'} bytes of input (allowed ${allowed})`);
}

/**
 * Runs one reader call and fails on anything but a valid result or a typed, one-line
 * SelfpropError: another exception type, a message on several lines, a DataFormatError that does
 * not name the file, a result `check` refuses (the reader's own invariants), or array buffers
 * allocated far beyond the input's size. Works for sync and async readers (then returns a Promise).
 */
export function expectTypedOrOk<T>(fn: () => Promise<T>, check?: (value: T) => void, options?: TypedOrOkOptions): Promise<Outcome<T>>;
export function expectTypedOrOk<T>(fn: () => T, check?: (value: T) => void, options?: TypedOrOkOptions): Outcome<T>;
export function expectTypedOrOk<T>(fn: () => T | Promise<T>, check?: (value: T) => void, options: TypedOrOkOptions = {}): Outcome<T> | Promise<Outcome<T>> {
  fuzzCounter.calls++;
  const before = process.memoryUsage().arrayBuffers;
  const settle = (value: T): Outcome<T> => {
    checkMemory(before, options);
    check?.(value);
    fuzzCounter.results++;
    return { ok: true, value };
  };
  const fail = (err: unknown): Outcome<T> => {
    const error = checkThrown(err, options);
    checkMemory(before, options);
    fuzzCounter.typedErrors++;
    return { ok: false, error };
  };
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (err) {
    return fail(err);
  }
  if (result instanceof Promise) return result.then(settle, fail);
  return settle(result);
}

/** Like expectTypedOrOk, and the reader must refuse the input. */
export function expectTypedError(outcome: Outcome<unknown>, why: string): SelfpropError {
  if (outcome.ok) throw new Error(`the reader accepted an input it must refuse (${why})`);
  return outcome.error;
}

/** A fresh copy of bytes in their own, exactly sized buffer (readers must not read past the view). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The bytes at an offset into a larger buffer, so readers that ignore byteOffset are caught. */
export function offsetView(bytes: Uint8Array, pad: number): Uint8Array {
  const big = new Uint8Array(bytes.length + 2 * pad).fill(0xa5);
  big.set(bytes, pad);
  return big.subarray(pad, pad + bytes.length);
}

/** Product of sizes with 0 winning (0 × ∞ = 0), as an element count. */
export function elementCount(dims: readonly number[]): number {
  return dims.includes(0) ? 0 : dims.reduce((a, b) => a * b, 1);
}

/**
 * Prints, after each property, its cases, reader calls and results (so a generator that only ever
 * makes garbage shows), and after the file the totals: what `npm run fuzz` reports.
 */
export function reportFuzzCounts(label: string): void {
  const started = performance.now();
  let before = { ...fuzzCounter };
  let testStarted = 0;
  beforeEach(() => {
    before = { ...fuzzCounter };
    testStarted = performance.now();
  });
  afterEach((context) => {
    const seconds = ((performance.now() - testStarted) / 1000).toFixed(1);
    console.log(
      `[fuzz] ${context.task.name}: ${fuzzCounter.cases - before.cases} cases, ${fuzzCounter.calls - before.calls} reader calls, ${fuzzCounter.results - before.results} results, ${seconds} s`,
    );
  });
  afterAll(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `[fuzz] ${label} total: ${fuzzCounter.cases} cases (${fuzzRuns()} runs per property), ${fuzzCounter.calls} reader calls (${fuzzCounter.results} results, ${fuzzCounter.typedErrors} typed errors) in ${seconds} s`,
    );
  });
}
