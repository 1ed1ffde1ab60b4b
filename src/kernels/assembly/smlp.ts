// AssemblyScript, not TypeScript: asc compiles this file (see ../smlp.asconfig.json); tsconfig.json excludes it.
/**
 * Fused, event-driven WebAssembly SIMD kernels of the §3 spiking MLP (docs/algorithms.md §3, §3.1):
 * input spikes, the forward over K steps, surrogate-gradient BPTT (pBP), the SBP hidden update
 * and Adam. One thread, f32x4 lanes (Adam: f64x2). ../smlp.ts lays every buffer out once, at
 * creation, and calls these entries; all pointers are byte offsets into this module's memory and
 * nothing here allocates. The TF.js autodiff path (models/smlp/smlp.ts) is the reference.
 *
 * ---------------------------------------------------------------------------------------------
 * Notation. Layers l = 0 … L−1 (0 = input), weights k = 0 … L−2 (W_k: n_k × n_{k+1}, row i =
 * presynaptic neuron i), biases b_l. One sample (row r of the batch), steps t = 0 … K−1, decay d,
 * threshold θ, surrogate half-width w. s_l^t ∈ {0, 1}^{n_l}.
 *
 * Forward (§3):
 *   z_l^t = b_l + s_{l−1}^t W_{l−1} = b_l + Σ_{i : s_{l−1}^t[i] = 1} W_{l−1}[i, :]   (event-driven: rows of
 *           the active presynaptic neurons only, n_l additions each)
 *   σ_l^t = sigmoid(z_l^t),   v_l^t = d·v_l^{t−1}⊙(1 − s_l^{t−1}) + σ_l^t − 0.1,   s_l^t = H(v_l^t − θ)
 *   y = Σ_t s_{L−1}^t / K;   L = mean_{r,o}(y − target)² [+ e/(K(L−2)) Σ_{hidden l} mean_{r,j} Σ_t s_l^t]
 *
 * Backward (BPTT), derived by hand. s_l^t reaches the loss directly (output layer, energy term),
 * through z_{l+1}^t (the layer above, same step) and through the reset term of v_l^{t+1}
 * (∂v^{t+1}/∂s^t = −d·v^t); v_l^t reaches s_l^t (surrogate h^t = 1[|v^t − θ| < w]) and v_l^{t+1}
 * (∂v^{t+1}/∂v^t = d·(1 − s^t)). With g_l^t := ∂L/∂v_l^t (total), δ_l^t := ∂L/∂z_l^t, and
 * g_l^K := 0:
 *   ∂L/∂s_l^t = e_l^t + g_l^{t+1}⊙(−d·v_l^t)
 *       e_{L−1}^t = 2(y − target)/(B·n_out·K)                     (output layer, the same every t)
 *       e_l^t     = δ_{l+1}^t W_lᵀ [+ e/(K(L−2)·B·n_l)]           (hidden layers; energy term)
 *   g_l^t = ∂L/∂s_l^t ⊙ h_l^t + g_l^{t+1}⊙d⊙(1 − s_l^t)
 *   δ_l^t = g_l^t ⊙ σ_l^t(1 − σ_l^t)
 *   ∂L/∂b_l = Σ_{r,t} δ_l^t,   ∂L/∂W_k = Σ_{r,t} (s_k^t)ᵀ δ_{k+1}^t
 * so ∂L/∂W_k[i, :] = Σ over the (r, t) where s_k^t[i] = 1 of δ_{k+1}^t: a sum of rows, only over
 * active presynaptic events: gathered per presynaptic neuron i from the spikes sorted by (i, t)
 * (`buildCsc`, `gatherRows`: the tile of G[i] stays in registers), or, for a narrow post layer
 * (n_{k+1} ≤ 16: the output), scattered from each (r, t) into the rows of its active neurons
 * (`scatterRows`: no sort, the δ row in registers, G in L1).
 * δ_{l+1}^t W_lᵀ is dense (n_{l+1}·n_l MACs per row and step); it is never computed for l = 0
 * (the input), nor in an SBP batch (the hidden layers are not differentiated there). Rows are
 * independent in both passes, so each pass runs sample by sample, time inside: the membrane
 * chain of one row stays in L1 and the weight rows of one image's pixels (≈ 150 of 784) in L2.
 *
 * SBP batch (§3, decisions of §3.1; exactly what models/smlp/smlp.ts computes). The output layer
 * is differentiated as above with the hidden spikes held constant, giving per step
 *   G^t = (s_{L−2}^t)ᵀ δ_{L−1}^t,   sp_{L−2}^t[j] = 0.01·Σ_o |G^t[j, o]| / (n_{L−2}·n_out)
 * (`scatterRows` with one accumulator per step, or `gatherSegments` with absolute sums per
 * (neuron, step) segment), ∂L/∂W_{L−2} = Σ_t G^t. For
 * hidden weight k (post layer k+1), with E = target − y and M = E·R_kᵀ (B × n_{k+1}, dense):
 *   G_k = Σ_t (X_k^t)ᵀ M diag(sp_{k+1}^t) + hebb·H_k diag(Σ_t sp_{k+1}^t)
 *   X_k^t = s_k^t (or s_k^{K−1} for every t: 'last-step'),
 *   H_k = Σ_{t∈{K−1, K−2}} (s_k^t)ᵀ s_{k+1}^t − Σ_{t∈{0, 1}} (s_k^t)ᵀ s_{k+1}^t
 * Row form: G_k[i, :] = Σ_{(r,t): X_k^t[r,i] = 1} P[r, t, :] with
 *   P[r, t, :] = M[r, :]⊙sp^t + hebb·c_t·(Σ_τ sp^τ)⊙s_{k+1}^t[r, :]     (per-step X)
 *   c_t = #{t ∈ {K−1, K−2}} − #{t ∈ {0, 1}} (indices clamped to [0, K−1] as smlp.ts does)
 * so the Hebbian term folds into the rows at the (at most 4) steps where c_t ≠ 0. 'last-step':
 * G_k = [Σ_{r: s_k^{K−1}[r,i]=1} M[r, :] + hebb·H_k] ⊙ Σ_t sp^t. A deeper net needs the per-step
 * gradient G_k^t (without the Hebbian term) for sp_k^t[i] = 0.01·Σ_j |G_k^t[i, j]|/(n_k n_{k+1}):
 * then the segments (i, t) are summed separately (`gatherSegments`, `lastStepSpread`). Hidden
 * biases get zero gradient; the output bias too with freezeOutputBiasInSbp (wrapper).
 *
 * Adam (PyTorch form, models/smlp/network.ts's adamStep): float64 in the same operations and
 * order as the JS loop, stored as float32: bit-identical to it for the same gradients.
 *
 * Input spikes: s_0^t[i] = 1[u < x_i] with u = k·2^−24 (24 random bits) drawn only for x_i > 0
 * (a zero pixel never spikes), from two xoroshiro128+ generators in the two i64 lanes of a v128
 * (seeded by splitmix64 from the caller's four 32-bit words): one step gives four u's. Draw order:
 * row r, then step t, then the row's nonzero pixels in increasing index.
 *
 * sigmoid(z) = 1/(1 + e^−z) with e^x by Cephes-style range reduction: x = n·ln2 + r (ln 2 in two
 * parts, |r| ≤ ln2/2), e^r = 1 + r + r²·P(r) with Cephes' degree-5 expf polynomial, scaled by
 * 2^n through the exponent bits; −z clamped to [−87, 88]. Measured against float64 (2·10⁶ points;
 * test/kernels/smlp.test.ts checks 4·10⁵): relative error < 1.5e−7 (≤ 2.5 float32 ulps of the exact value)
 * for z ≥ −87; below −88 it returns sigmoid(−88) ≈ 6e−39 (the current is −0.1 either way).
 *
 * Memory layout of per-step buffers (the wrapper's): row p = r·K + t, nPad = ⌈n/4⌉·4 floats per
 * row, pads zero (the tail lanes of v and σ′ are masked to 0). Weights and biases are the
 * public, unpadded arrays: a tile may read up to 128 bytes past a row (the wrapper pads every
 * buffer), those lanes are never stored. CSR lists (per p, the active neurons), CSC lists (per
 * key i·K + t, the rows r), both int32.
 *
 * Throughput (V8 on x64, 16 xmm registers, no load folding into SIMD ops): a sum of rows keeps 7
 * f32x4 accumulators in registers (8 spill one to the stack), so one active row costs one index
 * load and 7 load + add pairs per 28 columns; vector constants are loaded from static memory
 * (CONSTS) because V8 rebuilds a v128.const with three instructions at each use in a loop.
 */

