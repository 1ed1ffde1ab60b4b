/**
 * Fused, event-driven WebAssembly SIMD kernels of the §3 spiking MLP (docs/algorithms.md §3, §3.1):
 * one training batch = input spikes drawn inside the kernel, the forward over K steps as sums of
 * the weight rows of active presynaptic neurons, BPTT written out by hand (pBP) or the SBP hidden
 * update computed from the spikes, and a fused Adam step. The equations and their derivation are
 * in ./assembly/smlp.ts's header; models/smlp/smlp.ts (TF.js autodiff) stays the reference.
 *
 * Build: `npm run build` compiles ./assembly/smlp.ts and embeds it (kernels/index.ts); this module
 * imports nothing: the caller passes the compiled module (`kernelModule('smlp')`) to
 * `SmlpKernel.create`, as models/smlp/model.ts does. Seed words: models/smlp/spikes.ts `seedWords`.
 *
 * Memory: `create` lays out every buffer for the given net and batch size once and grows the
 * instance's memory once; nothing is allocated afterwards, so the parameter views (`weights`,
 * `biases`, `feedback`, `adam`) stay valid for the kernel's life and can serve directly as a
 * model's parameter arrays and checkpoint arrays. The gradient views returned by `gradients` are
 * valid until the next call (they are the kernel's own buffers).
 *
 * What differs from the autodiff path: float32 sums in another order (rows of W added in index
 * order instead of TF.js's matMul), a sigmoid within 2.5 ulps (relative error < 1.5e−7), the bias added
 * first. The input spikes come from the kernel's own generator (two xoroshiro128+ streams seeded by
 * four words from the run's stream), the same spikes as models/smlp/spikes.ts's JS twin. Adam is bit-identical to adamStep for
 * the same gradients. A spike whose membrane lands within rounding of θ can flip between the
 * paths; each path alone is deterministic.
 *
 * One batch, in kernel entries (./assembly/smlp.ts): inputSpikes (CSR of the input spikes) →
 * forwardLayer per layer (rows of W of the active neurons, sigmoid, membrane, spikes → the next
 * layer's CSR) → outputs (y, ∂L/∂s of the output, E) → buildCsc (spikes sorted by (neuron, step),
 * for the layers whose outgoing gradient is gathered) → pBP: backwardLayer per layer from the top,
 * each followed by its weight gradient (gatherRows, or scatterRows for a layer ≤ 16 wide); SBP:
 * backwardLayer of the output, its per-step gradient and sp^t, then per hidden weight E·R_kᵀ
 * (rowsTimesTransposed), the rows M⊙sp^t with the Hebbian rows folded in (scaledRows,
 * addSpikeRows) and one event-driven sum (gatherRows / gatherSegments) → adam.
 *
 * Operation counts (per batch, `SmlpOpCounts`): a row addition counts n_post operations, a dense
 * product its MACs, a diagonal scaling (the ⊙sp of SBP, the Hebbian factor) one per element;
 * elementwise neuron updates are not counted (as smlp.ts's countedMatMul does not count them).
 * `forwardDense`/`backwardDense` are what dense products of the same shapes cost, exactly as
 * smlp.ts counts them (backwardMacs · rows).
 */

export type SmlpRule = 'pbp' | 'sbp';

export interface SmlpKernelShape {
  /** Layer sizes, input first (3 to 6 layers). */
  readonly layers: readonly number[];
  /** The most rows one call may pass (the last batch of an epoch may be shorter). */
  readonly batchSize: number;
  /** K, the steps per sample. */
  readonly timeSteps: number;
}

/** The neuron, Adam and SBP settings, named as in SmlpConfig (models/smlp/config.ts); defaults = §3's. */
export interface SmlpKernelParams {
  decay?: number;
  threshold?: number;
  surrogateWindow?: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  hebbianWeight?: number;
  sbpInput?: 'per-step' | 'last-step';
  freezeOutputBiasInSbp?: boolean;
  energy?: boolean;
  energyWeight?: number;
}

export type ResolvedSmlpKernelParams = Required<SmlpKernelParams>;

/** How the kernel computes, not what (tests use it to exercise both weight-gradient paths). */
export interface SmlpKernelOptions {
  /**
   * A weight matrix with at most this many columns (and at most 16) gets its gradient by
   * scattering each step's δ row into the rows of the active presynaptic neurons (`scatterRows`,
   * no (i, t) sort of the spikes); wider ones by gathering, per presynaptic neuron, the δ rows of
   * its spikes (`gatherRows`). Default 16: the output layer of MNIST / NETtalk scatters.
   */
  scatterMaxColumns?: number;
}

export const SMLP_KERNEL_DEFAULTS: ResolvedSmlpKernelParams = {
  decay: 0.2,
  threshold: 0.5,
  surrogateWindow: 0.3,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  hebbianWeight: 1e-2,
  sbpInput: 'per-step',
  freezeOutputBiasInSbp: false,
  energy: false,
  energyWeight: 0.1,
};

