/**
 * The WebAssembly SIMD kernels of the §1 network's hot loops (./assembly/neurons.ts), one thread:
 *   - lif (constant or varying drive): the LIF + blend loop of the feedforward phase (§1.2a),
 *     optionally fused with the product of each step's activity and the next (narrow) weights;
 *   - relaxOneHidden: both relaxations (§1.2b, c) of a network with one hidden layer, products
 *     included;
 *   - sbpSums / sbpApply: the two elementwise passes of SBP over D (§1.3) and the weight update;
 *   - sigmaTilde: σ̃ over an array (§1.1).
 * Each `NeuronKernels` is an instance of the module with its own memory, into which the calls
 * copy their operands; a model makes one when it is built (models/snn/loops-wasm.ts). Every call
 * that runs a matrix product adds the multiply-accumulates it executed to the MAC counter.
 *
 * The JS loops they replace (models/snn/loops-js.ts over neurons/lif.ts and plasticity/sbp.ts)
 * are the reference. What differs between the two (tests: test/neurons/kernels.test.ts,
 * test/models/snn/kernels.test.ts):
 *   - LIF: for the same currents, V, g and the spike counts are bit-identical (float64 in the same
 *     order); σ̃ is float32 in the kernel (within 2 ulps of the exact tanh(s/2), see the assembly's
 *     header) and float64 with Math.exp in JS, so recorded activities differ by ≤ 3 float32 ulps;
 *   - relaxation: float32 arithmetic and another summation order of the small products;
 *   - SBP: bit-identical (float64 in the same order as plasticity/sbp.ts).
 * So trained weights differ between the paths by float noise; each path alone is deterministic.
 */