// ---------------------------------------------------------------- sigmoid on four lanes

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 = LN2_HI + LN2_LO; n·LN2_HI is exact for |n| < 2^15
const LN2_LO: f32 = -2.12194440e-4;
const ROUND_MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits

/**
 * The vector constants, four lanes each, in static memory: V8 materialises a v128.const with three
 * instructions at every use inside a loop, a load from here is one.
 */
const CONSTS: usize = memory.data<f32>([
  1.0, 1.0, 1.0, 1.0, // 0: 1
  0.1, 0.1, 0.1, 0.1, // 16: 0.1
  LOG2E, LOG2E, LOG2E, LOG2E, // 32
  ROUND_MAGIC, ROUND_MAGIC, ROUND_MAGIC, ROUND_MAGIC, // 48
  LN2_HI, LN2_HI, LN2_HI, LN2_HI, // 64
  LN2_LO, LN2_LO, LN2_LO, LN2_LO, // 80
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // 96: Cephes expf P
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // 112
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // 128
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // 144
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // 160
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // 176
  88.0, 88.0, 88.0, 88.0, // 192: the clamp of −z
  -87.0, -87.0, -87.0, -87.0, // 208
], 16);
/** ROUND_MAGIC's bits minus 127 (integer lanes): (t − this) << 23 is 2^n's float32. */
const EXP_BIAS: usize = memory.data<i32>([0x4b400000 - 127, 0x4b400000 - 127, 0x4b400000 - 127, 0x4b400000 - 127], 16);

/**
 * Lane compaction: for a 4-bit mask b (bit l = lane l selected), the i8x16.swizzle pattern that
 * moves the selected int32 lanes to the front, in order (the rest zero).
 */
const COMPACT: usize = memory.data<u8>([
  128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, // 0000,
  0, 1, 2, 3, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, // 0001,
  4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, // 0010,
  0, 1, 2, 3, 4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, // 0011,
  8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, // 0100,
  0, 1, 2, 3, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, // 0101,
  4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, // 0110,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, // 0111,
  12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, // 1000,
  0, 1, 2, 3, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, // 1001,
  4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, // 1010,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, // 1011,
  8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, // 1100,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, // 1101,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, // 1110,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 1111
], 16);
/** 0, 1, 2, 3 as int32 lanes. */
const IOTA: usize = memory.data<i32>([0, 1, 2, 3], 16);

/**
 * Appends the lanes of idx (int32) selected by the 4-bit mask `bits` at out, in lane order; returns
 * the new end. Writes 16 bytes whatever the count (the buffers have slack).
 */
// @ts-ignore: decorator
@inline function appendLanes(out: usize, idx: v128, bits: i32): usize {
  v128.store(out, i8x16.swizzle(idx, v128.load(COMPACT + (<usize>bits << 4))));
  return out + (<usize>popcnt(bits) << 2);
}

// @ts-ignore: decorator
@inline function C4(offset: usize): v128 {
  return v128.load(CONSTS + offset);
}

/** e^x on four lanes for x in [−87, 88] (the caller clamps): 2^n·e^r, e^r = 1 + r + r²P(r). */
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  const t = f32x4.add(f32x4.mul(x, C4(32)), C4(48));
  const n = f32x4.sub(t, C4(48)); // round(x·log2 e), exact
  let r = f32x4.sub(x, f32x4.mul(n, C4(64)));
  r = f32x4.sub(r, f32x4.mul(n, C4(80)));
  let p = f32x4.add(f32x4.mul(C4(96), r), C4(112));
  p = f32x4.add(f32x4.mul(p, r), C4(128));
  p = f32x4.add(f32x4.mul(p, r), C4(144));
  p = f32x4.add(f32x4.mul(p, r), C4(160));
  p = f32x4.add(f32x4.mul(p, r), C4(176));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), C4(0));
  // 2^n from the integer in t's mantissa: ((n + 127) << 23) as a float32, n in [−126, 127]
  const scale = i32x4.shl(i32x4.sub(t, v128.load(EXP_BIAS)), 23);
  return f32x4.mul(er, scale);
}

/** sigmoid(z) = 1/(1 + e^−z), −z clamped to [−87, 88] (sigmoid is 1 resp. ≈ 6e−39 beyond). */
// @ts-ignore: decorator
@inline function sigmoid4(z: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(f32x4.neg(z), C4(192)), C4(208)); // (pmin/pmax: one instruction each)
  return f32x4.div(C4(0), f32x4.add(C4(0), exp4(x)));
}

