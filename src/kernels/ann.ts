/**
 * The WebAssembly SIMD kernels of the §2 energy ANN (./assembly/ann.ts), one thread: a whole
 * batch — ρ(x)W_0, the free relaxation (N_s iterations), the products of the energy measure, the
 * nudged relaxation (N_w iterations) and the contrastive update of every W_k and b_k — in kernel
 * calls over this instance's memory, no TF.js call, for any number of layers. A model makes one
 * instance when it is built (models/ann/loops-wasm.ts).
 *
 * Every batch copies the parameters in (they stay the caller's arrays: checkpoints restore them
 * in place) and, after an update, the changed ones out: W_0 only in the rows of the inputs that
 * were nonzero in the batch when they are fewer than half, the others whole.
 *
 * Sparse presynaptic paths (`sparse: true`, the default): every product skips the presynaptic
 * entries whose ρ is 0 — the inputs in ρ(x)W_0 and in the W_0 update a_0ρ(x)ᵀ(ρ(s^β_1) − ρ(s⁰_1))
 * (81 % of MNIST pixels, 182 of 189 NETtalk inputs), and the states in the relaxations' products.
 * `sparse: false` is the dense path: the same loops over every entry, in the same order, the
 * reference of the sparse one; the two are bit-identical while the weights are finite (see the
 * assembly's header). Each call adds the MACs it executed to the MAC counter; `denseMacs` is what
 * the same batch costs with dense products (what the TF.js reference executes and counts).
 *
 * Against the reference (models/ann/phases.ts: TF.js products and JS loops in float64 per entry):
 * float32 arithmetic throughout and another summation order, so states and parameters agree to
 * float32 rounding; the biases' update is float64 in the reference's order.
 */
import { macCounter } from '../tensor/index.js';
import { instantiateKernels } from './index.js';

interface AnnExports {
  readonly memory: WebAssembly.Memory;
  unpackWeights(desc: number, L: number): void;
  packWeights(desc: number, L: number): void;
  inputLists(x: number, rows: number, n0: number, sparse: number, rowStart: number, rowIdx: number, rowVal: number, colStart: number, colRow: number, colVal: number, touched: number, outside: number): number;
  inputDrive(desc: number, rows: number, colStart: number, colRow: number, colVal: number, touched: number, nTouched: number): number;
  relax(desc: number, L: number, rows: number, iterations: number, which: number, target: number, beta: number, epsilon: number, sparse: number, pack: number): number;
  upProducts(desc: number, L: number, rows: number, sparse: number): number;
  updateWeights(
    desc: number, L: number, rows: number, sparse: number,
    colStart: number, colRow: number, colVal: number, touched: number, nTouched: number, diff: number,
    listIdx: number, listVal: number, accA: number, accB: number,
  ): number;
  updateBiases(desc: number, L: number, rows: number): void;
  energies(desc: number, L: number, rows: number, rowStart: number, rowVal: number, sparse: number, out: number): void;
}

/** The coefficients of ∂E/∂s_k of one layer (energy.ts's LayerGradientCoefficients). */
export interface AnnKernelCoefficients {
  /** 2 q_k. */
  readonly self: number;
  /** d_k. */
  readonly bias: number;
  /** a_{k−1}. */
  readonly below: number;
  /** a_k (0 for the output). */
  readonly above: number;
}

/** The energy form and the dynamics' settings a batch runs with. */
export interface AnnKernelSettings {
  readonly epsilon: number;
  readonly sleepIterations: number;
  readonly wakeIterations: number;
  /** coefficients[k], k = 1 … L (index 0 unused). */
  readonly coefficients: readonly (AnnKernelCoefficients | undefined)[];
  /** a_k, k = 0 … L−1. */
  readonly interaction: readonly number[];
  /** q_k, k = 0 … L. */
  readonly quadratic: readonly number[];
  /** d_k, k = 0 … L. */
  readonly bias: readonly number[];
  /** α_k, k = 0 … L−1 (b_k uses α_{k−1}). */
  readonly learningRates: readonly number[];
}

