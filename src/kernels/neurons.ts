/**
 * The WebAssembly SIMD kernels of the §1 network's hot loops (./assembly/neurons.ts), one thread:
 *   - product: C = op(A)·B summed in TF.js's order (so bit-identical to its WASM matMul), the terms
 *     of zero entries of A left out — x·W₁ from the nonzero pixels (81 % of MNIST pixels are 0, a
 *     NETtalk window has 7 active inputs of 189), the energy's products;
 *   - lif (constant or varying drive): the LIF + blend loop of the feedforward phase (§1.2a),
 *     optionally fused with the product of each step's activity and the next (narrow) weights,
 *     exact (float64, two lanes) or fast (float32, four lanes; `lif.precision`);
 *   - relax: both relaxations (§1.2b, c) of any network of 2 to 6 layers, products included;
 *   - sbpBegin / finish: SBP's product and its two elementwise passes over D (§1.3) and the weight
 *     update, over the presynaptic rows that are nonzero in the batch only (ΔW₁'s rows for a pixel
 *     that is 0 in every image are exactly 0: no work); stdp: the STDP rules' products, ΔW and
 *     update, likewise (differential STDP's factor s⁺ − s⁰ of the clamped input is 0: no work);
 *   - sigmaTilde: σ̃ over an array (§1.1).
 * Each `NeuronKernels` is an instance of the module with its own memory, into which the calls
 * copy their operands; a model makes one when it is built (models/snn/loops-wasm.ts). Every call
 * that runs a matrix product adds the multiply-accumulates it executed to tensor's `macCounter`,
 * and those it skipped to `skippedMacs` here (executed + skipped = the dense equivalent).
 *
 * The JS loops they replace (models/snn/feedforward.ts, relaxation.ts, learning.ts over neurons/
 * and plasticity/, with TF.js's matMul) are the reference. What differs between the two (tests:
 * test/neurons/kernels.test.ts, test/neurons/sparse-kernels.test.ts, test/models/snn/*.test.ts):
 *   - products (x·W₁, the ΔW products, the energy's): bit-identical, sparse and dense alike, for
 *     finite weights (a skipped term x·w with x = 0 would have been NaN for an infinite w; the
 *     trainer stops at the first non-finite weight); a weight of −0 in a row of W₁ that the batch
 *     does not reach stays −0 where the dense update would make it +0 (−0 + 0);
 *   - LIF, exact: for the same currents, V, g and the spike counts are bit-identical (float64 in the
 *     same order); σ̃ is float32 in the kernel (within 2 ulps of the exact tanh(s/2), see the
 *     assembly's header) and float64 with Math.exp in JS, so recorded activities differ by ≤ 3
 *     float32 ulps;
 *   - relaxation: float32 updates (JS: float64); its products summed as TF.js sums them;
 *   - SBP and STDP: bit-identical (float64 in the same order as plasticity/sbp.ts, stdp.ts).
 * So trained weights differ between the paths by float noise; each path alone is deterministic.
 *
 * σ̃ (both LIF paths, the relaxations, the currents): float32, for |s| ≤ 1 (every blended voltage,
 * nearly every relaxation state) the odd polynomial x + x³P(x²), x = s/2 (no exp, no division,
 * within 1 ulp of tanh(s/2)), elsewhere e^x − 1 by range reduction (within 2 ulps).
 *
 * The fast LIF path (`lif.precision: "fast"`, assembly lifFast): float32 on four lanes instead of
 * float64 on two, the division by g_leak a multiplication by its reciprocal, the terms regrouped
 * (g·(1 − a) + a(g_leak + I) with a(g_leak + I) once per row, V·(1 − dt/τ_m) − (g·k)(V − V_rev),
 * p + λ(V − p)), σ̃ as above. Stated bounds (test/neurons/sparse-kernels.test.ts, test/models/snn):
 * over 100 steps V, g and the recorded activity stay within 2e-5 of the exact loop and the spike
 * counts within 0.2 %; a batch's states within 5e-5 of the JS loops. What it changed, measured
 * (npm run bench -- snn --compare-precision: 200 MNIST training batches of 50, 784-500-10, SBP,
 * one init): from the same state, 0 of the 10,000 predictions differ, the hidden layer's spike
 * count differs by 16 in 54,207,594 (summed |difference| per batch), the output's by 0 in 1,205,570,
 * the free outputs by ≤ 1.6e-4; each path training on its own for the 200 batches, 0 of 10,000
 * predictions differ, spikes 54,207,637 vs 54,207,594 (hidden) and 1,205,572 vs 1,205,570 (output),
 * the weights by ≤ 1.9e-6. 20 epochs (`selfprop train --task mnist --epochs 20`, SBP, seed 1):
 * test accuracy 91.00 % (fast) and 91.00 % (exact), epoch by epoch within 0.03 percentage points
 * (3 of the 10,000 test images), energy and cost equal to 3 decimals. The default stays "exact":
 * its V, g and spikes are the JS reference's bit for bit; "fast" is the opt-in.
 */