/** dst[i] = sigmoid(src[i]), float32, i < count (for the tests of the error bound). */
export function sigmoidArray(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dst + o, sigmoid4(v128.load32_zero(src + o)), 0);
  }
}

/** The first heap byte (after static data): the wrapper lays its buffers out from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** All-ones in the lanes < n − 4·(nv − 1) of the last vector of a row of n, else all-ones. */
// @ts-ignore: decorator
@inline function tailMask(n: i32): v128 {
  const rem = n & 3;
  return rem == 0 ? i32x4.splat(-1) : i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem));
}

/** Horizontal sum of four lanes. */
// @ts-ignore: decorator
@inline function hsum(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

/**
 * Vector j of a row of n floats (unpadded, as a public weight matrix): x stored (or added with
 * `add`) in the lanes < n only.
 */
// @ts-ignore: decorator
@inline function storeVec(row: usize, j: i32, x: v128, n: i32, add: i32): void {
  const at = row + (<usize>j << 4);
  const valid = n - (j << 2);
  if (valid >= 4) {
    v128.store(at, add ? f32x4.add(v128.load(at), x) : x);
  } else if (valid > 0) {
    store<f32>(at, (add ? load<f32>(at) : 0) + f32x4.extract_lane(x, 0));
    if (valid > 1) store<f32>(at, (add ? load<f32>(at, 4) : 0) + f32x4.extract_lane(x, 1), 4);
    if (valid > 2) store<f32>(at, (add ? load<f32>(at, 8) : 0) + f32x4.extract_lane(x, 2), 8);
  }
}

// ---------------------------------------------------------------- input spikes

/** splitmix64's output function of a state word. */
function splitmix(x: u64): u64 {
  let z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/**
 * Input spikes of `rows` rows of x (rows × n0 float32), K steps: s_0^t[r, i] = 1[u < x[r, i]],
 * u = (32-bit word >>> 8)·2^−24, drawn only for x > 0, four pixels per generator step. Writes the
 * CSR lists csrPtr[p] (p = r·K + t, rows·K + 1 int32) and csrIdx (the active pixels, increasing).
 * nzIdx / nzVal: scratch for one row's nonzero pixels (⌈n0/4⌉·4 + 4 entries each). Returns the
 * number of spikes.
 */
export function inputSpikes(
  x: usize, rows: i32, n0: i32, K: i32,
  w0: u32, w1: u32, w2: u32, w3: u32,
  nzIdx: usize, nzVal: usize, csrPtr: usize, csrIdx: usize,
): f64 {
  // the two generators' states (lane 0: A, lane 1: B): four consecutive splitmix64 outputs of a
  // state made of the four words
  const GOLDEN: u64 = 0x9e3779b97f4a7c15;
  let z: u64 = splitmix((((<u64>w0) << 32) | <u64>w1) + GOLDEN) ^ (((<u64>w2) << 32) | <u64>w3);
  let a0 = splitmix((z += GOLDEN));
  const a1 = splitmix((z += GOLDEN));
  let b0 = splitmix((z += GOLDEN));
  const b1 = splitmix((z += GOLDEN));
  if ((a0 | a1) == 0) a0 = 1;
  if ((b0 | b1) == 0) b0 = 1;
  let s0 = i64x2.replace_lane(i64x2.splat(<i64>a0), 1, <i64>b0);
  let s1 = i64x2.replace_lane(i64x2.splat(<i64>a1), 1, <i64>b1);
  const scale = f32x4.splat(5.9604644775390625e-8); // 2^−24
  let out = csrIdx;
  for (let r = 0; r < rows; r++) {
    // the row's nonzero pixels, zero-padded to a multiple of 4 (a zero value never spikes)
    const row = x + ((<usize>r * <usize>n0) << 2);
    let count = 0;
    for (let i = 0; i < n0; i++) {
      const xi = load<f32>(row + (<usize>i << 2));
      if (xi > 0) {
        store<i32>(nzIdx + (<usize>count << 2), i);
        store<f32>(nzVal + (<usize>count << 2), xi);
        count++;
      }
    }
    const padded = (count + 3) & ~3;
    for (let i = count; i < padded; i++) store<f32>(nzVal + (<usize>i << 2), 0);
    for (let t = 0; t < K; t++) {
      store<i32>(csrPtr + ((<usize>(r * K + t)) << 2), <i32>((out - csrIdx) >> 2));
      for (let o = 0; o < padded; o += 4) {
        const at = <usize>o << 2;
        // one xoroshiro128+ step (a, b, c = 24, 16, 37) of both generators: 4 × 32 random bits
        const bits128 = i64x2.add(s0, s1);
        const x1 = v128.xor(s1, s0);
        s0 = v128.xor(v128.xor(v128.or(i64x2.shl(s0, 24), i64x2.shr_u(s0, 40)), x1), i64x2.shl(x1, 16));
        s1 = v128.or(i64x2.shl(x1, 37), i64x2.shr_u(x1, 27));
        const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(bits128, 8)), scale);
        out = appendLanes(out, v128.load(nzIdx + at), i32x4.bitmask(f32x4.lt(u, v128.load(nzVal + at))));
      }
    }
  }
  const total = <i32>((out - csrIdx) >> 2);
  store<i32>(csrPtr + ((<usize>(rows * K)) << 2), total);
  return <f64>total;
}

// ---------------------------------------------------------------- sums of rows (tiles)

/**
 * dst[0..28) = init[0..28) + Σ_e base[idx_e·stride + 0..28): seven f32x4 accumulators over the
 * active rows (idx: int32 from e to end, byte pointers); init = 0 starts from zero. Seven, not
 * eight: with eight, V8 keeps one accumulator on the stack (16 xmm registers, loads not folded),
 * a store-to-load chain through memory in every iteration.
 */