import type { LifParams } from '../neurons/lif.js';
import type { SbpFactors, SbpSums } from '../plasticity/rule.js';
import { macCounter } from '../tensor/index.js';
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
    currents: number,
  ): number;
  relaxOneHidden(
    rows: number, nPad: number, cols: number, iterations: number,
    hidden: number, output: number, drive: number, weightsT: number, bHidden: number, bOutput: number,
    target: number, beta: number, epsilon: number, dots: number,
  ): void;
  sbpScaleAndSums(D: number, nPre: number, nPost: number, scale: number, ltpRow: number, ltdRow: number, ltdCol: number): void;
  sbpDelta(
    D: number, nPre: number, nPost: number, hidden: number,
    a1: number, a2: number, c3: number, c4: number, c5: number,
    weights: number, alpha: number,
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

/** Bytes every buffer is padded by: the LIF kernel reads up to 8 float64 past an array's end. */
const PAD = 64;
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16 + PAD;

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
    let end = PAD; // offset 0 stands for "no buffer"
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
  ): LifResult {
    return this.lif(current, false, state, particles, params, rows, steps, final, record);
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
  ): LifResult {
    return this.lif(currents, true, state, particles, params, rows, steps, final, record);
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
    const checks = [['v', state.v, size], ['g', state.g, size], ['particles', particles, size], ['final', final, size], ['current', current, varying ? steps * size : size]] as const;
    for (const [name, a, length] of checks) {
      if (a.length !== length) throw new RangeError(`lif kernel: ${name} has ${a.length} values, ${length} expected (${rows}×${n}${varying ? `, ${steps} steps` : ''})`);
    }
    const { next } = record;
    const stack = record.stack === true && !next;
    const cols = next?.cols ?? 0;
    if (next && next.weights.length !== n * cols) throw new RangeError(`lifConstantDrive: next weights have ${next.weights.length} values, ${n}×${cols} expected`);
    const nPad = Math.ceil(n / 16) * 16;
    const blocks = Math.ceil(n / 4);
    const f32 = size * 4;
    const [inAt, constAt, vAt, gAt, finalAt, stackAt, rowAt, wAt, driveAt, currentsAt] = this.layout([
      rows * blocks * 64, blocks * 96, f32, f32, f32, stack ? steps * f32 : 0, next ? nPad * 4 : 0, cols * nPad * 4, steps * rows * cols * 4,
      varying ? steps * f32 : 0,
    ]);
    // per block of four neurons: dt/τ_syn, g_leak, V_rev (float64) ...
    const consts = this.f64(constAt, blocks * 12);
    for (let j = 0; j < n; j++) {
      const at = (j >> 2) * 12 + (j & 3);
      consts[at] = params.dtMs / params.tauSynMs[j]; // as integrateConstantDrive computes it
      consts[at + 4] = params.gLeak[j];
      consts[at + 8] = params.vRev[j];
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
      const wT = this.f32(wAt, cols * nPad).fill(0);
      const w = next.weights;
      for (let j = 0; j < n; j++) for (let c = 0; c < cols; c++) wT[c * nPad + j] = w[j * cols + c];
    }
    const spikes = this.exports.lifConstantDrive(
      rows, n, steps, inAt, constAt, vAt, gAt,
      params.dtMs / params.tauMMs, params.vLeak, params.vTh, params.vReset,
      stack ? stackAt : 0, finalAt,
      rowAt, next ? wAt : 0, cols, nPad, driveAt,
      varying ? currentsAt : 0,
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

  /**
   * `iterations` iterations of the relaxation (§1.2b, c) of a network with one hidden layer, as
   * models/snn/relaxation.ts computes them (hidden rows first from the old output, then the
   * output from the new hidden state), in float32: `hidden` (rows × n) and `output` (rows × cols)
   * are updated in place; `drive` = x·W₁ (rows × n); `weights` = W₂ (n × cols); with a teacher,
   * the nudged phase. The products are summed in another order than TF.js's, so the states differ
   * from the JS path by float32 rounding.
   */
  relaxOneHidden(
    hidden: Float32Array,
    output: Float32Array,
    drive: Float32Array,
    weights: Float32Array,
    bHidden: Float32Array,
    bOutput: Float32Array,
    rows: number,
    iterations: number,
    epsilon: number,
    teacher?: { target: Float32Array; beta: number },
  ): void {
    const n = bHidden.length;
    const cols = bOutput.length;
    const nPad = Math.ceil(n / 16) * 16;
    if (hidden.length !== rows * n || drive.length !== rows * n || output.length !== rows * cols || weights.length !== n * cols) {
      throw new RangeError(`relaxOneHidden: sizes do not match ${rows} rows, ${n} hidden, ${cols} output`);
    }
    if (teacher && teacher.target.length !== rows * cols) throw new RangeError(`relaxOneHidden: target has ${teacher.target.length} values, ${rows}×${cols} expected`);
    const padded = rows * nPad * 4;
    const [sAt, dAt, oAt, wAt, b1At, b2At, yAt, dotsAt] = this.layout([padded, padded, rows * cols * 4, cols * nPad * 4, nPad * 4, cols * 4, teacher ? rows * cols * 4 : 0, cols * 4]);
    const s1 = this.f32(sAt, rows * nPad).fill(0);
    const d1 = this.f32(dAt, rows * nPad).fill(0);
    for (let r = 0; r < rows; r++) {
      s1.set(hidden.subarray(r * n, (r + 1) * n), r * nPad);
      d1.set(drive.subarray(r * n, (r + 1) * n), r * nPad);
    }
    this.f32(oAt, rows * cols).set(output);
    const wT = this.f32(wAt, cols * nPad).fill(0);
    for (let j = 0; j < n; j++) for (let c = 0; c < cols; c++) wT[c * nPad + j] = weights[j * cols + c];
    this.f32(b1At, nPad).fill(0).set(bHidden);
    this.f32(b2At, cols).set(bOutput);
    if (teacher) this.f32(yAt, rows * cols).set(teacher.target);
    this.exports.relaxOneHidden(rows, nPad, cols, iterations, sAt, oAt, dAt, wAt, b1At, b2At, teacher ? yAt : 0, teacher?.beta ?? 0, epsilon, dotsAt);
    macCounter.add(2 * iterations * rows * n * cols); // s₂·W₂ᵀ and s₁·W₂ per iteration
    for (let r = 0; r < rows; r++) hidden.set(s1.subarray(r * nPad, r * nPad + n), r * n);
    output.set(this.f32(oAt, rows * cols));
  }

  /**
   * The first pass of plasticity/sbp.ts's selfBackpropagation over D, bit for bit (float64 in the
   * same order): `product` = s⁰_preᵀ(s⁺_post − s⁰_post) (nPre × nPost) becomes D = product·scale in
   * the kernel's memory, and its sums are returned. The caller computes the spread factors from
   * them (plasticity/sbp.ts's sbpSpread) and hands them to `finish`, the second pass, before any
   * other call on this instance: ΔW into `product` (in place), or with `update` W ← W + α·ΔW (as
   * the JS update loop does) with `product` left as it was. `hidden`: the form of a matrix below
   * another (P4, P5, NaN → 0), else the output matrix's.
   */
  sbpSums(product: Float32Array, nPre: number, nPost: number, scale: number): SbpPass {
    const size = nPre * nPost;
    if (product.length !== size) throw new RangeError(`sbpSums: ${nPre}×${nPost} values expected, got ${product.length}`);
    const pre = nPre * 8;
    const post = nPost * 8;
    const [dAt, rowAt, rowAbsAt, colAt, a1At, a2At, c3At, c4At, c5At, wAt] = this.layout([size * 4, pre, pre, post, pre, pre, post, post, post, size * 4]);
    this.f32(dAt, size).set(product);
    this.f64(colAt, nPost).fill(0);
    this.exports.sbpScaleAndSums(dAt, nPre, nPost, scale, rowAt, rowAbsAt, colAt);
    const generation = ++this.generation;
    const sums: SbpSums = { ltpRow: this.f64(rowAt, nPre).slice(), ltdRowAbs: this.f64(rowAbsAt, nPre).slice(), ltdColAbs: this.f64(colAt, nPost).slice() };
    const finish = (factors: SbpFactors, hidden: boolean, update?: { weights: Float32Array; alpha: number }): void => {
      if (generation !== this.generation) throw new Error('sbpSums: another kernel call came between the two SBP passes');
      if (hidden && !(factors.c4 && factors.c5)) throw new Error('sbpSums: a hidden matrix needs c4 and c5');
      if (update && update.weights.length !== size) throw new RangeError(`sbpSums: weights of ${nPre}×${nPost} expected`);
      this.f64(a1At, nPre).set(factors.a1);
      this.f64(a2At, nPre).set(factors.a2);
      this.f64(c3At, nPost).set(factors.c3);
      if (hidden) {
        this.f64(c4At, nPost).set(factors.c4 as Float64Array);
        this.f64(c5At, nPost).set(factors.c5 as Float64Array);
      }
      if (update) this.f32(wAt, size).set(update.weights);
      this.exports.sbpDelta(dAt, nPre, nPost, hidden ? 1 : 0, a1At, a2At, c3At, c4At, c5At, update ? wAt : 0, update?.alpha ?? 0);
      if (update) update.weights.set(this.f32(wAt, size));
      else product.set(this.f32(dAt, size));
      this.generation++;
    };
    return { sums, finish };
  }
}

/** The state between the two SBP passes (see NeuronKernels.sbpSums). */
export interface SbpPass {
  readonly sums: SbpSums;
  finish(factors: SbpFactors, hidden: boolean, update?: { weights: Float32Array; alpha: number }): void;
}