/** Operations of one batch (totals over its rows; divide by rows for per sample). */
export interface SmlpOpCounts {
  /** Executed in the forward pass: Σ_l (spikes of layer l−1) · n_l. */
  forward: number;
  /** Executed in the backward pass (weight gradients, ∂/∂s products, the SBP update). */
  backward: number;
  /** Dense-equivalent forward MACs: K · rows · Σ n_{l−1} n_l. */
  forwardDense: number;
  /** Dense-equivalent backward MACs, as smlp.ts counts them (pBP / SBP formulas of its header). */
  backwardDense: number;
}

export interface SmlpBatchResult {
  /** mean((y − target)²) [+ the energy term]. */
  loss: number;
  /** y = Σ_t s_{L−1}^t / K, rows × n_out (a fresh array). */
  output: Float32Array;
  /** Spikes of every layer (0 = input) summed over rows and steps. */
  spikes: number[];
  ops: SmlpOpCounts;
}

export interface SmlpGradientResult extends SmlpBatchResult {
  /** ∂L/∂W_0 … ∂L/∂W_{L−2}, then ∂L/∂b_1 … ∂L/∂b_{L−1}: views, valid until the next call. */
  grads: Float32Array[];
}

/** Milliseconds spent per kernel entry since the last `resetTiming` (when `profile` is on). */
export interface SmlpKernelTiming {
  inputSpikes: number;
  forward: number;
  csc: number;
  backward: number;
  weightGradients: number;
  sbp: number;
  adam: number;
  calls: number;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  sigmoidArray(src: number, dst: number, count: number): void;
  inputSpikes(x: number, rows: number, n0: number, K: number, w0: number, w1: number, w2: number, w3: number, nzIdx: number, nzVal: number, csrPtr: number, csrIdx: number): number;
  forwardLayer(
    rows: number, K: number, n: number, inPtr: number, inIdx: number, W: number, b: number,
    V: number, SG: number, outPtr: number, outIdx: number, counts: number, zrow: number, decay: number, theta: number,
  ): number;
  outputs(rows: number, nOut: number, K: number, counts: number, target: number, scale: number, Y: number, dOut: number, E: number): number;
  buildCsc(rows: number, K: number, n: number, csrPtr: number, csrIdx: number, keyPtr: number, entries: number): void;
  backwardLayer(
    rows: number, K: number, n: number, V: number, SG: number, GZ: number,
    dOut: number, gzAbove: number, nAbove: number, WT: number, energy: number,
    ext: number, gNext: number, bias: number, biasGrad: number, decay: number, theta: number, window: number,
  ): void;
  transpose(src: number, rowsN: number, cols: number, dst: number, dstStride: number): void;
  gatherRows(G: number, nPre: number, nPost: number, keyPtr: number, entries: number, K: number, srcTable: number, srcStride: number, accumulate: number, stats: number): void;
  gatherSegments(
    G: number, nPre: number, nPost: number, keyPtr: number, entries: number, K: number,
    srcTable: number, srcStride: number, scaleTable: number, absOut: number, absStride: number, accumulate: number, stats: number,
  ): void;
  rowsTimesTransposed(rows: number, x: number, xStride: number, nIn: number, T: number, n: number, out: number): void;
  scaledRows(rows: number, K: number, n: number, M: number, scale: number, t0: number, t1: number, P: number): void;
  addSpikeRows(rows: number, K: number, n: number, V: number, t: number, theta: number, c: number, add: number, P: number): void;
  scaleColumns(G: number, nRows: number, n: number, s: number): void;
  scaleArray(a: number, count: number, s: number): void;
  lastStepSpread(LS: number, nPre: number, n: number, K: number, sp: number, spTotal: number, G: number, absOut: number, absStride: number): void;
  scatterRows(acc: number, nPre: number, nPost: number, csrPtr: number, csrIdx: number, rows: number, K: number, src: number, perStep: number, stats: number): void;
  scatterFinish(acc: number, nPre: number, nPost: number, K: number, perStep: number, G: number, absOut: number, absStride: number): void;
  adam(p: number, g: number, m: number, v: number, count: number, b1: number, c1: number, b2: number, c2: number, eps: number, stepSize: number, sqrtBc2: number): void;
}

/** Bytes after every buffer: a tile reads (never writes) up to 128 bytes past a row. */
const SLACK = 256;
const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
const alignUp = (bytes: number, to: number): number => Math.ceil(bytes / to) * to;

/** Consecutive buffers from a start offset, 64-byte aligned, each followed by SLACK bytes. */
class Arena {
  end: number;
  constructor(start: number) {
    this.end = alignUp(start, 64);
  }
  take(bytes: number): number {
    const at = this.end;
    this.end = alignUp(at + bytes + SLACK, 64);
    return at;
  }
}

interface LayerBuffers {
  /** Post-layer buffers (l ≥ 1): rows p = r·K + t of nPad floats. */
  V: number;
  SG: number;
  GZ: number;
  /** Pre-layer sparse structure (l ≤ L−2): CSR per p, CSC per key i·K + t. */
  csrPtr: number;
  csrIdx: number;
  keyPtr: number;
  entries: number;
  /** Hidden layers: the spread strengths sp^t (K rows of nPad floats). */
  sp: number;
}