// @ts-ignore: decorator
@inline function rowsSum7(dst: usize, init: usize, base: usize, stride: usize, e: usize, end: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0);
  if (init) {
    a0 = v128.load(init, 0);
    a1 = v128.load(init, 16);
    a2 = v128.load(init, 32);
    a3 = v128.load(init, 48);
    a4 = v128.load(init, 64);
    a5 = v128.load(init, 80);
    a6 = v128.load(init, 96);
  }
  for (; e < end; e += 4) {
    const row = base + <usize>load<i32>(e) * stride;
    a0 = f32x4.add(a0, v128.load(row, 0));
    a1 = f32x4.add(a1, v128.load(row, 16));
    a2 = f32x4.add(a2, v128.load(row, 32));
    a3 = f32x4.add(a3, v128.load(row, 48));
    a4 = f32x4.add(a4, v128.load(row, 64));
    a5 = f32x4.add(a5, v128.load(row, 80));
    a6 = f32x4.add(a6, v128.load(row, 96));
  }
  v128.store(dst, a0, 0);
  v128.store(dst, a1, 16);
  v128.store(dst, a2, 32);
  v128.store(dst, a3, 48);
  v128.store(dst, a4, 64);
  v128.store(dst, a5, 80);
  v128.store(dst, a6, 96);
}

/** The same with four accumulators (16 floats). */
// @ts-ignore: decorator
@inline function rowsSum4(dst: usize, init: usize, base: usize, stride: usize, e: usize, end: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  if (init) {
    a0 = v128.load(init); a1 = v128.load(init, 16); a2 = v128.load(init, 32); a3 = v128.load(init, 48);
  }
  for (; e < end; e += 4) {
    const row = base + <usize>load<i32>(e) * stride;
    a0 = f32x4.add(a0, v128.load(row));
    a1 = f32x4.add(a1, v128.load(row, 16));
    a2 = f32x4.add(a2, v128.load(row, 32));
    a3 = f32x4.add(a3, v128.load(row, 48));
  }
  v128.store(dst, a0); v128.store(dst, a1, 16); v128.store(dst, a2, 32); v128.store(dst, a3, 48);
}

/**
 * dst (nv vectors, padded scratch) = init + Σ_{e} base[idx_e·stride + ·]: tiles of 7 vectors
 * (the last one may run past nv: dst is padded), 4 for a remainder of at most 4.
 */
function rowsSum(dst: usize, init: usize, base: usize, stride: usize, e: usize, end: usize, nv: i32): void {
  let c = 0;
  for (; nv - c > 4; c += 7) {
    const o = <usize>c << 4;
    rowsSum7(dst + o, init ? init + o : 0, base + o, stride, e, end);
  }
  if (c < nv) {
    const o = <usize>c << 4;
    rowsSum4(dst + o, init ? init + o : 0, base + o, stride, e, end);
  }
}

/** dst[0..24) = Σ_{j < nIn} x[j]·T[j·stride + 0..24) (a dense row times a transposed matrix; six accumulators). */
// @ts-ignore: decorator
@inline function rowTimes6(dst: usize, x: usize, nIn: i32, T: usize, stride: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  let row = T;
  for (let j = 0; j < nIn; j++, row += stride) {
    const xs = v128.load32_splat(x + (<usize>j << 2));
    a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(row, 0)));
    a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(row, 16)));
    a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(row, 32)));
    a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(row, 48)));
    a4 = f32x4.add(a4, f32x4.mul(xs, v128.load(row, 64)));
    a5 = f32x4.add(a5, f32x4.mul(xs, v128.load(row, 80)));
  }
  v128.store(dst, a0, 0);
  v128.store(dst, a1, 16);
  v128.store(dst, a2, 32);
  v128.store(dst, a3, 48);
  v128.store(dst, a4, 64);
  v128.store(dst, a5, 80);
}

// @ts-ignore: decorator
@inline function rowTimes4(dst: usize, x: usize, nIn: i32, T: usize, stride: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let row = T;
  for (let j = 0; j < nIn; j++, row += stride) {
    const xs = v128.load32_splat(x + (<usize>j << 2));
    a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(row)));
    a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(row, 16)));
    a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(row, 32)));
    a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(row, 48)));
  }
  v128.store(dst, a0); v128.store(dst, a1, 16); v128.store(dst, a2, 32); v128.store(dst, a3, 48);
}

/** dst (nv vectors, padded) = x (nIn floats) · T (nIn rows of `stride` bytes, zero-padded). */
function rowTimes(dst: usize, x: usize, nIn: i32, T: usize, stride: usize, nv: i32): void {
  let c = 0;
  for (; nv - c > 4; c += 6) rowTimes6(dst + (<usize>c << 4), x, nIn, T + (<usize>c << 4), stride);
  if (c < nv) rowTimes4(dst + (<usize>c << 4), x, nIn, T + (<usize>c << 4), stride);
}

/**
 * out[r] = x[r] · T for r < rows (out and x: rows of outStride / xStride bytes; T: nIn × nPad
 * transposed and zero-padded): M = E·R_kᵀ of SBP (rows·nIn·n MACs).
 */
export function rowsTimesTransposed(rows: i32, x: usize, xStride: usize, nIn: i32, T: usize, n: i32, out: usize): void {
  const nv = (n + 3) >> 2;
  const stride = <usize>nv << 4;
  for (let r = 0; r < rows; r++) rowTimes(out + <usize>r * stride, x + <usize>r * xStride, nIn, T, stride, nv);
}

// ---------------------------------------------------------------- forward

/**
 * One layer l (n neurons) over all rows and K steps, sample by sample, time inside:
 *   z = b + Σ_{i ∈ CSR_in[p]} W[i, :]       (W: n_{l−1} × n row-major, the public array)
 *   σ = sigmoid(z);  v = (v_prev·d)·(1 − s_prev) + (σ − 0.1);  s = v > θ
 * Stores v (V) and σ(1 − σ) (SG), rows p = r·K + t of ⌈n/4⌉·4 floats, tail lanes 0. With outIdx
 * ≠ 0 appends this layer's active neurons (CSR outPtr/outIdx, the next layer's input); with
 * counts ≠ 0 (the output layer) adds the spikes into counts (rows × nPad float32, zeroed here).
 * zrow: a padded scratch row. Returns the number of spikes.
 */