export interface AnnKernelBatch {
  /** weights[k] = W_k, n_k × n_{k+1} row-major; updated in place by a training batch. */
  readonly weights: readonly Float32Array[];
  /** biases[k] = b_k (biases[0] empty); updated in place by a training batch. */
  readonly biases: readonly Float32Array[];
  /** The batch's inputs, rows × n_0 (ρ is applied here). */
  readonly x: Float32Array;
  readonly rows: number;
  /** initial[k − 1]: layer k's states, rows × n_k, k = 1 … L (not modified). */
  readonly initial: readonly Float32Array[];
  /** A training batch: the nudged phase on F = E + βC (β signed), then the update. */
  readonly teacher?: { readonly target: Float32Array; readonly beta: number };
  /** Also return the products ρ(s⁰_k)W_k (tests). */
  readonly products?: boolean;
}

export interface AnnKernelResult {
  /** s⁰_k, rows × n_k, k = 1 … L (index k − 1). */
  readonly free: Float32Array[];
  /** s^β_k (training only). */
  readonly nudged?: Float32Array[];
  /** E of every row at s⁰ (before the update), float64: energy.ts's energyPerRow over `up`, bit for bit. */
  readonly energies: Float64Array;
  /** Whether every input lies in [0, 1] (then ρ(x) = x). */
  readonly inputInRange: boolean;
  /** With `products`: up[k] = ρ(s⁰_k)W_k, rows × n_{k+1}, k = 0 … L−1 (k = 0: ρ(x)W_0), before the update. */
  readonly up?: Float32Array[];
  /** MACs executed (also added to the MAC counter). */
  readonly macs: number;
  /** MACs of the same batch with dense products. */
  readonly denseMacs: number;
}

const REC = 128;
const D = { n: 0, p: 4, w: 8, wt: 12, free: 16, nudged: 20, bias: 24, below: 28, above: 32, up: 36, lidx: 40, lval: 44, stage: 48, count: 52, self: 56, cbias: 60, cbelow: 64, cabove: 68, cw: 72, bstep: 80, bd: 88, q: 96, a: 104, constant: 112 } as const;