const checkInt = (name: string, v: number, min: number): void => {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`SmlpKernel: ${name} must be an integer ≥ ${min}, got ${v}`);
};

export class SmlpKernel {
  readonly layers: readonly number[];
  readonly batchSize: number;
  readonly timeSteps: number;
  readonly params: Readonly<ResolvedSmlpKernelParams>;
  /** weights[k]: W_k, n_k × n_{k+1} row-major (row = presynaptic), in the kernel's memory. */
  readonly weights: Float32Array[];
  /** biases[l]: b_l; biases[0] (the input) is empty, as SmlpNetwork's. */
  readonly biases: Float32Array[];
  /** feedback[k]: the fixed SBP matrix R_k of hidden weight k, n_{k+1} × n_out. */
  readonly feedback: Float32Array[];
  /** Adam moments in the order of `parameterArrays` and the step counter, as AdamState. */
  readonly adam: { readonly m: Float32Array[]; readonly v: Float32Array[]; readonly step: Float32Array };
  /** Bytes of the kernel's memory. */
  readonly memoryBytes: number;
  /** Accumulate the time of each kernel entry into `timing`. */
  profile = false;
  readonly timing: SmlpKernelTiming = { inputSpikes: 0, forward: 0, csc: 0, backward: 0, weightGradients: 0, sbp: 0, adam: 0, calls: 0 };

  private readonly x: WebAssembly.Exports & Exports;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly n: number[];
  private readonly nPad: number[];
  private readonly buf: LayerBuffers[];
  private readonly wAt: number[];
  private readonly bAt: number[];
  private readonly rAt: number[];
  private readonly gradViews: Float32Array[];
  private readonly gradWAt: number[];
  private readonly gradBAt: number[];
  private readonly block: { params: number; grads: number; m: number; v: number; floats: number };
  private readonly s: {
    x: number; target: number; nzIdx: number; nzVal: number; counts: number; Y: number; dOut: number; E: number;
    zrow: number; ext: number; gNext: number; bias: number; energy: number; WT: number; RT: number; M: number;
    spTotal: number; hebb: number; LS: number; srcTable: number; scaleTable: number; stats: number; acc: number;
  };
  /** scatter[k]: weight k's gradient by scatterRows (else gatherRows / gatherSegments). */
  private readonly scatter: boolean[];
  private readonly hebbSteps: { t: number; coef: number }[];
  private readonly statsView: Float64Array;