export function forwardLayer(
  rows: i32, K: i32, n: i32,
  inPtr: usize, inIdx: usize, W: usize, b: usize,
  V: usize, SG: usize, outPtr: usize, outIdx: usize, counts: usize, zrow: usize,
  decay: f32, theta: f32,
): f64 {
  const nv = (n + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  const stride = <usize>n << 2;
  const last = nv - 1;
  const mask = tailMask(n);
  const d = f32x4.splat(decay);
  const th = f32x4.splat(theta);
  let out = outIdx;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const countRow = counts + <usize>r * rowBytes;
    if (counts) for (let j = 0; j < nv; j++) v128.store(countRow + (<usize>j << 4), f32x4.splat(0));
    for (let t = 0; t < K; t++) {
      const p = r * K + t;
      const e0 = inIdx + (<usize>load<i32>(inPtr + (<usize>p << 2)) << 2);
      const e1 = inIdx + (<usize>load<i32>(inPtr + (<usize>p << 2), 4) << 2);
      // z = b + the rows of W of the active presynaptic neurons
      rowsSum(zrow, b, W, stride, e0, e1, nv);
      const vRow = V + <usize>p * rowBytes;
      const sgRow = SG + <usize>p * rowBytes;
      if (outIdx) store<i32>(outPtr + (<usize>p << 2), <i32>((out - outIdx) >> 2));
      for (let j = 0; j < nv; j++) {
        const o = <usize>j << 4;
        const sig = sigmoid4(v128.load(zrow + o));
        const current = f32x4.sub(sig, C4(16));
        let v = current;
        if (t > 0) {
          // leak of the previous step: (v·d)·(1 − s), s = v > θ
          const vp = v128.load(vRow - rowBytes + o);
          v = f32x4.add(f32x4.mul(f32x4.mul(vp, d), v128.andnot(C4(0), f32x4.gt(vp, th))), current);
        }
        let sg = f32x4.mul(sig, f32x4.sub(C4(0), sig));
        let spike = f32x4.gt(v, th);
        if (j == last) {
          v = v128.and(v, mask);
          sg = v128.and(sg, mask);
          spike = v128.and(spike, mask);
        }
        v128.store(vRow + o, v);
        v128.store(sgRow + o, sg);
        const bits = i32x4.bitmask(spike);
        total += popcnt(bits);
        if (outIdx) out = appendLanes(out, i32x4.add(i32x4.splat(j << 2), v128.load(IOTA)), bits);
        if (counts) v128.store(countRow + o, f32x4.add(v128.load(countRow + o), v128.and(spike, C4(0))));
      }
    }
  }
  if (outIdx) store<i32>(outPtr + ((<usize>(rows * K)) << 2), <i32>((out - outIdx) >> 2));
  return <f64>total;
}

/**
 * The output: y = counts/K (rows × nOut, unpadded), ∂L/∂s of every step dOut = scale·(y − target)
 * (scale = 2/(rows·n_out·K)) and E = target − y (both rows × nPad, pads 0). Returns Σ (y − target)².
 */
export function outputs(rows: i32, nOut: i32, K: i32, counts: usize, target: usize, scale: f32, Y: usize, dOut: usize, E: usize): f64 {
  const nPad = (nOut + 3) & ~3;
  const k = <f32>K;
  let sq: f64 = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < nPad; j++) {
      const at = (<usize>(r * nPad + j)) << 2;
      if (j < nOut) {
        const y = load<f32>(counts + at) / k;
        const diff = y - load<f32>(target + ((<usize>(r * nOut + j)) << 2));
        store<f32>(Y + ((<usize>(r * nOut + j)) << 2), y);
        store<f32>(dOut + at, scale * diff);
        store<f32>(E + at, -diff);
        sq += <f64>diff * <f64>diff;
      } else {
        store<f32>(dOut + at, 0);
        store<f32>(E + at, 0);
      }
    }
  }
  return sq;
}

// ---------------------------------------------------------------- sparse structure

/**
 * The spikes of a layer (CSR per p = r·K + t) sorted by key i·K + t (counting sort): keyPtr
 * (n·K + 1 int32: the entries of key q are [keyPtr[q], keyPtr[q+1])) and entries = the rows r,
 * increasing within a key. O(spikes + n·K).
 */
export function buildCsc(rows: i32, K: i32, n: i32, csrPtr: usize, csrIdx: usize, keyPtr: usize, entries: usize): void {
  const keys = n * K;
  for (let q = 0; q <= keys; q++) store<i32>(keyPtr + (<usize>q << 2), 0);
  const total = rows * K;
  for (let p = 0; p < total; p++) {
    const t = p % K;
    const e1 = load<i32>(csrPtr + (<usize>p << 2), 4);
    for (let e = load<i32>(csrPtr + (<usize>p << 2)); e < e1; e++) {
      const at = keyPtr + ((<usize>(load<i32>(csrIdx + (<usize>e << 2)) * K + t + 1)) << 2);
      store<i32>(at, load<i32>(at) + 1);
    }
  }
  for (let q = 1; q <= keys; q++) {
    const at = keyPtr + (<usize>q << 2);
    store<i32>(at, load<i32>(at) + load<i32>(at - 4));
  }
  // fill, using keyPtr[q] as the cursor of key q (it ends at the start of key q + 1) ...
  for (let p = 0; p < total; p++) {
    const r = p / K;
    const t = p % K;
    const e1 = load<i32>(csrPtr + (<usize>p << 2), 4);
    for (let e = load<i32>(csrPtr + (<usize>p << 2)); e < e1; e++) {
      const at = keyPtr + ((<usize>(load<i32>(csrIdx + (<usize>e << 2)) * K + t)) << 2);
      const c = load<i32>(at);
      store<i32>(entries + (<usize>c << 2), r);
      store<i32>(at, c + 1);
    }
  }
  // ... then shift the cursors back by one key
  for (let q = keys; q > 0; q--) store<i32>(keyPtr + (<usize>q << 2), load<i32>(keyPtr + (<usize>(q - 1) << 2)));
  store<i32>(keyPtr, 0);
}

// ---------------------------------------------------------------- backward

/**
 * BPTT of one layer l (n neurons) over all rows, K steps backwards (module comment):
 *   ∂L/∂s = e + g_next⊙(−d·v);  g = ∂L/∂s⊙h + g_next⊙d⊙(1 − s);  δ = g⊙σ(1 − σ)
 * e: the output layer's dOut (rows × nPad, the same every step), or (hidden) the dense product
 * δ_{l+1}^t·W_lᵀ of the layer above (gzAbove: rows·K × nPadAbove, WT: nAbove × nPad transposed,
 * zero-padded) plus the energy row (nPad, or 0). Writes δ into GZ (rows·K × nPad) and Σ_{r,t} δ
 * into biasGrad (n floats, unpadded). ext, gNext, bias: padded scratch rows.
 */