import type { LifParams } from '../neurons/lif.js';
import type { SbpFactors, SbpSums } from '../plasticity/rule.js';
import { MacCounter, macCounter } from '../tensor/index.js';
import { instantiateKernels } from './index.js';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  sigmaTildeArray(src: number, dst: number, count: number): void;
  expm1Array(src: number, dst: number, count: number): void;
  lifConstantDrive(
    rows: number, n: number, steps: number,
    inputs: number, consts: number, v: number, g: number,
    dtOverTauM: number, vLeak: number, vTh: number, vReset: number,
    stack: number, final: number,
    row: number, weightsT: number, cols: number, nPad: number, drive: number,
    currents: number, uniform: number,
  ): number;
  lifFast(
    rows: number, n: number, steps: number,
    current: number, varying: number, particles: number, consts: number, lastMask: number, ag: number, v: number, g: number,
    keepV: number, leakV: number, vTh: number, vReset: number,
    stack: number, final: number,
    row: number, weightsT: number, cols: number, nPad: number, drive: number,
  ): number;
  product(
    a: number, m: number, k: number, aRow: number, aCol: number,
    bBase: number, bStride: number, bRows: number, nPad: number,
    c: number, cRow: number,
    sparse: number, subset: number, count: number, compact: number, active: number,
    starts: number, entries: number,
  ): number;
  productDense(a: number, rows: number, k: number, aRow: number, b: number, bStride: number, nPad: number, c: number, cRow: number): void;
  nonzeroColumns(a: number, b: number, rows: number, n: number, rowBytes: number, out: number): number;
  subtract(a: number, b: number, d: number, count: number): void;
  repack(src: number, rows: number, n: number, dst: number, stride: number, transpose: number): void;
  stdpDelta(A: number, B: number, nPre: number, nPost: number, rowBytes: number, scale: number, weights: number, alpha: number): void;
  relaxNetwork(L: number, rows: number, iterations: number, desc: number, drive: number, target: number, beta: number, epsilon: number, starts: number, entries: number): number;
  sbpScaleAndSums(D: number, nPre: number, nPost: number, rowBytes: number, scale: number, ltpRow: number, ltdRow: number, ltdCol: number, index: number): void;
  sbpDelta(
    D: number, nPre: number, nPost: number, rowBytes: number, hidden: number,
    a1: number, a2: number, c3: number, c4: number, c5: number,
    weights: number, alpha: number, index: number,
  ): void;
}

/** What a LIF kernel call records besides the final state (see lifConstantDrive). */
export interface LifRecord {
  readonly stack?: boolean;
  readonly next?: { readonly weights: Float32Array; readonly cols: number };
}

export interface LifResult {
  readonly spikes: number;
  readonly stack: Float32Array | undefined;
  readonly drive: Float32Array | undefined;
}

/** A row-major float32 matrix (the shape of tensor/matrix.ts's Matrix). */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/**
 * Multiply-accumulates that the sparse kernels left out (a zero presynaptic factor): the
 * executed ones go to tensor's `macCounter`, so `macCounter.total + skippedMacs.total` is what the
 * same products cost dense.
 */
export const skippedMacs = new MacCounter();