  private constructor(module: WebAssembly.Module, shape: SmlpKernelShape, params: SmlpKernelParams, options: SmlpKernelOptions) {
    const layers = [...shape.layers];
    if (layers.length < 3 || layers.length > 6) throw new RangeError(`SmlpKernel: 3 to 6 layers expected, got ${layers.length}`);
    layers.forEach((n, l) => checkInt(`layers[${l}]`, n, 1));
    checkInt('batchSize', shape.batchSize, 1);
    checkInt('timeSteps', shape.timeSteps, 1);
    this.layers = layers;
    this.batchSize = shape.batchSize;
    this.timeSteps = shape.timeSteps;
    // the known fields only (an SmlpConfig may be passed as it is)
    const p = { ...SMLP_KERNEL_DEFAULTS };
    for (const key of Object.keys(p) as (keyof SmlpKernelParams)[]) {
      const value = params[key];
      if (value !== undefined) (p as Record<string, unknown>)[key] = value;
    }
    if (p.sbpInput !== 'per-step' && p.sbpInput !== 'last-step') throw new RangeError(`SmlpKernel: sbpInput must be 'per-step' or 'last-step'`);
    this.params = Object.freeze(p);

    this.x = new WebAssembly.Instance(module, {}).exports as WebAssembly.Exports & Exports;
    const L = layers.length;
    const K = this.timeSteps;
    const B = this.batchSize;
    const nOut = layers[L - 1];
    this.n = layers;
    this.nPad = layers.map(pad4);
    const nPadMax = Math.max(...this.nPad);
    const arena = new Arena(this.x.heapBase());

    // parameters: W_0 … W_{L−2}, b_1 … b_{L−1} in one block (each 16-byte aligned); grads, m, v alike
    const offsets: number[] = [];
    let blockBytes = 0;
    const sizes = [...layers.slice(0, -1).map((n, k) => n * layers[k + 1]), ...layers.slice(1)];
    for (const size of sizes) {
      offsets.push(blockBytes);
      blockBytes = alignUp(blockBytes + size * 4, 16);
    }
    const block = { params: arena.take(blockBytes), grads: arena.take(blockBytes), m: arena.take(blockBytes), v: arena.take(blockBytes), floats: blockBytes / 4 };
    this.block = block;
    const stepAt = arena.take(4);
    this.rAt = layers.slice(1, -1).map((n) => arena.take(n * nOut * 4));

    const buf: LayerBuffers[] = layers.map((n, l) => {
      const rowsK = B * K;
      const post = l >= 1;
      const pre = l <= L - 2;
      return {
        V: post ? arena.take(rowsK * this.nPad[l] * 4) : 0,
        SG: post ? arena.take(rowsK * this.nPad[l] * 4) : 0,
        GZ: post ? arena.take(rowsK * this.nPad[l] * 4) : 0,
        csrPtr: pre ? arena.take((rowsK + 1) * 4) : 0,
        csrIdx: pre ? arena.take(rowsK * n * 4) : 0,
        keyPtr: pre ? arena.take((n * K + 1) * 4) : 0,
        entries: pre ? arena.take(rowsK * n * 4) : 0,
        sp: post && pre ? arena.take(K * this.nPad[l] * 4) : 0,
      };
    });
    this.buf = buf;
    let wtFloats = 0;
    for (let l = 1; l <= L - 2; l++) wtFloats = Math.max(wtFloats, layers[l + 1] * this.nPad[l]);
    let lsFloats = 0;
    for (let k = 1; k <= L - 3; k++) lsFloats = Math.max(lsFloats, layers[k] * layers[k + 1]);
    const scatterMax = Math.min(16, options.scatterMaxColumns ?? 16);
    this.scatter = layers.slice(1).map((n) => n <= scatterMax);
    let accFloats = 0; // scatterRows' accumulators: one per step for the output weights (SBP's sp^t)
    this.scatter.forEach((on, k) => {
      if (on) accFloats = Math.max(accFloats, (k === L - 2 ? K : 1) * layers[k] * this.nPad[k + 1]);
    });
    this.s = {
      x: arena.take(B * layers[0] * 4),
      target: arena.take(B * nOut * 4),
      nzIdx: arena.take((pad4(layers[0]) + 4) * 4),
      nzVal: arena.take((pad4(layers[0]) + 4) * 4),
      counts: arena.take(B * this.nPad[L - 1] * 4),
      Y: arena.take(B * nOut * 4),
      dOut: arena.take(B * this.nPad[L - 1] * 4),
      E: arena.take(B * this.nPad[L - 1] * 4),
      zrow: arena.take(nPadMax * 4),
      ext: arena.take(nPadMax * 4),
      gNext: arena.take(nPadMax * 4),
      bias: arena.take(nPadMax * 4),
      energy: arena.take(nPadMax * 4),
      WT: arena.take(wtFloats * 4),
      RT: arena.take(nOut * nPadMax * 4),
      M: arena.take(B * nPadMax * 4),
      spTotal: arena.take(nPadMax * 4),
      hebb: arena.take(4 * nPadMax * 4),
      LS: arena.take(lsFloats * 4),
      srcTable: arena.take(K * 4),
      scaleTable: arena.take(K * 4),
      stats: arena.take(16),
      acc: arena.take(accFloats * 4),
    };

    const memory = this.x.memory;
    const missing = arena.end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    this.memoryBytes = memory.buffer.byteLength;
    const buffer = memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.statsView = new Float64Array(buffer, this.s.stats, 2);

    const view = (at: number, length: number) => new Float32Array(buffer, at, length);
    const nW = L - 1;
    this.wAt = offsets.slice(0, nW).map((o) => block.params + o);
    this.bAt = offsets.slice(nW).map((o) => block.params + o);
    this.gradWAt = offsets.slice(0, nW).map((o) => block.grads + o);
    this.gradBAt = offsets.slice(nW).map((o) => block.grads + o);
    this.weights = this.wAt.map((at, k) => view(at, sizes[k]));
    this.biases = [new Float32Array(0), ...this.bAt.map((at, k) => view(at, sizes[nW + k]))];
    this.feedback = this.rAt.map((at, k) => view(at, layers[k + 1] * nOut));
    this.gradViews = [...this.gradWAt, ...this.gradBAt].map((at, i) => view(at, sizes[i]));
    this.adam = {
      m: offsets.map((o, i) => view(block.m + o, sizes[i])),
      v: offsets.map((o, i) => view(block.v + o, sizes[i])),
      step: view(stepAt, 1),
    };

    // Hebbian factor c_t: +1 at K−1 and max(0, K−2), −1 at 0 and min(1, K−1), as smlp.ts
    const coef = new Map<number, number>();
    const bump = (t: number, c: number) => coef.set(t, (coef.get(t) ?? 0) + c);
    bump(K - 1, 1);
    bump(Math.max(0, K - 2), 1);
    bump(0, -1);
    bump(Math.min(1, K - 1), -1);
    this.hebbSteps = [...coef.entries()].filter(([, c]) => c !== 0).map(([t, c]) => ({ t, coef: c })).sort((a, b) => a.t - b.t);
  }

  /** A kernel for one net and batch size, its parameters zero (set them through the views). */
  static create(module: WebAssembly.Module, shape: SmlpKernelShape, params: SmlpKernelParams = {}, options: SmlpKernelOptions = {}): SmlpKernel {
    return new SmlpKernel(module, shape, params, options);
  }

  /** Weights then biases of layers 1 … L−1 (the order of the Adam moments and of the gradients). */
  parameterArrays(): Float32Array[] {
    return [...this.weights, ...this.biases.slice(1)];
  }