export function backwardLayer(
  rows: i32, K: i32, n: i32, V: usize, SG: usize, GZ: usize,
  dOut: usize, gzAbove: usize, nAbove: i32, WT: usize, energy: usize,
  ext: usize, gNext: usize, bias: usize, biasGrad: usize,
  decay: f32, theta: f32, window: f32,
): void {
  const nv = (n + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  const aboveBytes = <usize>((nAbove + 3) >> 2) << 4;
  const d = f32x4.splat(decay);
  const negd = f32x4.splat(-decay);
  const th = f32x4.splat(theta);
  const win = f32x4.splat(window);
  for (let j = 0; j < nv; j++) v128.store(bias + (<usize>j << 4), f32x4.splat(0));
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < nv; j++) v128.store(gNext + (<usize>j << 4), f32x4.splat(0));
    for (let t = K - 1; t >= 0; t--) {
      const p = r * K + t;
      let e = ext;
      if (dOut) e = dOut + <usize>r * rowBytes;
      else rowTimes(ext, gzAbove + <usize>p * aboveBytes, nAbove, WT, rowBytes, nv); // δ_{l+1}·W_lᵀ
      const vRow = V + <usize>p * rowBytes;
      const sgRow = SG + <usize>p * rowBytes;
      const gzRow = GZ + <usize>p * rowBytes;
      for (let j = 0; j < nv; j++) {
        const o = <usize>j << 4;
        const v = v128.load(vRow + o);
        const gn = v128.load(gNext + o);
        let ds = v128.load(e + o);
        if (energy) ds = f32x4.add(ds, v128.load(energy + o));
        ds = f32x4.add(ds, f32x4.mul(gn, f32x4.mul(negd, v))); // through the reset of v^{t+1}
        const inside = f32x4.lt(f32x4.abs(f32x4.sub(v, th)), win); // the surrogate rectangle
        const g = f32x4.add(v128.and(ds, inside), f32x4.mul(f32x4.mul(gn, d), v128.andnot(C4(0), f32x4.gt(v, th))));
        const gz = f32x4.mul(g, v128.load(sgRow + o));
        v128.store(gzRow + o, gz);
        v128.store(gNext + o, g);
        v128.store(bias + o, f32x4.add(v128.load(bias + o), gz));
      }
    }
  }
  for (let j = 0; j < nv; j++) storeVec(biasGrad, j, v128.load(bias + (<usize>j << 4)), n, 0);
}

/** dst[j·dstStride + i] = src[i·cols + j] (src: rowsN × cols float32; dst pads untouched). */
export function transpose(src: usize, rowsN: i32, cols: i32, dst: usize, dstStride: usize): void {
  for (let i = 0; i < rowsN; i++) {
    const row = src + ((<usize>(i * cols)) << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * dstStride + (<usize>i << 2), load<f32>(row + (<usize>j << 2)));
  }
}

/**
 * G[i, :] (+)= Σ_t Σ_{r ∈ key (i, t)} src_t[r·srcStride + ·], i < nPre: the event-driven product
 * (s_k)ᵀ·Δ (G: nPre × nPost, unpadded). srcTable: K int32 pointers (0 skips step t), each to the
 * rows of step t. Seven accumulators per tile of 28 columns (four for a remainder ≤ 16, see
 * rowsSum7); the tile stays in registers for the whole list of neuron i. stats[0] += the rows added.
 */
export function gatherRows(
  G: usize, nPre: i32, nPost: i32, keyPtr: usize, entries: usize, K: i32,
  srcTable: usize, srcStride: usize, accumulate: i32, stats: usize,
): void {
  const nv = (nPost + 3) >> 2;
  const gStride = <usize>nPost << 2;
  let added: i64 = 0;
  let c = 0;
  while (c < nv) {
    const wide = nv - c > 4;
    const o = <usize>c << 4;
    for (let i = 0; i < nPre; i++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0);
      const keys = keyPtr + ((<usize>(i * K)) << 2);
      for (let t = 0; t < K; t++) {
        const src = <usize>load<u32>(srcTable + (<usize>t << 2));
        if (!src) continue;
        let e = entries + (<usize>load<i32>(keys + (<usize>t << 2)) << 2);
        const end = entries + (<usize>load<i32>(keys + (<usize>t << 2), 4) << 2);
        if (c == 0) added += <i64>((end - e) >> 2);
        const base = src + o;
        if (wide) {
          for (; e < end; e += 4) {
            const row = base + <usize>load<i32>(e) * srcStride;
            a0 = f32x4.add(a0, v128.load(row, 0));
            a1 = f32x4.add(a1, v128.load(row, 16));
            a2 = f32x4.add(a2, v128.load(row, 32));
            a3 = f32x4.add(a3, v128.load(row, 48));
            a4 = f32x4.add(a4, v128.load(row, 64));
            a5 = f32x4.add(a5, v128.load(row, 80));
            a6 = f32x4.add(a6, v128.load(row, 96));
          }
        } else {
          for (; e < end; e += 4) {
            const row = base + <usize>load<i32>(e) * srcStride;
            a0 = f32x4.add(a0, v128.load(row));
            a1 = f32x4.add(a1, v128.load(row, 16));
            a2 = f32x4.add(a2, v128.load(row, 32));
            a3 = f32x4.add(a3, v128.load(row, 48));
          }
        }
      }
      const gRow = G + <usize>i * gStride;
      storeVec(gRow, c, a0, nPost, accumulate);
      if (c + 1 < nv) storeVec(gRow, c + 1, a1, nPost, accumulate);
      if (c + 2 < nv) storeVec(gRow, c + 2, a2, nPost, accumulate);
      if (c + 3 < nv) storeVec(gRow, c + 3, a3, nPost, accumulate);
      if (wide) {
        if (c + 4 < nv) storeVec(gRow, c + 4, a4, nPost, accumulate);
        if (c + 5 < nv) storeVec(gRow, c + 5, a5, nPost, accumulate);
        if (c + 6 < nv) storeVec(gRow, c + 6, a6, nPost, accumulate);
      }
    }
    c += wide ? 7 : 4;
  }
  store<f64>(stats, load<f64>(stats) + <f64>added);
}

/**
 * The same sum split by step: for each segment (i, t), A = Σ_{r ∈ key (i, t)} src_t[r·srcStride + ·],
 * optionally scaled, A ← A⊙scale_t (scaleTable: K pointers to nPad-float rows, or 0), then
 * absOut[t·absStride + i] += Σ_j |A_j| (absOut ≠ 0: K rows of absStride floats, zeroed here: the
 * per-step gradient's spread strength, unscaled), and G[i, :] (+)= Σ_t A. Four accumulators per
 * tile of 16 columns.
 * stats[0] += rows added, stats[1] += nonempty segments.
 */
