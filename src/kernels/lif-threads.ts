/**
 * The LIF phase on several threads (`--threads N`). During phase (a) the rows of a batch (its
 * samples) never meet: a layer's K steps for row r read only row r's current, state and particles.
 * So a layer can run as row slices, one per thread, each on its own kernel instance, and give
 * exactly the bits of one call over all rows: V, g, σ̃ and the drive of each row are computed by the
 * same operations in the same order, and the spike count is a sum of integers. The slices are cut
 * by rows, not by neurons, so that a thread never waits for another inside the K steps (a split
 * over neurons would meet once per step, for the product with the next layer); a batch of one row
 * (NETtalk at batch 1) therefore runs on one thread.
 *
 * This module is the portable half: what a slice is, how a job is cut and put back together, and
 * what a helper thread runs. Moving slices between threads is the host's (src/node/threads for
 * Node's worker_threads); nothing here imports from Node.
 */
import type { LifParams } from '../neurons/lif.js';
import { macCounter } from '../tensor/index.js';
import type { LifRecord, LifResult, NeuronKernels } from './neurons.js';

/** One LIF kernel call over some rows: its inputs, copied (a helper thread gets its own). */
export interface LifCall {
  readonly varying: boolean;
  /** rows × n, or K·rows × n step-major when `varying`. */
  readonly current: Float32Array;
  readonly v: Float32Array;
  readonly g: Float32Array;
  readonly particles: Float32Array;
  readonly params: LifParams;
  readonly rows: number;
  readonly steps: number;
  readonly stack: boolean;
  readonly next?: { readonly weights: Float32Array; readonly cols: number };
  readonly fast: boolean;
}

/** What a call gives back: the new state, σ̃ of the last V, the records, the MACs it executed. */
export interface LifCallResult {
  readonly spikes: number;
  readonly v: Float32Array;
  readonly g: Float32Array;
  readonly final: Float32Array;
  readonly stack?: Float32Array;
  readonly drive?: Float32Array;
  readonly macs: number;
}

/**
 * Helper threads, each with its own kernel instance. `post` hands a call to helper i and returns at
 * once; `collect` waits for its result (a helper's error is thrown here, with its message).
 */
export interface LifThreads {
  /** Helper threads besides the caller's own. */
  readonly helpers: number;
  post(helper: number, call: LifCall): void;
  collect(helper: number): LifCallResult;
}

/** Runs one call on a kernel instance (a helper thread's work, and the caller's own slice). */
export function runLifCall(kernels: NeuronKernels, call: LifCall): LifCallResult {
  const n = call.params.vRev.length;
  const state = { v: call.v, g: call.g };
  const final = new Float32Array(call.rows * n);
  const record: LifRecord = { stack: call.stack, next: call.next };
  const before = macCounter.total;
  const run = call.varying
    ? kernels.lifVaryingDrive(call.current, state, call.particles, call.params, call.rows, call.steps, final, record, call.fast)
    : kernels.lifConstantDrive(call.current, state, call.particles, call.params, call.rows, call.steps, final, record, call.fast);
  return {
    spikes: run.spikes,
    v: state.v,
    g: state.g,
    final,
    // the stack is a view into the kernel's memory: a copy outlives the next call
    stack: run.stack?.slice(),
    drive: run.drive,
    macs: macCounter.total - before,
  };
}

/** The input of a LIF layer, as loops-wasm hands it over. */
export interface LifJob {
  readonly varying: boolean;
  readonly current: Float32Array;
  readonly state: { readonly v: Float32Array; readonly g: Float32Array };
  readonly particles: Float32Array;
  readonly params: LifParams;
  readonly rows: number;
  readonly steps: number;
  readonly final: Float32Array;
  readonly record: LifRecord;
  readonly fast: boolean;
}

/**
 * The rows [from, to) of at most `parts` slices, each starting at a multiple of `unit` rows, as
 * equal as that allows (the first ones larger).
 */