/** Bytes every buffer is padded by: the LIF kernel reads up to 8 float64 past an array's end. */
const PAD = 64;
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16 + PAD;
/** n rounded up to a multiple of 4 (the float32 row width of the product kernels). */
const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Copy rows × n values into rows of `stride` (zero padding is the caller's), and back. Narrow rows
 * (the output layers' 10 to 26 columns) by a plain loop: one typed-array `set` per row costs more.
 */
function copyRowsIn(into: Float32Array, from: Float32Array, rows: number, n: number, stride: number): void {
  if (n === stride) into.set(from.subarray(0, rows * n));
  else if (n < 64) {
    for (let r = 0, i = 0; r < rows; r++) for (let o = r * stride, end = o + n; o < end; o++, i++) into[o] = from[i];
  } else for (let r = 0; r < rows; r++) into.set(from.subarray(r * n, (r + 1) * n), r * stride);
}
function copyRowsOut(into: Float32Array, from: Float32Array, rows: number, n: number, stride: number): void {
  if (n === stride) into.set(from.subarray(0, rows * n));
  else if (n < 64) {
    for (let r = 0, i = 0; r < rows; r++) for (let o = r * stride, end = o + n; o < end; o++, i++) into[i] = from[o];
  } else for (let r = 0; r < rows; r++) into.set(from.subarray(r * stride, r * stride + n), r * n);
}
/**
 * Rows index[0 … count − 1] of `from` (n wide, index increasing) into consecutive rows of `stride`,
 * and back. Where the rows are as wide as the stride, each run of consecutive indices (the active
 * pixels of an image row) moves in one copy.
 */
function gatherRows(into: Float32Array, from: Float32Array, index: Int32Array, count: number, n: number, stride: number): void {
  if (n === stride) {
    for (let a = 0; a < count; ) {
      let b = a + 1;
      while (b < count && index[b] === index[b - 1] + 1) b++;
      into.set(from.subarray(index[a] * n, (index[b - 1] + 1) * n), a * n);
      a = b;
    }
  } else if (n < 64) {
    for (let a = 0; a < count; a++) for (let o = a * stride, i = index[a] * n, end = o + n; o < end; o++, i++) into[o] = from[i];
  } else for (let a = 0; a < count; a++) into.set(from.subarray(index[a] * n, (index[a] + 1) * n), a * stride);
}
function scatterRows(into: Float32Array, from: Float32Array, index: Int32Array, count: number, n: number, stride: number): void {
  if (n === stride) {
    for (let a = 0; a < count; ) {
      let b = a + 1;
      while (b < count && index[b] === index[b - 1] + 1) b++;
      into.set(from.subarray(a * n, b * n), index[a] * n);
      a = b;
    }
  } else if (n < 64) {
    for (let a = 0; a < count; a++) for (let o = a * stride, i = index[a] * n, end = o + n; o < end; o++, i++) into[i] = from[o];
  } else for (let a = 0; a < count; a++) into.set(from.subarray(a * stride, a * stride + n), index[a] * n);
}

/**
 * A loaded kernel instance. Its buffers are laid out afresh by each call from the start of its
 * memory, so a view it returns (the stack of lifConstantDrive) is valid until the next call.
 */
export class NeuronKernels {
  private readonly exports: KernelExports;
  /** Counts calls, so that a pending SBP pass can tell whether its memory is still its own. */
  private generation = 0;

  /** A new instance (its own memory); throws KernelUnavailableError where the kernels cannot load. */
  constructor() {
    this.exports = instantiateKernels<KernelExports>('neurons');
  }

  /** Byte offsets of consecutive buffers of the given sizes (bytes), the memory grown to hold them. */
  private layout(sizes: number[]): number[] {
    this.generation++;
    const offsets: number[] = [];
    let end = 1024; // below: offset 0 stands for "no buffer", and the kernels' constants (assembly: K)
    for (const size of sizes) {
      offsets.push(end);
      end += align(size);
    }
    const memory = this.exports.memory;
    const missing = end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    return offsets;
  }

  private f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, offset, length);
  }

  private f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, offset, length);
  }

  private i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, offset, length);
  }

  /** values[i] ← σ̃(values[i]) in place (float32 in, float32 out). */
  sigmaTilde(values: Float32Array): Float32Array {
    const [at] = this.layout([values.length * 4]);
    const buffer = this.f32(at, values.length);
    buffer.set(values);
    this.exports.sigmaTildeArray(at, at, values.length);
    values.set(buffer);
    return values;
  }

  /** e^x − 1 of each value in [−87, 0], as σ̃ computes it (for tests). */
  expm1(values: Float32Array): Float32Array {
    const [at] = this.layout([values.length * 4]);
    this.f32(at, values.length).set(values);
    this.exports.expm1Array(at, at, values.length);
    return this.f32(at, values.length).slice();
  }

  /**
   * All `steps` steps of the LIF + blend loop for a layer driven by a constant current (rows × n),
   * the same contract as feedforward.ts's integrateConstantDrive: v and g are updated in place,
   * σ̃ of the last V goes to `final`, the spike count is returned. What is kept of σ̃ at every step:
   *   - `record.stack`: all of it, as a steps·rows × n view into the kernel's memory (valid until
   *     the next call on this object);
   *   - `record.next` (the next layer's weights, n × cols): its product with them, row by row as it
   *     is computed, returned as `drive` (steps·rows × cols, a fresh array) — the product
   *     stack · W without the stack. Meant for narrow next layers (the output: 10 to 26 columns).
   * `fast`: the float32 loop (lifFast: four lanes, 1/g_leak) instead of the exact one.
   */
  lifConstantDrive(
    current: Float32Array,
    state: { v: Float32Array; g: Float32Array },
    particles: Float32Array,
    params: LifParams,
    rows: number,
    steps: number,
    final: Float32Array,
    record: LifRecord = {},
    fast = false,
  ): LifResult {
    return fast
      ? this.lifFast(current, false, state, particles, params, rows, steps, final, record)
      : this.lif(current, false, state, particles, params, rows, steps, final, record);
  }

  /**
   * The same for a current that changes with the step (steps·rows × n: the drive of a layer above
   * the first): the step-by-step loop of feedforward.ts (lifStep, then the blend), same contract.
   */
  lifVaryingDrive(
    currents: Float32Array,
    state: { v: Float32Array; g: Float32Array },
    particles: Float32Array,
    params: LifParams,
    rows: number,
    steps: number,
    final: Float32Array,
    record: LifRecord = {},
    fast = false,
  ): LifResult {
    return fast
      ? this.lifFast(currents, true, state, particles, params, rows, steps, final, record)
      : this.lif(currents, true, state, particles, params, rows, steps, final, record);
  }

  private checkLif(current: Float32Array, varying: boolean, state: { v: Float32Array; g: Float32Array }, particles: Float32Array, final: Float32Array, n: number, rows: number, steps: number, record: LifRecord): void {
    const size = rows * n;
    const checks = [['v', state.v, size], ['g', state.g, size], ['particles', particles, size], ['final', final, size], ['current', current, varying ? steps * size : size]] as const;
    for (const [name, a, length] of checks) {
      if (a.length !== length) throw new RangeError(`lif kernel: ${name} has ${a.length} values, ${length} expected (${rows}×${n}${varying ? `, ${steps} steps` : ''})`);
    }
    const { next } = record;
    if (next && next.weights.length !== n * next.cols) throw new RangeError(`lifConstantDrive: next weights have ${next.weights.length} values, ${n}×${next.cols} expected`);
  }

  /**
   * The matrix w (rows × n) into the kernel's memory at `at`, rows `stride` float32 apart and zero
   * beyond n (or its transpose, n rows of `stride`, zero beyond rows): one copy of w into the
   * scratch at `scratch` (rows·n float32), then the kernel repacks it.
   */
  private packInto(at: number, scratch: number, w: Float32Array, rows: number, n: number, stride: number, transpose: boolean): void {
    if (!transpose && n === stride) {
      this.f32(at, rows * n).set(w.subarray(0, rows * n));
      return;
    }
    this.f32(scratch, rows * n).set(w.subarray(0, rows * n));
    this.exports.repack(scratch, rows, n, at, stride, transpose ? 1 : 0);
  }

  private lif(
    current: Float32Array,
    varying: boolean,
    state: { v: Float32Array; g: Float32Array },
    particles: Float32Array,
    params: LifParams,
    rows: number,
    steps: number,
    final: Float32Array,
    record: LifRecord,
  ): LifResult {
    const n = params.vRev.length;
    const size = rows * n;
    this.checkLif(current, varying, state, particles, final, n, rows, steps, record);
    const { next } = record;
    const stack = record.stack === true && !next;
    const cols = next?.cols ?? 0;
    const nPad = Math.ceil(n / 16) * 16;
    const blocks = Math.ceil(n / 4);
    const f32 = size * 4;
    const [inAt, constAt, vAt, gAt, finalAt, stackAt, rowAt, wAt, driveAt, currentsAt, scratchAt] = this.layout([
      rows * blocks * 64, blocks * 96, f32, f32, f32, stack ? steps * f32 : 0, next ? nPad * 4 : 0, cols * nPad * 4, steps * rows * cols * 4,
      varying ? steps * f32 : 0, n * cols * 4,
    ]);
    // per block of four neurons: dt/τ_syn, g_leak, V_rev (float64); one block for all when every
    // neuron has the same (no Dale's law) ...
    const uniform = [params.tauSynMs, params.gLeak, params.vRev].every((a) => a.every((x) => x === a[0]));
    const consts = this.f64(constAt, blocks * 12);
    for (let j = 0; j < (uniform ? 4 : n); j++) {
      const at = (j >> 2) * 12 + (j & 3);
      const from = uniform ? 0 : j;
      consts[at] = params.dtMs / params.tauSynMs[from]; // as integrateConstantDrive computes it
      consts[at + 4] = params.gLeak[from];
      consts[at + 8] = params.vRev[from];
    }
    // ... and per row and block: I, p (float64)
    const inputs = this.f64(inAt, rows * blocks * 8);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        const at = (r * blocks + (j >> 2)) * 8 + (j & 3);
        inputs[at] = varying ? 0 : current[r * n + j];
        inputs[at + 4] = particles[r * n + j];
      }
    }
    if (varying) this.f32(currentsAt, steps * size).set(current);
    this.f32(vAt, size).set(state.v);
    this.f32(gAt, size).set(state.g);
    if (next) {
      this.f32(rowAt, nPad).fill(0);
      this.packInto(wAt, scratchAt, next.weights, n, cols, nPad, true);
    }
    const spikes = this.exports.lifConstantDrive(
      rows, n, steps, inAt, constAt, vAt, gAt,
      params.dtMs / params.tauMMs, params.vLeak, params.vTh, params.vReset,
      stack ? stackAt : 0, finalAt,
      rowAt, next ? wAt : 0, cols, nPad, driveAt,
      varying ? currentsAt : 0, uniform ? 1 : 0,
    );
    if (next) macCounter.add(steps * size * cols); // each step's row times the next weights
    state.v.set(this.f32(vAt, size));
    state.g.set(this.f32(gAt, size));
    final.set(this.f32(finalAt, size));
    return {
      spikes,
      stack: stack ? this.f32(stackAt, steps * size) : undefined,
      drive: next ? this.f32(driveAt, steps * rows * cols).slice() : undefined,
    };
  }

  /** The float32 LIF loop (assembly lifFast), the contract of lif. */
  private lifFast(
    current: Float32Array,
    varying: boolean,
    state: { v: Float32Array; g: Float32Array },
    particles: Float32Array,
    params: LifParams,
    rows: number,
    steps: number,
    final: Float32Array,
    record: LifRecord,
  ): LifResult {
    const n = params.vRev.length;
    const size = rows * n;
    this.checkLif(current, varying, state, particles, final, n, rows, steps, record);
    const { next } = record;
    const stack = record.stack === true && !next;
    const cols = next?.cols ?? 0;
    const n4 = pad4(n);
    const nPad = Math.ceil(n / 16) * 16;
    const blocks = n4 / 4;
    const padded = rows * n4;
    const [curAt, pAt, constAt, maskAt, agAt, vAt, gAt, finalAt, stackAt, rowAt, wAt, driveAt, scratchAt] = this.layout([
      (varying ? steps : 1) * padded * 4, padded * 4, blocks * 80, 16, padded * 4, padded * 4, padded * 4, padded * 4,
      stack ? steps * size * 4 : 0, nPad * 4, cols * nPad * 4, steps * rows * cols * 4, n * cols * 4,
    ]);
    // per block of four neurons: 1 − a, k = (dt/τ_m)/g_leak, V_rev, a = dt/τ_syn, g_leak (padding: 0)
    const dtm = params.dtMs / params.tauMMs;
    const consts = this.f32(constAt, blocks * 20).fill(0);
    for (let j = 0; j < n; j++) {
      const at = (j >> 2) * 20 + (j & 3);
      const a = params.dtMs / params.tauSynMs[j];
      consts[at] = 1 - a;
      consts[at + 4] = dtm / params.gLeak[j];
      consts[at + 8] = params.vRev[j];
      consts[at + 12] = a;
      consts[at + 16] = params.gLeak[j];
    }
    this.i32(maskAt, 4).set([0, 1, 2, 3].map((q) => (n4 - 4 + q < n ? -1 : 0)));
    const zeroAll = n !== n4;
    const cur = this.f32(curAt, (varying ? steps : 1) * padded);
    if (zeroAll) cur.fill(0);
    copyRowsIn(cur, current, (varying ? steps : 1) * rows, n, n4);
    for (const [at, from] of [[pAt, particles], [vAt, state.v], [gAt, state.g]] as const) {
      const into = this.f32(at, padded);
      if (zeroAll) into.fill(0);
      copyRowsIn(into, from, rows, n, n4);
    }
    this.f32(rowAt, nPad).fill(0);
    if (next) this.packInto(wAt, scratchAt, next.weights, n, cols, nPad, true);
    const spikes = this.exports.lifFast(
      rows, n, steps, curAt, varying ? 1 : 0, pAt, constAt, maskAt, agAt, vAt, gAt,
      1 - dtm, dtm * params.vLeak, params.vTh, params.vReset,
      stack ? stackAt : 0, finalAt,
      rowAt, next ? wAt : 0, cols, nPad, driveAt,
    );
    if (next) macCounter.add(steps * size * cols);
    copyRowsOut(state.v, this.f32(vAt, padded), rows, n, n4);
    copyRowsOut(state.g, this.f32(gAt, padded), rows, n, n4);
    copyRowsOut(final, this.f32(finalAt, padded), rows, n, n4);
    return {
      spikes,
      stack: stack ? this.f32(stackAt, steps * size) : undefined,
      drive: next ? this.f32(driveAt, steps * rows * cols).slice() : undefined,
    };
  }

  /**
   * C = A·B (A: m × k, B: k × n), or Aᵀ·B with `transposeA` (A: k × m), each entry summed over
   * the inner index in increasing order (float32 multiply, then add, from +0): bit-identical to
   * TF.js's WASM matMul. `sparse` (default) leaves out the terms whose A entry is zero — for finite
   * B the same bits (see the assembly). Without transposeA only the rows of B that a nonzero of A
   * needs are copied in. Adds the executed MACs to macCounter, the skipped ones to skippedMacs.
   */
  product(a: Dense, b: Dense, options: { transposeA?: boolean; sparse?: boolean } = {}): Dense {
    const transposeA = options.transposeA === true;
    const sparse = options.sparse !== false;
    const m = transposeA ? a.cols : a.rows;
    const k = transposeA ? a.rows : a.cols;
    const n = b.cols;
    if (b.rows !== k) throw new RangeError(`product: inner sizes differ (${m}×${k} · ${b.rows}×${n})`);
    const out = new Float32Array(m * n);
    if (m === 0 || n === 0 || k === 0) return { rows: m, cols: n, data: out };
    const nPad = pad4(n);
    const [aAt, indexAt, bRowsAt, bAt, cAt, startsAt, entriesAt, scratchAt] = this.layout([a.data.length * 4, k * 4, k * 4, k * nPad * 4, m * nPad * 4, (m + 1) * 4, m * k * 8, k * n * 4]);
    this.f32(aAt, a.data.length).set(a.data);
    const bMem = this.f32(bAt, k * nPad);
    let bRows = 0;
    if (sparse && !transposeA) {
      // only the rows of B that some nonzero of A multiplies
      const count = this.exports.nonzeroColumns(aAt, 0, a.rows, a.cols, a.cols * 4, indexAt);
      if (count === k) this.packInto(bAt, scratchAt, b.data, k, n, nPad, false); // every row needed: one copy
      else {
        const index = this.i32(indexAt, count);
        const table = this.i32(bRowsAt, k).fill(0);
        if (n !== nPad) bMem.fill(0, 0, count * nPad);
        gatherRows(bMem, b.data, index, count, n, nPad);
        for (let i = 0; i < count; i++) table[index[i]] = bAt + i * nPad * 4;
        bRows = bRowsAt;
      }
    } else {
      if (n !== nPad) bMem.fill(0);
      copyRowsIn(bMem, b.data, k, n, nPad);
    }
    const aRow = transposeA ? 4 : a.cols * 4;
    const aCol = transposeA ? a.cols * 4 : 4;
    let terms = m * k;
    // the dense reference reads A in place (every term); otherwise the term lists
    if (!sparse && !transposeA) this.exports.productDense(aAt, m, k, aRow, bAt, nPad * 4, nPad, cAt, nPad * 4);
    else terms = this.exports.product(aAt, m, k, aRow, aCol, bAt, nPad * 4, bRows, nPad, cAt, nPad * 4, sparse ? 1 : 0, 0, 0, 0, 0, startsAt, entriesAt);
    macCounter.add(terms * n);
    skippedMacs.add((m * k - terms) * n);
    copyRowsOut(out, this.f32(cAt, m * nPad), m, n, nPad);
    return { rows: m, cols: n, data: out };
  }

  /**
   * `iterations` iterations of the relaxation (§1.2b, c) of any network (2 to 6 layers, any widths)
   * as models/snn/relaxation.ts computes them (hidden layers in order from the new state below and
   * the old state above, then the output), in float32 with every product summed as TF.js sums it:
   * `states[k]` (rows × n_k, k ≥ 1; states[0] is the clamped input, unused) are updated in place;
   * `drive` = x·W₁ (rows × n₁); `weights[k]` = W_k (n_k × n_{k+1}); with a teacher, the nudged
   * phase. Adds the executed MACs to macCounter (the zero terms of the states are skipped).
   */
  relax(
    states: readonly Float32Array[],
    sizes: readonly number[],
    weights: readonly Float32Array[],
    biases: readonly Float32Array[],
    drive: Float32Array,
    rows: number,
    iterations: number,
    epsilon: number,
    teacher?: { target: Float32Array; beta: number },
  ): void {
    const L = sizes.length;
    if (L < 2 || L > 6) throw new RangeError(`relax: 2 to 6 layers, got ${L}`);
    const pads = sizes.map(pad4);
    for (let k = 1; k < L; k++) {
      if (states[k].length < rows * sizes[k] || biases[k].length !== sizes[k]) throw new RangeError(`relax: layer ${k} does not hold ${rows}×${sizes[k]}`);
      if (weights[k - 1].length !== sizes[k - 1] * sizes[k]) throw new RangeError(`relax: W${k} is not ${sizes[k - 1]}×${sizes[k]}`);
    }
    if (drive.length !== rows * sizes[1]) throw new RangeError(`relax: drive has ${drive.length} values, ${rows}×${sizes[1]} expected`);
    if (teacher && teacher.target.length !== rows * sizes[L - 1]) throw new RangeError(`relax: target has ${teacher.target.length} values, ${rows}×${sizes[L - 1]} expected`);
    let widest = 0;
    let largest = 0;
    for (let k = 0; k < L - 1; k++) {
      widest = Math.max(widest, sizes[k], sizes[k + 1]);
      largest = Math.max(largest, sizes[k] * sizes[k + 1]);
    }
    const sizesBytes: number[] = [L * 32, rows * pads[1] * 4, teacher ? rows * pads[L - 1] * 4 : 0, (rows + 1) * 4, rows * widest * 8, largest * 4];
    for (let k = 1; k < L; k++) {
      sizesBytes.push(
        rows * pads[k] * 4, // state
        pads[k] * 4, // bias
        k >= 2 ? sizes[k - 1] * pads[k] * 4 : 0, // W_{k−1}
        k < L - 1 ? sizes[k + 1] * pads[k] * 4 : 0, // W_kᵀ
        k >= 2 ? rows * pads[k] * 4 : 0, // below
        k < L - 1 ? rows * pads[k] * 4 : 0, // above
      );
    }
    const at = this.layout(sizesBytes);
    const [descAt, driveAt, targetAt, startsAt, entriesAt, scratchAt] = at;
    const first = 6; // the per-layer buffers start here
    const desc = this.i32(descAt, L * 8).fill(0);
    const driveMem = this.f32(driveAt, rows * pads[1]);
    if (sizes[1] !== pads[1]) driveMem.fill(0);
    copyRowsIn(driveMem, drive, rows, sizes[1], pads[1]);
    if (teacher) {
      const y = this.f32(targetAt, rows * pads[L - 1]);
      if (sizes[L - 1] !== pads[L - 1]) y.fill(0);
      copyRowsIn(y, teacher.target, rows, sizes[L - 1], pads[L - 1]);
    }
    for (let k = 1; k < L; k++) {
      const [stateAt, biasAt, downAt, upAt, belowAt, aboveAt] = at.slice(first + (k - 1) * 6, first + k * 6);
      const n = sizes[k];
      const p = pads[k];
      desc.set([n, p, stateAt, biasAt, k >= 2 ? downAt : 0, k < L - 1 ? upAt : 0, k >= 2 ? belowAt : 0, k < L - 1 ? aboveAt : 0], k * 8);
      const s = this.f32(stateAt, rows * p);
      if (n !== p) s.fill(0);
      copyRowsIn(s, states[k], rows, n, p);
      this.f32(biasAt, p).fill(0).set(biases[k]);
      if (k >= 2) this.packInto(downAt, scratchAt, weights[k - 1], sizes[k - 1], n, p, false);
      if (k < L - 1) this.packInto(upAt, scratchAt, weights[k], n, sizes[k + 1], p, true);
    }
    desc.set([sizes[0], pads[0], 0, 0, 0, 0, 0, 0], 0);
    const macs = this.exports.relaxNetwork(L, rows, iterations, descAt, driveAt, teacher ? targetAt : 0, teacher?.beta ?? 0, epsilon, startsAt, entriesAt);
    let dense = 0;
    for (let k = 2; k < L; k++) dense += rows * sizes[k - 1] * sizes[k]; // from below
    for (let k = 1; k < L - 1; k++) dense += rows * sizes[k + 1] * sizes[k]; // from above
    macCounter.add(macs);
    skippedMacs.add(iterations * dense - macs);
    for (let k = 1; k < L; k++) copyRowsOut(states[k], this.f32(at[first + (k - 1) * 6], rows * pads[k]), rows, sizes[k], pads[k]);
  }

  /**
   * SBP (§1.3) of one matrix, its first pass: the product βB·D = s⁰_preᵀ(s⁺_post − s⁰_post) from
   * the presynaptic neurons that are nonzero in some row only (a clamped input's zero pixels: their
   * rows of D are exactly 0 and cost nothing), summed as TF.js sums it (so, for finite states,
   * bit-identical to plasticity/sbp.ts's sbpBaseProduct), then D = product·scale and its sums,
   * bit for bit as plasticity/sbp.ts computes them. The caller computes the spread factors from the
   * sums (sbpSpread) and hands them to `finish`, the second pass, before any other call on this
   * instance: ΔW (nPre × nPost, zero rows included) or, with `update`, W ← W + α·ΔW on the active
   * rows (as the JS update loop does; W + α·0 = W on the others). `hidden`: the form of a matrix
   * below another (P4, P5, NaN → 0), else the output matrix's.
   */
  sbpBegin(pre: Dense, postFree: Dense, postNudged: Dense, scale: number): SbpPass {
    const rows = pre.rows;
    const nPre = pre.cols;
    const nPost = postFree.cols;
    if (postFree.rows !== rows || postNudged.rows !== rows || postNudged.cols !== nPost) throw new RangeError('sbpBegin: the states do not match');
    const p = pad4(nPost);
    const pre8 = nPre * 8;
    const post8 = p * 8;
    const [preAt, freeAt, nudgedAt, diffAt, indexAt, startsAt, entriesAt, dAt, rowAt, rowAbsAt, colAt, a1At, a2At, c3At, c4At, c5At, wAt, scratchAt] = this.layout([
      rows * nPre * 4, rows * p * 4, rows * p * 4, rows * p * 4, (nPre + 1) * 4, (nPre + 1) * 4, nPre * rows * 8, nPre * p * 4,
      pre8, pre8, post8, pre8, pre8, post8, post8, post8, nPre * p * 4, nPre * nPost * 4,
    ]);
    this.f32(preAt, rows * nPre).set(pre.data);
    for (const [at, m] of [[freeAt, postFree], [nudgedAt, postNudged]] as const) {
      const into = this.f32(at, rows * p);
      if (p !== nPost) into.fill(0);
      copyRowsIn(into, m.data, rows, nPost, p);
    }
    this.exports.subtract(nudgedAt, freeAt, diffAt, rows * p);
    const activeAt = indexAt + 4;
    const terms = this.exports.product(preAt, nPre, rows, 4, nPre * 4, diffAt, p * 4, 0, p, dAt, p * 4, 1, 0, 0, 1, activeAt, startsAt, entriesAt);
    macCounter.add(terms * nPost);
    skippedMacs.add((nPre * rows - terms) * nPost);
    const count = this.i32(indexAt, 1)[0];
    this.f64(rowAt, nPre).fill(0);
    this.f64(rowAbsAt, nPre).fill(0);
    this.f64(colAt, nPost).fill(0);
    this.exports.sbpScaleAndSums(dAt, count, nPost, p * 4, scale, rowAt, rowAbsAt, colAt, activeAt);
    const generation = ++this.generation;
    const sums: SbpSums = { ltpRow: this.f64(rowAt, nPre).slice(), ltdRowAbs: this.f64(rowAbsAt, nPre).slice(), ltdColAbs: this.f64(colAt, nPost).slice() };
    const finish = (factors: SbpFactors, hidden: boolean, update?: { weights: Float32Array; alpha: number }): Float32Array | undefined => {
      if (generation !== this.generation) throw new Error('sbpBegin: another kernel call came between the two SBP passes');
      if (hidden && !(factors.c4 && factors.c5)) throw new Error('sbpBegin: a hidden matrix needs c4 and c5');
      if (update && update.weights.length !== nPre * nPost) throw new RangeError(`sbpBegin: weights of ${nPre}×${nPost} expected`);
      this.f64(a1At, nPre).set(factors.a1);
      this.f64(a2At, nPre).set(factors.a2);
      this.f64(c3At, nPost).set(factors.c3);
      if (hidden) {
        this.f64(c4At, nPost).set(factors.c4 as Float64Array);
        this.f64(c5At, nPost).set(factors.c5 as Float64Array);
      }
      const active = this.i32(activeAt, count);
      const w = this.f32(wAt, count * p);
      const whole = count === nPre && nPost !== p; // every row, padded: one copy each way, repacked in the kernel
      if (update && whole) this.packInto(wAt, scratchAt, update.weights, nPre, nPost, p, false);
      else if (update) gatherRows(w, update.weights, active, count, nPost, p);
      this.exports.sbpDelta(dAt, count, nPost, p * 4, hidden ? 1 : 0, a1At, a2At, c3At, c4At, c5At, update ? wAt : 0, update?.alpha ?? 0, activeAt);
      this.generation++;
      if (update && whole) {
        this.exports.repack(wAt, nPre, nPost, scratchAt, p, 2);
        update.weights.set(this.f32(scratchAt, nPre * nPost));
        return undefined;
      }
      if (update) {
        scatterRows(update.weights, w, active, count, nPost, p);
        return undefined;
      }
      const delta = new Float32Array(nPre * nPost);
      scatterRows(delta, this.f32(dAt, count * p), active, count, nPost, p);
      return delta;
    };
    return { sums, activeRows: count, finish };
  }

  /**
   * ΔW of an STDP rule (§1.3) for one matrix, from the presynaptic neurons that are nonzero in some
   * row only, each product summed as TF.js sums it and combined in float64 as plasticity/stdp.ts
   * does (bit-identical for finite states): symmetric (`preNudged`, `postNudged` given)
   * ΔW = (s⁺_preᵀs⁺_post − s⁰_preᵀs⁰_post)·scale; differential ΔW = (s⁺_pre − s⁰_pre)ᵀs⁰_post·scale
   * (for the clamped input, s⁺ = s⁰: no active row, no work). With `update`, W ← W + α·ΔW on the
   * active rows and nothing is returned; else ΔW (nPre × nPost).
   */
  stdp(
    rule: 'symmetric' | 'differential',
    preFree: Dense, preNudged: Dense, postFree: Dense, postNudged: Dense,
    scale: number,
    update?: { weights: Float32Array; alpha: number },
  ): { delta?: Float32Array; activeRows: number } {
    const rows = preFree.rows;
    const nPre = preFree.cols;
    const nPost = postFree.cols;
    const p = pad4(nPost);
    const symmetric = rule === 'symmetric';
    const [freeAt, nudgedAt, changeAt, postFreeAt, postNudgedAt, indexAt, startsAt, entriesAt, aAt, bAt, wAt] = this.layout([
      rows * nPre * 4, rows * nPre * 4, symmetric ? 0 : pad4(rows * nPre) * 4, rows * p * 4, rows * p * 4, nPre * 4, (nPre + 1) * 4, nPre * rows * 8, nPre * p * 4, symmetric ? nPre * p * 4 : 0,
      update ? nPre * p * 4 : 0,
    ]);
    this.f32(freeAt, rows * nPre).set(preFree.data);
    this.f32(nudgedAt, rows * nPre).set(preNudged.data);
    for (const [at, m] of [[postFreeAt, postFree], [postNudgedAt, postNudged]] as const) {
      const into = this.f32(at, rows * p);
      if (p !== nPost) into.fill(0);
      copyRowsIn(into, m.data, rows, nPost, p);
    }
    if (!symmetric) this.exports.subtract(nudgedAt, freeAt, changeAt, pad4(rows * nPre));
    const count = symmetric ? this.exports.nonzeroColumns(freeAt, nudgedAt, rows, nPre, nPre * 4, indexAt) : this.exports.nonzeroColumns(changeAt, 0, rows, nPre, nPre * 4, indexAt);
    let terms = 0;
    const prod = (a: number, b: number, c: number) => (terms += this.exports.product(a, nPre, rows, 4, nPre * 4, b, p * 4, 0, p, c, p * 4, 1, indexAt, count, 0, 0, startsAt, entriesAt));
    if (symmetric) {
      prod(nudgedAt, postNudgedAt, aAt);
      prod(freeAt, postFreeAt, bAt);
    } else prod(changeAt, postFreeAt, aAt);
    const products = symmetric ? 2 : 1;
    macCounter.add(terms * nPost);
    skippedMacs.add((products * nPre * rows - terms) * nPost);
    const active = this.i32(indexAt, count);
    if (update) gatherRows(this.f32(wAt, count * p), update.weights, active, count, nPost, p);
    this.exports.stdpDelta(aAt, symmetric ? bAt : 0, count, nPost, p * 4, scale, update ? wAt : 0, update?.alpha ?? 0);
    if (update) {
      scatterRows(update.weights, this.f32(wAt, count * p), active, count, nPost, p);
      return { activeRows: count };
    }
    const delta = new Float32Array(nPre * nPost);
    scatterRows(delta, this.f32(aAt, count * p), active, count, nPost, p);
    return { delta, activeRows: count };
  }
}

/** The state between the two SBP passes (see NeuronKernels.sbpBegin). */
export interface SbpPass {
  readonly sums: SbpSums;
  /** Rows of D with a nonzero presynaptic factor (the others are 0 and are not visited). */
  readonly activeRows: number;
  finish(factors: SbpFactors, hidden: boolean, update?: { weights: Float32Array; alpha: number }): Float32Array | undefined;
}