export function gatherSegments(
  G: usize, nPre: i32, nPost: i32, keyPtr: usize, entries: usize, K: i32,
  srcTable: usize, srcStride: usize, scaleTable: usize, absOut: usize, absStride: i32, accumulate: i32, stats: usize,
): void {
  const nv = (nPost + 3) >> 2;
  const gStride = <usize>nPost << 2;
  if (absOut) for (let q = 0; q < absStride * K; q++) store<f32>(absOut + (<usize>q << 2), 0);
  let added: i64 = 0;
  let segments: i64 = 0;
  for (let c = 0; c < nv; c += 4) {
    const o = <usize>c << 4;
    const v1 = c + 1 < nv, v2 = c + 2 < nv, v3 = c + 3 < nv;
    for (let i = 0; i < nPre; i++) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      const keys = keyPtr + ((<usize>(i * K)) << 2);
      for (let t = 0; t < K; t++) {
        const src = <usize>load<u32>(srcTable + (<usize>t << 2));
        if (!src) continue;
        let e = entries + (<usize>load<i32>(keys + (<usize>t << 2)) << 2);
        const end = entries + (<usize>load<i32>(keys + (<usize>t << 2), 4) << 2);
        if (e == end) continue;
        if (c == 0) {
          added += <i64>((end - e) >> 2);
          segments++;
        }
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        const base = src + o;
        for (; e < end; e += 4) {
          const row = base + <usize>load<i32>(e) * srcStride;
          a0 = f32x4.add(a0, v128.load(row));
          a1 = f32x4.add(a1, v128.load(row, 16));
          a2 = f32x4.add(a2, v128.load(row, 32));
          a3 = f32x4.add(a3, v128.load(row, 48));
        }
        if (scaleTable) {
          const sc = <usize>load<u32>(scaleTable + (<usize>t << 2)) + o;
          a0 = f32x4.mul(a0, v128.load(sc));
          a1 = f32x4.mul(a1, v128.load(sc, 16));
          a2 = f32x4.mul(a2, v128.load(sc, 32));
          a3 = f32x4.mul(a3, v128.load(sc, 48));
        }
        if (absOut) {
          let s = f32x4.abs(a0);
          if (v1) s = f32x4.add(s, f32x4.abs(a1));
          if (v2) s = f32x4.add(s, f32x4.abs(a2));
          if (v3) s = f32x4.add(s, f32x4.abs(a3));
          const at = absOut + ((<usize>(t * absStride + i)) << 2);
          store<f32>(at, load<f32>(at) + hsum(s));
        }
        s0 = f32x4.add(s0, a0);
        s1 = f32x4.add(s1, a1);
        s2 = f32x4.add(s2, a2);
        s3 = f32x4.add(s3, a3);
      }
      const gRow = G + <usize>i * gStride;
      storeVec(gRow, c, s0, nPost, accumulate);
      if (v1) storeVec(gRow, c + 1, s1, nPost, accumulate);
      if (v2) storeVec(gRow, c + 2, s2, nPost, accumulate);
      if (v3) storeVec(gRow, c + 3, s3, nPost, accumulate);
    }
  }
  store<f64>(stats, load<f64>(stats) + <f64>added);
  store<f64>(stats, load<f64>(stats, 8) + <f64>segments, 8);
}

/**
 * The event-driven weight gradient of a narrow post layer (nPost ≤ 16: the output), without the
 * (i, t) sort: for each row p = r·K + t of the presynaptic CSR, the source row δ[p] (≤ 4 vectors,
 * kept in registers) is added into the accumulator row of every active neuron j:
 *   acc[j, :] += δ[p, :]      (perStep = 0: one accumulator; 1: one per step, acc + t·nPre·nPad)
 * acc: nPre × nPad floats (× K with perStep), zeroed here, L1/L2-resident. scatterFinish then
 * writes G and the per-step spread strengths. stats[0] += the rows added.
 */