export function rowSlices(rows: number, parts: number, unit = 1): [number, number][] {
  const units = Math.ceil(rows / unit);
  const count = Math.max(1, Math.min(parts, units));
  const slices: [number, number][] = [];
  let from = 0;
  for (let i = 0; i < count; i++) {
    const to = Math.min(rows, from + (Math.floor(units / count) + (i < units % count ? 1 : 0)) * unit);
    slices.push([from, to]);
    from = to;
  }
  return slices;
}

/**
 * The rows a slice of the exact loop must start at a multiple of: it takes σ̃ of the last V over
 * the whole rows × n array four values at a time, and chooses its formula per group of four (see
 * sigmaTildeArray), so a slice must begin where a group does (n = 10: every second row). The fast
 * loop pads every row to a multiple of four: any row.
 */
function sliceUnit(n: number, fast: boolean): number {
  if (fast) return 1;
  return n % 4 === 0 ? 1 : n % 2 === 0 ? 2 : 4;
}

/** Rows [from, to) of every step of a step-major K·rows × width array. */
function stepRows(a: Float32Array, steps: number, rows: number, width: number, from: number, to: number): Float32Array {
  const out = new Float32Array(steps * (to - from) * width);
  for (let t = 0; t < steps; t++) out.set(a.subarray((t * rows + from) * width, (t * rows + to) * width), t * (to - from) * width);
  return out;
}

/** Writes a slice's step-major rows back into the whole K·rows × width array. */
function putStepRows(into: Float32Array, part: Float32Array, steps: number, rows: number, width: number, from: number, to: number): void {
  const span = (to - from) * width;
  for (let t = 0; t < steps; t++) into.set(part.subarray(t * span, (t + 1) * span), (t * rows + from) * width);
}

/**
 * A LIF layer cut into row slices: the first on `kernels` (this thread), the others posted to the
 * helpers first so that all run at once. Bit-identical to one call of `kernels` over all rows.
 */
export function lifOnThreads(kernels: NeuronKernels, threads: LifThreads, job: LifJob): LifResult {
  const n = job.params.vRev.length;
  const { rows, steps } = job;
  const slices = rowSlices(rows, threads.helpers + 1, sliceUnit(n, job.fast));
  const callOf = ([from, to]: [number, number]): LifCall => ({
    varying: job.varying,
    current: job.varying ? stepRows(job.current, steps, rows, n, from, to) : job.current.slice(from * n, to * n),
    v: job.state.v.slice(from * n, to * n),
    g: job.state.g.slice(from * n, to * n),
    particles: job.particles.slice(from * n, to * n),
    params: job.params,
    rows: to - from,
    steps,
    stack: job.record.stack === true,
    next: job.record.next,
    fast: job.fast,
  });
  for (let i = 1; i < slices.length; i++) threads.post(i - 1, callOf(slices[i]));
  // every posted call is collected, even when another slice fails, so the helpers are free for the next
  const results: LifCallResult[] = [];
  let failure: unknown;
  try {
    results.push(runLifCall(kernels, callOf(slices[0])));
  } catch (err) {
    failure = err;
  }
  for (let i = 1; i < slices.length; i++) {
    try {
      const result = threads.collect(i - 1);
      macCounter.add(result.macs); // runLifCall counted the caller's MACs already; a helper's are added here
      results.push(result);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
  const stack = job.record.stack === true && !job.record.next ? new Float32Array(steps * rows * n) : undefined;
  const cols = job.record.next?.cols ?? 0;
  const drive = job.record.next ? new Float32Array(steps * rows * cols) : undefined;
  let spikes = 0;
  results.forEach((result, i) => {
    const [from, to] = slices[i];
    job.state.v.set(result.v, from * n);
    job.state.g.set(result.g, from * n);
    job.final.set(result.final, from * n);
    spikes += result.spikes;
    if (stack && result.stack) putStepRows(stack, result.stack, steps, rows, n, from, to);
    if (drive && result.drive) putStepRows(drive, result.drive, steps, rows, cols, from, to);
  });
  return { spikes, stack, drive };
}