  /** sigmoid of each value, as the kernel computes it (tests of its error bound). */
  sigmoid(values: Float32Array): Float32Array {
    // the M scratch is free between calls; chunks of its size
    const room = this.batchSize * Math.max(...this.nPad);
    const out = new Float32Array(values.length);
    for (let at = 0; at < values.length; at += room) {
      const part = values.subarray(at, at + room);
      this.f32.set(part, this.s.M / 4);
      this.x.sigmoidArray(this.s.M, this.s.M, part.length);
      out.set(this.f32.subarray(this.s.M / 4, this.s.M / 4 + part.length), at);
    }
    return out;
  }

  /**
   * The input spikes the kernel draws for x (rows × n_0) and these seed words, as a fresh array of
   * K·rows·n_0 floats: step t outer, then row-major (bernoulliSpikes' layout, steps concatenated).
   */
  inputSpikes(x: Float32Array, rows: number, seedWords: ArrayLike<number>): Float32Array {
    this.drawInput(x, rows, seedWords);
    const n0 = this.n[0];
    const K = this.timeSteps;
    const out = new Float32Array(K * rows * n0);
    const ptr = this.buf[0].csrPtr / 4;
    const idx = this.buf[0].csrIdx / 4;
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < K; t++) {
        const p = r * K + t;
        const base = (t * rows + r) * n0;
        for (let e = this.i32[ptr + p]; e < this.i32[ptr + p + 1]; e++) out[base + this.i32[idx + e]] = 1;
      }
    }
    return out;
  }

  /** Forward only. */
  evaluateBatch(x: Float32Array, y: Float32Array, rows: number, seedWords: ArrayLike<number>): SmlpBatchResult {
    const f = this.forward(x, y, rows, seedWords);
    return { ...f, ops: { forward: f.forwardOps, backward: 0, forwardDense: this.forwardDense(rows), backwardDense: 0 } };
  }

  /** Forward + backward under a hidden rule; the parameters are not changed. */
  gradients(x: Float32Array, y: Float32Array, rows: number, rule: SmlpRule, seedWords: ArrayLike<number>): SmlpGradientResult {
    if (rule !== 'pbp' && rule !== 'sbp') this.badRule(rule);
    const f = this.forward(x, y, rows, seedWords);
    const t0 = this.now();
    this.buildCsc(rows, rule);
    this.tick('csc', t0);
    const backward = rule === 'pbp' ? this.backwardPbp(rows) : this.backwardSbp(rows);
    return {
      loss: f.loss,
      output: f.output,
      spikes: f.spikes,
      ops: { forward: f.forwardOps, backward, forwardDense: this.forwardDense(rows), backwardDense: this.backwardDense(rows, rule) },
      grads: this.gradViews,
    };
  }

  /** gradients, then one Adam step (network.ts's adamStep) with learning rate lr. */
  trainBatch(x: Float32Array, y: Float32Array, rows: number, rule: SmlpRule, lr: number, seedWords: ArrayLike<number>): SmlpBatchResult {
    const { grads: _grads, ...result } = this.gradients(x, y, rows, rule, seedWords);
    const t0 = this.now();
    const { adamBeta1: b1, adamBeta2: b2, adamEpsilon: eps } = this.params;
    const t = this.adam.step[0] + 1;
    this.adam.step[0] = t;
    const stepSize = lr / (1 - Math.pow(b1, t));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
    const { params, grads, m, v, floats } = this.block;
    this.x.adam(params, grads, m, v, floats, b1, 1 - b1, b2, 1 - b2, eps, stepSize, sqrtBc2);
    this.tick('adam', t0);
    this.timing.calls++;
    return result;
  }

  resetTiming(): void {
    for (const key of Object.keys(this.timing) as (keyof SmlpKernelTiming)[]) this.timing[key] = 0;
  }

  // ------------------------------------------------------------------ internals

  private badRule(rule: never): never {
    throw new RangeError(`SmlpKernel: rule must be 'pbp' or 'sbp', got '${String(rule)}'`);
  }

  private now(): number {
    return this.profile ? performance.now() : 0;
  }

  private tick(key: Exclude<keyof SmlpKernelTiming, 'calls'>, t0: number): void {
    if (this.profile) this.timing[key] += performance.now() - t0;
  }

  private checkRows(rows: number): void {
    if (!Number.isInteger(rows) || rows < 1 || rows > this.batchSize) throw new RangeError(`SmlpKernel: rows must be an integer in 1 … ${this.batchSize}, got ${rows}`);
  }

  private drawInput(x: Float32Array, rows: number, seedWords: ArrayLike<number>): number {
    this.checkRows(rows);
    const n0 = this.n[0];
    if (x.length < rows * n0) throw new RangeError(`SmlpKernel: x has ${x.length} values, ${rows}×${n0} expected`);
    if (seedWords.length !== 4) throw new RangeError(`SmlpKernel: 4 seed words expected, got ${seedWords.length}`);
    const t0 = this.now();
    this.f32.set(x.subarray(0, rows * n0), this.s.x / 4);
    const b = this.buf[0];
    const total = this.x.inputSpikes(this.s.x, rows, n0, this.timeSteps, seedWords[0] >>> 0, seedWords[1] >>> 0, seedWords[2] >>> 0, seedWords[3] >>> 0, this.s.nzIdx, this.s.nzVal, b.csrPtr, b.csrIdx);
    this.tick('inputSpikes', t0);
    return total;
  }

  private forward(x: Float32Array, y: Float32Array, rows: number, seedWords: ArrayLike<number>) {
    const L = this.n.length;
    const K = this.timeSteps;
    const nOut = this.n[L - 1];
    if (y.length < rows * nOut) throw new RangeError(`SmlpKernel: y has ${y.length} values, ${rows}×${nOut} expected`);
    const spikes = [this.drawInput(x, rows, seedWords)];
    const t0 = this.now();
    this.f32.set(y.subarray(0, rows * nOut), this.s.target / 4);
    const { decay, threshold } = this.params;
    let forwardOps = 0;
    for (let l = 1; l < L; l++) {
      const below = this.buf[l - 1];
      const here = this.buf[l];
      const top = l === L - 1;
      spikes.push(
        this.x.forwardLayer(rows, K, this.n[l], below.csrPtr, below.csrIdx, this.wAt[l - 1], this.bAt[l - 1], here.V, here.SG, top ? 0 : here.csrPtr, top ? 0 : here.csrIdx, top ? this.s.counts : 0, this.s.zrow, decay, threshold),
      );
      forwardOps += spikes[l - 1] * this.n[l];
    }
    const squares = this.x.outputs(rows, nOut, K, this.s.counts, this.s.target, 2 / (rows * nOut * K), this.s.Y, this.s.dOut, this.s.E);
    let loss = squares / (rows * nOut);
    if (this.params.energy) {
      let rate = 0;
      for (let l = 1; l < L - 1; l++) rate += spikes[l] / (rows * this.n[l]);
      loss += (this.params.energyWeight / (K * (L - 2))) * rate;
    }
    this.tick('forward', t0);
    return { loss, output: this.f32.slice(this.s.Y / 4, this.s.Y / 4 + rows * nOut), spikes, forwardOps };
  }

  /** The (i, t)-sorted spikes of the layers whose outgoing weight gradient is gathered. */
  private buildCsc(rows: number, rule: SmlpRule): void {
    const L = this.n.length;
    for (let l = 0; l <= L - 2; l++) {
      if (this.scatter[l] && (rule === 'pbp' || l === L - 2)) continue;
      const b = this.buf[l];
      this.x.buildCsc(rows, this.timeSteps, this.n[l], b.csrPtr, b.csrIdx, b.keyPtr, b.entries);
    }
  }

  private forwardDense(rows: number): number {
    let macs = 0;
    for (let l = 1; l < this.n.length; l++) macs += this.n[l - 1] * this.n[l];
    return this.timeSteps * rows * macs;
  }

  /** smlp.ts's backward MACs (its header's formulas) times rows. */
  private backwardDense(rows: number, rule: SmlpRule): number {
    const n = this.n;
    const L = n.length;
    const K = this.timeSteps;
    const nOut = n[L - 1];
    let macs = 0;
    if (rule === 'pbp') {
      for (let k = 0; k + 1 < L; k++) macs += K * n[k] * rows * n[k + 1];
      for (let k = 1; k + 1 < L; k++) macs += K * rows * n[k + 1] * n[k];
    } else {
      macs += K * n[L - 2] * rows * nOut;
      for (let k = 0; k <= L - 3; k++) {
        macs += rows * nOut * n[k + 1];
        macs += (this.params.sbpInput === 'last-step' ? 1 : K) * n[k] * rows * n[k + 1];
        if (this.params.hebbianWeight > 0) macs += 4 * n[k] * rows * n[k + 1];
      }
    }
    return macs;
  }

  private resetStats(): void {
    this.statsView[0] = 0;
    this.statsView[1] = 0;
  }

  /** Point srcTable[t] at base + t·step for the steps in `steps` (all when undefined), 0 elsewhere. */
  private setSources(base: number, step: number, steps?: number[]): void {
    const at = this.s.srcTable / 4;
    for (let t = 0; t < this.timeSteps; t++) this.i32[at + t] = 0;
    for (let t = 0; t < this.timeSteps; t++) if (!steps || steps.includes(t)) this.i32[at + t] = base + t * step;
  }

  /** Output-layer BPTT: δ of every step into GZ_{L−1}, ∂L/∂b_{L−1}. */
  private backwardOutput(rows: number): void {
    const L = this.n.length;
    const { decay, threshold, surrogateWindow } = this.params;
    const b = this.buf[L - 1];
    const s = this.s;
    this.x.backwardLayer(rows, this.timeSteps, this.n[L - 1], b.V, b.SG, b.GZ, s.dOut, 0, 0, 0, 0, s.ext, s.gNext, s.bias, this.gradBAt[L - 2], decay, threshold, surrogateWindow);
  }

  private backwardPbp(rows: number): number {
    const L = this.n.length;
    const K = this.timeSteps;
    const n = this.n;
    const { decay, threshold, surrogateWindow, energy, energyWeight } = this.params;
    const s = this.s;
    let ops = 0;
    for (let l = L - 1; l >= 1; l--) {
      const t0 = this.now();
      const b = this.buf[l];
      if (l === L - 1) this.backwardOutput(rows);
      else {
        // δ_{l+1}·W_lᵀ needs W_l transposed (n_{l+1} × nPad_l, zero pads)
        this.f32.fill(0, s.WT / 4, s.WT / 4 + n[l + 1] * this.nPad[l]);
        this.x.transpose(this.wAt[l], n[l], n[l + 1], s.WT, this.nPad[l] * 4);
        let energyRow = 0;
        if (energy) {
          const e = Math.fround(energyWeight / (K * (L - 2) * rows * n[l]));
          this.f32.fill(0, s.energy / 4, s.energy / 4 + this.nPad[l]);
          this.f32.fill(e, s.energy / 4, s.energy / 4 + n[l]);
          energyRow = s.energy;
        }
        this.x.backwardLayer(rows, K, n[l], b.V, b.SG, b.GZ, 0, this.buf[l + 1].GZ, n[l + 1], s.WT, energyRow, s.ext, s.gNext, s.bias, this.gradBAt[l - 1], decay, threshold, surrogateWindow);
        ops += K * rows * n[l + 1] * n[l];
      }
      this.tick('backward', t0);
      const t1 = this.now();
      // ∂L/∂W_{l−1}[i, :] = Σ over the spikes (r, t) of neuron i of δ_l[r·K + t]
      const pre = this.buf[l - 1];
      const rowBytes = this.nPad[l] * 4;
      this.resetStats();
      if (this.scatter[l - 1]) {
        this.x.scatterRows(s.acc, n[l - 1], n[l], pre.csrPtr, pre.csrIdx, rows, K, b.GZ, 0, s.stats);
        this.x.scatterFinish(s.acc, n[l - 1], n[l], K, 0, this.gradWAt[l - 1], 0, 0);
      } else {
        this.setSources(b.GZ, rowBytes);
        this.x.gatherRows(this.gradWAt[l - 1], n[l - 1], n[l], pre.keyPtr, pre.entries, K, s.srcTable, K * rowBytes, 0, s.stats);
      }
      ops += this.statsView[0] * n[l];
      this.tick('weightGradients', t1);
    }
    return ops;
  }

  private backwardSbp(rows: number): number {
    const L = this.n.length;
    const K = this.timeSteps;
    const n = this.n;
    const nOut = n[L - 1];
    const { threshold, hebbianWeight, sbpInput, freezeOutputBiasInSbp } = this.params;
    const s = this.s;
    const x = this.x;
    let ops = 0;
    let t0 = this.now();
    this.backwardOutput(rows);
    if (freezeOutputBiasInSbp) this.gradViews[2 * (L - 1) - 1].fill(0);
    for (let l = 1; l <= L - 2; l++) this.gradViews[L - 1 + l - 1].fill(0); // hidden biases: no gradient
    this.tick('backward', t0);
    t0 = this.now();
    // output weights: per-step gradient G^t, its spread strength sp^t (K rows of nPad) for layer L−2
    const top = this.buf[L - 2];
    const outBytes = this.nPad[L - 1] * 4;
    this.resetStats();
    if (this.scatter[L - 2]) {
      x.scatterRows(s.acc, n[L - 2], nOut, top.csrPtr, top.csrIdx, rows, K, this.buf[L - 1].GZ, 1, s.stats);
      x.scatterFinish(s.acc, n[L - 2], nOut, K, 1, this.gradWAt[L - 2], top.sp, this.nPad[L - 2]);
    } else {
      this.setSources(this.buf[L - 1].GZ, outBytes);
      x.gatherSegments(this.gradWAt[L - 2], n[L - 2], nOut, top.keyPtr, top.entries, K, s.srcTable, K * outBytes, 0, top.sp, this.nPad[L - 2], 0, s.stats);
    }
    ops += this.statsView[0] * nOut;
    x.scaleArray(top.sp, K * this.nPad[L - 2], 0.01 / (n[L - 2] * nOut));
    this.tick('weightGradients', t0);

    t0 = this.now();
    const spTotal = this.f32.subarray(s.spTotal / 4, s.spTotal / 4 + Math.max(...this.nPad));
    const hebbOn = hebbianWeight > 0 && this.hebbSteps.length > 0;
    const hebbT = this.hebbSteps.map((h) => h.t);
    for (let k = L - 3; k >= 0; k--) {
      const post = this.buf[k + 1];
      const pre = this.buf[k];
      const nPre = n[k];
      const nn = n[k + 1];
      const nP = this.nPad[k + 1];
      const rowBytes = nP * 4;
      const below = k > 0; // a layer below needs the per-step gradient's spread strength
      // Σ_t sp^t, in step order as smlp.ts sums it
      spTotal.fill(0);
      for (let t = 0; t < K; t++) for (let j = 0; j < nn; j++) spTotal[j] = Math.fround(spTotal[j] + this.f32[post.sp / 4 + t * nP + j]);
      // M = E·R_kᵀ (rows × n_{k+1})
      this.f32.fill(0, s.RT / 4, s.RT / 4 + nOut * nP);
      x.transpose(this.rAt[k], nn, nOut, s.RT, rowBytes);
      x.rowsTimesTransposed(rows, s.E, this.nPad[L - 1] * 4, nOut, s.RT, nn, s.M);
      ops += rows * nOut * nn;
      const P = post.GZ; // free in an SBP batch: the hidden layers are not differentiated
      // the Hebbian factor rows hebb·c_t (× Σ sp unless the columns are scaled by it afterwards)
      const hebbRow = (slot: number, coef: number, withTotal: boolean): number => {
        const at = s.hebb + slot * Math.max(...this.nPad) * 4;
        const v = this.f32.subarray(at / 4, at / 4 + nP).fill(0);
        const c = Math.fround(hebbianWeight * coef);
        for (let j = 0; j < nn; j++) v[j] = withTotal ? Math.fround(c * spTotal[j]) : c;
        return at;
      };
      const gradW = this.gradWAt[k];
      if (sbpInput === 'per-step' && !below) {
        // P[r, t] = M[r]⊙sp^t (+ the Hebbian rows), then one event-driven sum over all spikes of layer k
        x.scaledRows(rows, K, nn, s.M, post.sp, 0, K, P);
        ops += rows * K * nn;
        if (hebbOn) {
          this.hebbSteps.forEach((h, slot) => x.addSpikeRows(rows, K, nn, post.V, h.t, threshold, hebbRow(slot, h.coef, true), 1, P));
          ops += rows * this.hebbSteps.length * nn;
        }
        this.setSources(P, rowBytes);
        this.resetStats();
        x.gatherRows(gradW, nPre, nn, pre.keyPtr, pre.entries, K, s.srcTable, K * rowBytes, 0, s.stats);
        ops += this.statsView[0] * nn;
      } else if (sbpInput === 'last-step' && !below) {
        // [Σ_{r active at K−1} M[r] + hebb·H]⊙Σ sp: rows at step K−1 (and the Hebbian steps) only
        x.scaledRows(rows, K, nn, s.M, 0, K - 1, K, P);
        const steps = [K - 1];
        if (hebbOn) {
          this.hebbSteps.forEach((h, slot) => x.addSpikeRows(rows, K, nn, post.V, h.t, threshold, hebbRow(slot, h.coef, false), h.t === K - 1 ? 1 : 0, P));
          ops += rows * this.hebbSteps.length * nn;
          for (const t of hebbT) if (!steps.includes(t)) steps.push(t);
        }
        this.setSources(P, rowBytes, steps);
        this.resetStats();
        x.gatherRows(gradW, nPre, nn, pre.keyPtr, pre.entries, K, s.srcTable, K * rowBytes, 0, s.stats);
        ops += this.statsView[0] * nn;
        x.scaleColumns(gradW, nPre, nn, s.spTotal);
        ops += nPre * nn;
      } else {
        // deeper nets: the per-step gradient G_k^t (no Hebbian term) gives sp^t of layer k
        const absStride = this.nPad[k];
        if (sbpInput === 'per-step') {
          this.setSources(s.M, 0);
          const scale = s.scaleTable / 4;
          for (let t = 0; t < K; t++) this.i32[scale + t] = post.sp + t * rowBytes;
          this.resetStats();
          x.gatherSegments(gradW, nPre, nn, pre.keyPtr, pre.entries, K, s.srcTable, rowBytes, s.scaleTable, pre.sp, absStride, 0, s.stats);
          ops += (this.statsView[0] + this.statsView[1]) * nn;
        } else {
          this.setSources(s.M, 0, [K - 1]);
          this.resetStats();
          x.gatherRows(s.LS, nPre, nn, pre.keyPtr, pre.entries, K, s.srcTable, rowBytes, 0, s.stats);
          ops += this.statsView[0] * nn;
          x.lastStepSpread(s.LS, nPre, nn, K, post.sp, s.spTotal, gradW, pre.sp, absStride);
          ops += (K + 1) * nPre * nn;
        }
        x.scaleArray(pre.sp, K * absStride, 0.01 / (nPre * nn));
        if (hebbOn) {
          this.hebbSteps.forEach((h, slot) => x.addSpikeRows(rows, K, nn, post.V, h.t, threshold, hebbRow(slot, h.coef, true), 0, P));
          ops += rows * this.hebbSteps.length * nn;
          this.setSources(P, rowBytes, hebbT);
          this.resetStats();
          x.gatherRows(gradW, nPre, nn, pre.keyPtr, pre.entries, K, s.srcTable, K * rowBytes, 1, s.stats);
          ops += this.statsView[0] * nn;
        }
      }
    }
    this.tick('sbp', t0);
    return ops;
  }
}