export function scatterRows(acc: usize, nPre: i32, nPost: i32, csrPtr: usize, csrIdx: usize, rows: i32, K: i32, src: usize, perStep: i32, stats: usize): void {
  const nv = (nPost + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  const stepBytes = <usize>nPre * rowBytes;
  const total = perStep ? <usize>K * stepBytes : stepBytes;
  for (let o: usize = 0; o < total; o += 16) v128.store(acc + o, f32x4.splat(0));
  const P = rows * K;
  for (let p = 0; p < P; p++) {
    const from = src + <usize>p * rowBytes;
    const a0 = v128.load(from);
    const a1 = v128.load(from, 16);
    const a2 = v128.load(from, 32);
    const a3 = v128.load(from, 48);
    const base = perStep ? acc + <usize>(p % K) * stepBytes : acc;
    let e = csrIdx + (<usize>load<i32>(csrPtr + (<usize>p << 2)) << 2);
    const end = csrIdx + (<usize>load<i32>(csrPtr + (<usize>p << 2), 4) << 2);
    for (; e < end; e += 4) {
      const row = base + <usize>load<i32>(e) * rowBytes;
      v128.store(row, f32x4.add(v128.load(row), a0));
      if (nv > 1) v128.store(row, f32x4.add(v128.load(row, 16), a1), 16);
      if (nv > 2) v128.store(row, f32x4.add(v128.load(row, 32), a2), 32);
      if (nv > 3) v128.store(row, f32x4.add(v128.load(row, 48), a3), 48);
    }
  }
  store<f64>(stats, load<f64>(stats) + <f64>load<i32>(csrPtr + (<usize>P << 2)));
}

/**
 * G (nPre × nPost, unpadded) from scatterRows' accumulators: G = acc, or (perStep) G = Σ_t acc_t
 * with absOut[t·absStride + j] = Σ_o |acc_t[j, o]| (the per-step gradient's spread strength,
 * unscaled; the accumulators' pad lanes are zero).
 */
export function scatterFinish(acc: usize, nPre: i32, nPost: i32, K: i32, perStep: i32, G: usize, absOut: usize, absStride: i32): void {
  const nv = (nPost + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  const stepBytes = <usize>nPre * rowBytes;
  const gStride = <usize>nPost << 2;
  for (let j = 0; j < nPre; j++) {
    const row = acc + <usize>j * rowBytes;
    for (let v = 0; v < nv; v++) {
      const o = <usize>v << 4;
      let sum = v128.load(row + o);
      if (perStep) {
        for (let t = 1; t < K; t++) sum = f32x4.add(sum, v128.load(row + <usize>t * stepBytes + o));
      }
      storeVec(G + <usize>j * gStride, v, sum, nPost, 0);
    }
    if (perStep) {
      for (let t = 0; t < K; t++) {
        const step = row + <usize>t * stepBytes;
        let a = f32x4.abs(v128.load(step));
        for (let v = 1; v < nv; v++) a = f32x4.add(a, f32x4.abs(v128.load(step + (<usize>v << 4))));
        store<f32>(absOut + ((<usize>(t * absStride + j)) << 2), hsum(a));
      }
    }
  }
}

// ---------------------------------------------------------------- SBP pieces

/**
 * P[r·K + t] = M[r] ⊙ scale_t for r < rows, t in [t0, t1) (rows of nPad floats; scale: K rows of
 * nPad floats, the spread strengths sp^t; scale = 0: P = M).
 */
export function scaledRows(rows: i32, K: i32, n: i32, M: usize, scale: usize, t0: i32, t1: i32, P: usize): void {
  const nv = (n + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  for (let r = 0; r < rows; r++) {
    const m = M + <usize>r * rowBytes;
    for (let t = t0; t < t1; t++) {
      const dst = P + (<usize>(r * K + t)) * rowBytes;
      const sc = scale + <usize>t * rowBytes;
      for (let j = 0; j < nv; j++) {
        const o = <usize>j << 4;
        v128.store(dst + o, scale ? f32x4.mul(v128.load(m + o), v128.load(sc + o)) : v128.load(m + o));
      }
    }
  }
}

/**
 * P[r·K + t] (+)= c ⊙ s^t[r] for r < rows, s^t = 1[V[r·K + t] > θ] (the layer's spikes of step t),
 * c: a row of nPad floats (hebb·c_t·Σ sp, the Hebbian term's factor). add = 0 replaces.
 */
export function addSpikeRows(rows: i32, K: i32, n: i32, V: usize, t: i32, theta: f32, c: usize, add: i32, P: usize): void {
  const nv = (n + 3) >> 2;
  const rowBytes = <usize>nv << 4;
  const th = f32x4.splat(theta);
  for (let r = 0; r < rows; r++) {
    const p = <usize>(r * K + t);
    const vRow = V + p * rowBytes;
    const dst = P + p * rowBytes;
    for (let j = 0; j < nv; j++) {
      const o = <usize>j << 4;
      const term = v128.and(v128.load(c + o), f32x4.gt(v128.load(vRow + o), th));
      v128.store(dst + o, add ? f32x4.add(v128.load(dst + o), term) : term);
    }
  }
}

/** G[i, j] ← G[i, j]·s[j] (G: nRows × n unpadded, s: n floats). */
export function scaleColumns(G: usize, nRows: i32, n: i32, s: usize): void {
  for (let i = 0; i < nRows; i++) {
    const row = G + ((<usize>(i * n)) << 2);
    for (let j = 0; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * load<f32>(s + (<usize>j << 2)));
  }
}

/** a[q] ← a[q]·s for q < count (the spread strengths' factor 0.01/(rows·cols)). */
export function scaleArray(a: usize, count: i32, s: f32): void {
  for (let q = 0; q < count; q++) store<f32>(a + (<usize>q << 2), load<f32>(a + (<usize>q << 2)) * s);
}

/**
 * 'last-step' X for a hidden weight k that has a layer below (deeper nets). LS = (X^{K−1})ᵀM
 * (nPre × n, unpadded); the per-step gradient is LS⊙sp^t, so
 *   absOut[t·absStride + i] = Σ_j |LS[i, j]·sp^t[j]|   (sp: K rows of nPad floats; unscaled)
 *   G[i, j] = LS[i, j]·spTotal[j]
 * Dense: K·nPre·n + nPre·n multiplies.
 */
export function lastStepSpread(LS: usize, nPre: i32, n: i32, K: i32, sp: usize, spTotal: usize, G: usize, absOut: usize, absStride: i32): void {
  const nPad = (n + 3) & ~3;
  for (let i = 0; i < nPre; i++) {
    const row = LS + ((<usize>(i * n)) << 2);
    for (let t = 0; t < K; t++) {
      const s = sp + ((<usize>(t * nPad)) << 2);
      let acc: f32 = 0;
      for (let j = 0; j < n; j++) acc += abs<f32>(load<f32>(row + (<usize>j << 2)) * load<f32>(s + (<usize>j << 2)));
      store<f32>(absOut + ((<usize>(t * absStride + i)) << 2), acc);
    }
    const gRow = G + ((<usize>(i * n)) << 2);
    for (let j = 0; j < n; j++) store<f32>(gRow + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * load<f32>(spTotal + (<usize>j << 2)));
  }
}

// ---------------------------------------------------------------- Adam

/**
 * One Adam step over count float32 parameters (PyTorch form, network.ts's adamStep, float64 in
 * its operations and order, so bit-identical to it):
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + ((1 − β2)·g)·g   (stored as float32)
 *   p ← p − (stepSize·m)/(√v / √(1 − β2^t) + ε),  stepSize = lr/(1 − β1^t)   (from the caller)
 */
export function adam(p: usize, g: usize, m: usize, v: usize, count: i32, b1: f64, c1: f64, b2: f64, c2: f64, eps: f64, stepSize: f64, sqrtBc2: f64): void {
  const B1 = f64x2.splat(b1), C1 = f64x2.splat(c1), B2 = f64x2.splat(b2), C2 = f64x2.splat(c2);
  const E = f64x2.splat(eps), S = f64x2.splat(stepSize), Q = f64x2.splat(sqrtBc2);
  let i = 0;
  for (; i + 2 <= count; i += 2) {
    const o = <usize>i << 2;
    const gi = f64x2.promote_low_f32x4(v128.load64_zero(g + o));
    const mi = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(B1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(C1, gi))));
    const vi = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(B2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(C2, gi), gi))));
    const pi = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p + o)), f64x2.div(f64x2.mul(S, mi), f64x2.add(f64x2.div(f64x2.sqrt(vi), Q), E)));
    v128.store64_lane(m + o, f32x4.demote_f64x2_zero(mi), 0);
    v128.store64_lane(v + o, f32x4.demote_f64x2_zero(vi), 0);
    v128.store64_lane(p + o, f32x4.demote_f64x2_zero(pi), 0);
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const gi = <f64>load<f32>(g + o);
    const mi = <f64><f32>(b1 * <f64>load<f32>(m + o) + c1 * gi);
    const vi = <f64><f32>(b2 * <f64>load<f32>(v + o) + c2 * gi * gi);
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(p + o, <f32>(<f64>load<f32>(p + o) - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps)));
  }
}