/** The pitch of a layer's vectors: n rounded up to 4, and to a power of two up to 32 (one column block). */
export function annPitch(n: number): number {
  if (n <= 4) return 4;
  if (n <= 8) return 8;
  if (n <= 16) return 16;
  if (n <= 32) return 32;
  return Math.ceil(n / 4) * 4;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The static buffers of an instance, in bytes, in the order the constructor lays them out. The
 * weights: staged W_k (the JS layout; p_k rows for k ≥ 1, zero beyond n_k, and 16 bytes of slack
 * that the kernels' four-float row copies run into), the padded W_k where p_{k+1} ≠ n_{k+1}
 * (p_k rows for k ≥ 1), W_kᵀ (p_{k+1} × p_k); per layer k ≥ 1: b_k, the two scratch rows, and the
 * list (p_k + 4 entries of index and value).
 */
function staticSizes(layers: readonly number[], p: readonly number[]): { name: string; k: number; bytes: number }[] {
  const L = layers.length - 1;
  const out: { name: string; k: number; bytes: number }[] = [{ name: 'desc', k: 0, bytes: (L + 1) * REC }, { name: 'pack', k: 0, bytes: 256 }];
  for (let k = 0; k <= L; k++) {
    const n = layers[k];
    const rows = k === 0 ? n : p[k];
    if (k < L) {
      const m = layers[k + 1];
      out.push({ name: 'stage', k, bytes: rows * m * 4 + 16 });
      if (p[k + 1] !== m) out.push({ name: 'w', k, bytes: rows * p[k + 1] * 4 });
      if (k >= 1) out.push({ name: 'wt', k, bytes: p[k + 1] * p[k] * 4 });
    }
    if (k >= 1) for (const name of ['bias', 'below', 'above', 'constant']) out.push({ name, k, bytes: p[k] * 4 });
    if (k >= 1) for (const name of ['lidx', 'lval']) out.push({ name, k, bytes: (p[k] + 4) * 4 });
  }
  const widest = Math.max(...p.slice(1));
  out.push({ name: 'accA', k: 0, bytes: widest * 4 }, { name: 'accB', k: 0, bytes: widest * 4 }, { name: 'outside', k: 0, bytes: 4 });
  return out;
}

/** The per-batch buffers for `rows` rows, in bytes, in the order `ensure` lays them out. */
function batchSizes(layers: readonly number[], p: readonly number[], rows: number): { name: string; k: number; bytes: number }[] {
  const L = layers.length - 1;
  const n0 = layers[0];
  const list = rows * n0 * 4 + 16; // a row list is written four entries at a time (slack)
  const out = [
    { name: 'x', k: 0, bytes: rows * n0 * 4 },
    { name: 'target', k: 0, bytes: rows * p[L] * 4 },
    { name: 'rowStart', k: 0, bytes: (rows + 1) * 4 },
    { name: 'rowIdx', k: 0, bytes: list },
    { name: 'rowVal', k: 0, bytes: list },
    { name: 'colStart', k: 0, bytes: (n0 + 1) * 4 },
    { name: 'colRow', k: 0, bytes: list },
    { name: 'colVal', k: 0, bytes: list },
    { name: 'touched', k: 0, bytes: n0 * 4 },
    { name: 'diff', k: 0, bytes: rows * p[1] * 4 },
    { name: 'listIdx', k: 0, bytes: rows * 4 + 16 },
    { name: 'listVal', k: 0, bytes: rows * 4 + 16 },
    { name: 'energies', k: 0, bytes: rows * 8 },
  ];
  for (let k = 1; k <= L; k++) out.push({ name: 'free', k, bytes: rows * p[k] * 4 }, { name: 'nudged', k, bytes: rows * p[k] * 4 });
  for (let k = 0; k < L; k++) out.push({ name: 'up', k, bytes: rows * p[k + 1] * 4 });
  return out;
}

const pitches = (layers: readonly number[]): number[] => layers.map((n, k) => (k === 0 ? n : annPitch(n)));

/** The 16 shuffles that pack the lanes of a 4-bit mask to the left (i8x16.swizzle patterns). */
function packTable(): Uint8Array {
  const table = new Uint8Array(256).fill(0x80);
  for (let mask = 0; mask < 16; mask++) {
    let slot = 0;
    for (let lane = 0; lane < 4; lane++) {
      if (!(mask & (1 << lane))) continue;
      for (let b = 0; b < 4; b++) table[mask * 16 + slot * 4 + b] = lane * 4 + b;
      slot++;
    }
  }
  return table;
}

/** Bytes of kernel memory an instance needs for `layers` and batches of `rows`. */
export function annKernelBytes(layers: readonly number[], rows: number): number {
  const p = pitches(layers);
  return 64 + [...staticSizes(layers, p), ...batchSizes(layers, p, rows)].reduce((sum, b) => sum + align(b.bytes), 0);
}

/** The most kernel memory the loops ask for (a 32-bit WebAssembly memory holds at most 4 GiB). */
export const ANN_KERNEL_MAX_BYTES = 3 * 2 ** 30;

/** MACs of one batch with dense products: what the TF.js reference executes (phases.ts). */
export function annDenseMacs(layers: readonly number[], rows: number, iterations: number, train: boolean): number {
  const L = layers.length - 1;
  let inner = 0; // Σ_{k ≥ 1} n_k n_{k+1}
  for (let k = 1; k < L; k++) inner += layers[k] * layers[k + 1];
  const input = rows * layers[0] * layers[1];
  // ρ(x)W_0 once; 2 products per iteration; the energy's ρ(s_k)W_k; the update: one product for
  // k = 0 (the input is clamped), two for k ≥ 1
  return input + iterations * 2 * rows * inner + rows * inner + (train ? input + 2 * rows * inner : 0);
}

export interface AnnKernelOptions {
  /** Skip the presynaptic entries whose ρ is 0 (default true); false: the dense reference loops. */
  readonly sparse?: boolean;
}

/**
 * A loaded kernel instance for one layer-size list (its own memory). Buffers for the batch rows
 * grow with the largest batch seen.
 */
export class AnnKernels {
  readonly layers: readonly number[];
  readonly sparse: boolean;
  /** When set, `run` adds the seconds of each of its stages here (the bench). */
  stages?: Record<string, number>;
  private readonly exports: AnnExports;
  private readonly L: number;
  private readonly p: number[];
  private readonly desc = 64;
  /** Static buffers (byte offsets). */
  private readonly at: { stage: number[]; w: number[]; wt: number[]; bias: number[]; pack: number; accA: number; accB: number; outside: number; staticEnd: number };
  /** Per-batch buffers for `capacity` rows. */
  private batch?: { capacity: number; x: number; target: number; rowStart: number; rowIdx: number; rowVal: number; colStart: number; colRow: number; colVal: number; touched: number; diff: number; listIdx: number; listVal: number; energies: number; free: number[]; nudged: number[]; up: number[] };

  /** A new instance; throws KernelUnavailableError where the kernels cannot load. */
  constructor(layers: readonly number[], options: AnnKernelOptions = {}) {
    if (layers.length < 3) throw new RangeError(`ann kernels: 3 or more layers expected, got ${layers.length}`);
    this.layers = [...layers];
    this.sparse = options.sparse ?? true;
    this.exports = instantiateKernels<AnnExports>('ann');
    const L = layers.length - 1;
    const p = pitches(layers);
    this.L = L;
    this.p = p;
    const offsets = new Map<string, number>();
    let end = this.desc;
    for (const b of staticSizes(layers, p)) {
      offsets.set(`${b.name}${b.k}`, end);
      end += align(b.bytes);
    }
    const at = (name: string, k: number) => offsets.get(`${name}${k}`) ?? 0;
    const stage = layers.slice(0, L).map((_, k) => at('stage', k));
    const w = stage.map((st, k) => at('w', k) || st);
    const wt = stage.map((_, k) => at('wt', k));
    this.at = { stage, w, wt, bias: layers.map((_, k) => at('bias', k)), pack: at('pack', 0), accA: at('accA', 0), accB: at('accB', 0), outside: at('outside', 0), staticEnd: end };
    this.grow(end);
    new Uint8Array(this.exports.memory.buffer, 0, end).fill(0);
    new Uint8Array(this.exports.memory.buffer, this.at.pack, 256).set(packTable());
    const i32 = this.i32(this.desc, ((L + 1) * REC) / 4);
    for (let k = 0; k <= L; k++) {
      const r = (k * REC) / 4;
      i32[r + D.n / 4] = layers[k];
      i32[r + D.p / 4] = p[k];
      if (k < L) {
        i32[r + D.w / 4] = w[k];
        i32[r + D.wt / 4] = wt[k];
        i32[r + D.stage / 4] = stage[k];
      }
      if (k >= 1) {
        i32[r + D.bias / 4] = at('bias', k);
        i32[r + D.below / 4] = at('below', k);
        i32[r + D.above / 4] = at('above', k);
        i32[r + D.lidx / 4] = at('lidx', k);
        i32[r + D.lval / 4] = at('lval', k);
        i32[r + D.constant / 4] = at('constant', k);
      }
    }
  }

  private grow(end: number): void {
    const memory = this.exports.memory;
    const missing = end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  }

  private f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, offset, length);
  }

  private i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, offset, length);
  }

  /** Lay out the per-batch buffers for `rows` rows (when more than so far). */
  private ensure(rows: number) {
    if (this.batch && this.batch.capacity >= rows) return this.batch;
    const { L, p } = this;
    const offsets = new Map<string, number>();
    let end = this.at.staticEnd;
    for (const b of batchSizes(this.layers, p, rows)) {
      offsets.set(`${b.name}${b.k}`, end);
      end += align(b.bytes);
    }
    const at = (name: string, k = 0) => offsets.get(`${name}${k}`) ?? 0;
    const b = {
      capacity: rows, x: at('x'), target: at('target'), rowStart: at('rowStart'), rowIdx: at('rowIdx'), rowVal: at('rowVal'),
      colStart: at('colStart'), colRow: at('colRow'), colVal: at('colVal'), touched: at('touched'), diff: at('diff'), listIdx: at('listIdx'), listVal: at('listVal'), energies: at('energies'),
      free: this.layers.map((_, k) => at('free', k)), nudged: this.layers.map((_, k) => at('nudged', k)), up: this.layers.slice(0, L).map((_, k) => at('up', k)),
    };
    this.grow(end);
    // zero: the padding of every per-batch vector stays 0 from here on
    new Uint8Array(this.exports.memory.buffer, this.at.staticEnd, end - this.at.staticEnd).fill(0);
    const i32 = this.i32(this.desc, ((L + 1) * REC) / 4);
    for (let k = 0; k <= L; k++) {
      const r = (k * REC) / 4;
      if (k >= 1) {
        i32[r + D.free / 4] = b.free[k];
        i32[r + D.nudged / 4] = b.nudged[k];
      }
      if (k < L) i32[r + D.up / 4] = b.up[k];
    }
    this.batch = b;
    return b;
  }

  /** Rows of n values from a padded rows × p buffer (a fresh array). */
  private readRows(offset: number, rows: number, n: number, p: number): Float32Array {
    const view = this.f32(offset, rows * p);
    if (p === n) return view.slice();
    const out = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[r * n + j] = view[r * p + j];
    return out;
  }

  /** Rows of n values into a padded rows × p buffer (its padding left as it is: 0). */
  private writeRows(offset: number, data: Float32Array, rows: number, n: number, p: number): void {
    const view = this.f32(offset, rows * p);
    if (p === n) view.set(data.subarray(0, rows * n));
    else for (let r = 0; r < rows; r++) view.set(data.subarray(r * n, (r + 1) * n), r * p);
  }

  /**
   * One batch: the free relaxation from `initial`, the energy's products at s⁰ and, with a
   * teacher, the nudged relaxation from s⁰ and the update of `weights` and `biases` in place.
   */
  run(job: AnnKernelBatch, settings: AnnKernelSettings): AnnKernelResult {
    const { L, p, layers, desc } = this;
    const { rows } = job;
    const n0 = layers[0];
    if (rows < 1) throw new RangeError('ann kernels: a batch needs at least one row');
    if (settings.sleepIterations < 1 || (job.teacher && settings.wakeIterations < 1)) throw new RangeError('ann kernels: each relaxation needs at least one iteration');
    if (job.x.length < rows * n0) throw new RangeError(`ann kernels: x has ${job.x.length} values, ${rows}×${n0} expected`);
    for (let k = 0; k < L; k++) {
      if (job.weights[k].length !== layers[k] * layers[k + 1]) throw new RangeError(`ann kernels: W${k + 1} has ${job.weights[k].length} values, ${layers[k]}×${layers[k + 1]} expected`);
    }
    for (let k = 1; k <= L; k++) {
      if (job.biases[k].length !== layers[k]) throw new RangeError(`ann kernels: b${k + 1} has ${job.biases[k].length} values, ${layers[k]} expected`);
      if (job.initial[k - 1].length !== rows * layers[k]) throw new RangeError(`ann kernels: the initial states of layer ${k + 1} have ${job.initial[k - 1].length} values, ${rows}×${layers[k]} expected`);
    }
    if (job.teacher && job.teacher.target.length !== rows * layers[L]) throw new RangeError(`ann kernels: the target has ${job.teacher.target.length} values, ${rows}×${layers[L]} expected`);
    const b = this.ensure(rows);
    const e = this.exports;
    const sparse = this.sparse ? 1 : 0;

    // the form and the steps of this batch
    const buffer = e.memory.buffer;
    const f32 = new Float32Array(buffer, desc, ((L + 1) * REC) / 4);
    const f64 = new Float64Array(buffer, desc, ((L + 1) * REC) / 8);
    const beta = job.teacher?.beta ?? 1;
    for (let k = 0; k <= L; k++) {
      const r = (k * REC) / 4;
      const c = settings.coefficients[k];
      if (k >= 1 && c) {
        f32[r + D.self / 4] = c.self;
        f32[r + D.cbias / 4] = c.bias;
        f32[r + D.cbelow / 4] = c.below;
        f32[r + D.cabove / 4] = c.above;
      }
      if (k < L) f32[r + D.cw / 4] = (settings.learningRates[k] * settings.interaction[k]) / (beta * rows);
      if (k >= 1) f64[(k * REC + D.bstep) / 8] = settings.learningRates[k - 1] / beta;
      f64[(k * REC + D.bd) / 8] = settings.bias[k];
      f64[(k * REC + D.q) / 8] = settings.quadratic[k];
      if (k < L) f64[(k * REC + D.a) / 8] = settings.interaction[k];
    }

    const stages = this.stages;
    let mark = stages ? performance.now() : 0;
    const stage = (name: string) => {
      if (!stages) return;
      const now = performance.now();
      stages[name] = (stages[name] ?? 0) + (now - mark) / 1000;
      mark = now;
    };

    // parameters, inputs and states in
    for (let k = 0; k < L; k++) this.f32(this.at.stage[k], job.weights[k].length).set(job.weights[k]);
    for (let k = 1; k <= L; k++) this.f32(this.at.bias[k], layers[k]).set(job.biases[k]);
    e.unpackWeights(desc, L);
    this.f32(b.x, rows * n0).set(job.x.subarray(0, rows * n0));
    for (let k = 1; k <= L; k++) this.writeRows(b.free[k], job.initial[k - 1], rows, layers[k], p[k]);

    stage('parameters and states in');
    let macs = 0;
    const nTouched = e.inputLists(b.x, rows, n0, sparse, b.rowStart, b.rowIdx, b.rowVal, b.colStart, b.colRow, b.colVal, b.touched, this.at.outside);
    const inputInRange = this.i32(this.at.outside, 1)[0] === 0;
    macs += e.inputDrive(desc, rows, b.colStart, b.colRow, b.colVal, b.touched, nTouched);
    stage('input lists and ρ(x)W₀');
    macs += e.relax(desc, L, rows, settings.sleepIterations, 0, 0, 0, settings.epsilon, sparse, this.at.pack);
    stage('free relaxation');
    macs += e.upProducts(desc, L, rows, sparse);
    e.energies(desc, L, rows, b.rowStart, b.rowVal, sparse, b.energies);
    const energies = new Float64Array(e.memory.buffer, b.energies, rows).slice();
    stage('energy');
    const free: Float32Array[] = [];
    for (let k = 1; k <= L; k++) free.push(this.readRows(b.free[k], rows, layers[k], p[k]));
    let up: Float32Array[] | undefined;
    if (job.products) {
      up = [];
      for (let k = 0; k < L; k++) up.push(this.readRows(b.up[k], rows, layers[k + 1], p[k + 1]));
    }

    let nudged: Float32Array[] | undefined;
    if (job.teacher) {
      const bytes = new Uint8Array(e.memory.buffer);
      for (let k = 1; k <= L; k++) bytes.copyWithin(b.nudged[k], b.free[k], b.free[k] + rows * p[k] * 4);
      this.writeRows(b.target, job.teacher.target, rows, layers[L], p[L]);
      stage('states out');
      macs += e.relax(desc, L, rows, settings.wakeIterations, 1, b.target, job.teacher.beta, settings.epsilon, sparse, this.at.pack);
      stage('nudged relaxation');
      nudged = [];
      for (let k = 1; k <= L; k++) nudged.push(this.readRows(b.nudged[k], rows, layers[k], p[k]));
      stage('states out');
      macs += e.updateWeights(desc, L, rows, sparse, b.colStart, b.colRow, b.colVal, b.touched, nTouched, b.diff, b.listIdx, b.listVal, this.at.accA, this.at.accB);
      e.updateBiases(desc, L, rows);
      e.packWeights(desc, L);
      stage('update');
      // the changed parameters out: W_0 in its touched rows when they are few
      const n1 = layers[1];
      const w0 = this.f32(this.at.stage[0], n0 * n1);
      if (2 * nTouched < n0) {
        const touched = this.i32(b.touched, nTouched);
        for (let t = 0; t < nTouched; t++) {
          const i = touched[t] * n1;
          job.weights[0].set(w0.subarray(i, i + n1), i);
        }
      } else job.weights[0].set(w0);
      for (let k = 1; k < L; k++) job.weights[k].set(this.f32(this.at.stage[k], job.weights[k].length));
      for (let k = 1; k <= L; k++) job.biases[k].set(this.f32(this.at.bias[k], layers[k]));
      stage('parameters out');
    } else stage('states out');
    macCounter.add(macs);
    const iterations = settings.sleepIterations + (job.teacher ? settings.wakeIterations : 0);
    return { free, nudged, energies, inputInRange, up, macs, denseMacs: annDenseMacs(layers, rows, iterations, job.teacher !== undefined) };
  }
}
