// AssemblyScript, not TypeScript: asc compiles this file (scripts/build-kernels.mjs); tsconfig.json excludes it.
/**
 * WebAssembly SIMD kernels of the §1 network's hot loops (AssemblyScript). `npm run build`
 * compiles this file and embeds it (src/kernels/generated); ../neurons.ts loads it and documents
 * what each kernel replaces. The JS loops (models/snn/feedforward.ts, relaxation.ts, learning.ts with
 * plasticity/sbp.ts) are the reference and the fallback. All pointers are byte offsets into this
 * module's memory, laid out by the JS side; nothing here allocates.
 *
 * σ̃ (f32x4 lanes). σ̃(s) = 2/(1 + e^(−s)) − 1 = tanh(s/2) = −sign(s)·m/(2 + m), m = e^(−|s|) − 1:
 * written with e^x − 1 there is no cancellation near s = 0 (where 2/(1 + e^(−s)) − 1 loses all
 * its bits in float32). e^x − 1 by Cephes-style range reduction: x = n·ln2 + r (ln 2 in two
 * parts), e^r − 1 = r + r²·P(r) with the degree-5 polynomial of Cephes' expf, scaled by 2^n.
 * Measured (test/neurons/kernels.test.ts, against float64 tanh/expm1 rounded to float32): σ̃
 * within 2 float32 ulps for every input (NaN → NaN, ±∞ → ±1), e^x − 1 within 1 ulp on [−40, 0],
 * the range σ̃ uses.
 *
 * LIF (f64x2 lanes), §1.2a. g, V and the blend are computed in float64 with the same operations
 * in the same order as the JS loops and rounded to float32 where they store, so for the same
 * currents V, g and the spike count are bit-identical to them; only the recorded σ̃ differs (the
 * JS loops take Math.exp of the float64 blend, this one σ̃ of the float32-rounded blend: for
 * |s| ≤ 1, as blends are, an odd polynomial within 1 ulp; else the formula above; sigmaTildeArray).
 *
 * Fast LIF (f32x4 lanes, lif.precision "fast"): the same loop in float32 on four lanes, rearranged
 * for fewer operations, with 1/g_leak (see lifFast, and src/kernels/neurons.ts for what it changes);
 * its σ̃ is the exact loop's.
 *
 * Products (f32x4), §1: C = op(A)·B summed over the inner index in order, as TF.js's WASM matMul
 * sums (bit-identical to it), from term lists that leave out the zero entries of A (the clamped
 * input's zero pixels: x·W₁, the ΔW products) — for finite B the same bits as every term.
 * Relaxation (f32x4), §1.2b–c: any network of 2 to 6 layers, float32 updates, those products.
 * SBP (f64x2), §1.3: the elementwise passes of plasticity/sbp.ts in its float64 order, bit for bit,
 * over the rows of D that a nonzero presynaptic value reaches (the others are exactly 0).
 * STDP (f64), §1.3: ΔW from the products in plasticity/stdp.ts's float64 order, bit for bit.
 */

// ---- σ̃ and e^x − 1 on four float32 lanes ----

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 = LN2_HI + LN2_LO; n·LN2_HI is exact for |n| < 2^15
const LN2_LO: f32 = -2.12194440e-4;
const ROUND_MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits

/**
 * e^x − 1 for x in [−87, 0] (NaN in, NaN out): x = n·ln 2 + r, |r| ≤ ln2/2,
 * e^x − 1 = 2^n·(e^r − 1) + (2^n − 1), e^r − 1 = r + r²·P(r) with Cephes' expf polynomial P.
 * Both terms are exact up to the last addition when n = 0 (no cancellation for small x).
 */
// @ts-ignore: decorator
@inline function expm14(x: v128): v128 {
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC)); // round(x·log2 e), exact
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const em = f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r); // e^r − 1
  // 2^n from the integer in t's mantissa: ((n + 127) << 23) as a float32
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, i32x4.splat(0x4b400000)), i32x4.splat(127)), 23);
  return f32x4.add(f32x4.mul(scale, em), f32x4.sub(scale, f32x4.splat(1.0)));
}

/**
 * σ̃(s) = tanh(s/2) = sign(s)·(1 − e^−|s|)/(1 + e^−|s|) = −sign(s)·m/(2 + m), m = e^−|s| − 1,
 * on four float32 lanes. |s| is clamped at 40 (σ̃ is ±1 in float32 beyond ~18); pmin(a, 40) =
 * (40 < a ? 40 : a) keeps NaN, so NaN gives NaN; ±∞ gives ±1.
 */
// @ts-ignore: decorator
@inline function sigmaTilde4(s: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(s), f32x4.splat(40.0));
  const m = expm14(f32x4.neg(a));
  const q = f32x4.div(m, f32x4.add(m, f32x4.splat(2.0))); // −tanh(|s|/2) ≤ 0
  const sign = i32x4.splat(0x80000000);
  return v128.or(v128.andnot(q, sign), v128.and(s, sign)); // |q| with the sign of s
}

// The constants of the σ̃ loops, as vectors in memory at K (written when the module starts; the
// JS side lays its buffers out from 1024 on): loaded into locals before a loop, they become memory
// operands where registers run out, instead of being rebuilt in every iteration.
const K: usize = 64;
// @ts-ignore: decorator
@inline function putF(i: i32, x: f32): void {
  v128.store(K + (<usize>i << 4), f32x4.splat(x));
}
// @ts-ignore: decorator
@inline function putI(i: i32, x: i32): void {
  v128.store(K + (<usize>i << 4), i32x4.splat(x));
}
if (memory.size() == 0) memory.grow(1); // the module declares no memory of its own
putF(0, LOG2E); putF(1, ROUND_MAGIC); putF(2, LN2_HI); putF(3, LN2_LO);
putF(4, 1.9875691500e-4); putF(5, 1.3981999507e-3); putF(6, 8.3334519073e-3); putF(7, 4.1665795894e-2); putF(8, 1.6666665459e-1); putF(9, 5.0000001201e-1);
putI(10, 0x4b400000 - 127); putF(11, 1.0); putF(12, 40.0); putF(13, 2.0); putI(14, 0x80000000);
putF(18, 0.5);
// σ̃ for |s| ≤ 1 (sigmaTildeArray): tanh(x) = x + x³·P(x²), x = s/2, P of degree 4
putF(30, -0.3333333432674408); putF(31, 0.13333246111869812); putF(32, -0.0539364293217659); putF(33, 0.021486621350049973); putF(34, -0.0069714817218482494);

/** dst[i] = σ̃(src[i]), float32, i < count (dst may equal src): sigmaTilde4's operations, constants from K. */
function sigmaTildeFull(src: usize, dst: usize, count: i32): void {
  const log2e = v128.load(K), magic = v128.load(K, 16), hi = v128.load(K, 32), lo = v128.load(K, 48);
  const p0 = v128.load(K, 64), p1 = v128.load(K, 80), p2 = v128.load(K, 96), p3 = v128.load(K, 112), p4 = v128.load(K, 128), p5 = v128.load(K, 144);
  const bias = v128.load(K, 160), one = v128.load(K, 176), forty = v128.load(K, 192), two = v128.load(K, 208), sign = v128.load(K, 224);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const s = v128.load(src + o);
    // e^−a − 1 (a = |s| clamped at 40) as expm14, then −sign(s)·m/(2 + m)
    const x = f32x4.neg(f32x4.pmin(f32x4.abs(s), forty));
    const t = f32x4.add(f32x4.mul(x, log2e), magic);
    const n = f32x4.sub(t, magic);
    let r = f32x4.sub(x, f32x4.mul(n, hi));
    r = f32x4.sub(r, f32x4.mul(n, lo));
    let p = f32x4.add(f32x4.mul(p0, r), p1);
    p = f32x4.add(f32x4.mul(p, r), p2);
    p = f32x4.add(f32x4.mul(p, r), p3);
    p = f32x4.add(f32x4.mul(p, r), p4);
    p = f32x4.add(f32x4.mul(p, r), p5);
    const em = f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r);
    const scale = i32x4.shl(i32x4.sub(t, bias), 23);
    const m = f32x4.add(f32x4.mul(scale, em), f32x4.sub(scale, one));
    const q = f32x4.div(m, f32x4.add(m, two));
    v128.store(dst + o, v128.or(v128.andnot(q, sign), v128.and(s, sign)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dst + o, sigmaTilde4(v128.load32_zero(src + o)), 0);
  }
}

/**
 * dst[i] = σ̃(src[i]), float32, i < count (dst may equal src). Where all four lanes have |s| ≤ 1
 * (the blended voltages the LIF loop records, the relaxations' hidden states: nearly always),
 * tanh(x) = x + x³·P(x²), x = s/2, P the degree-4 minimax fit of (tanh(x) − x)/x³ on [0, 1/2]: no
 * exp, no division, within 1 float32 ulp of tanh(s/2) (measured, test/neurons/kernels.test.ts);
 * any other vector, and the last count mod 4 values, take sigmaTildeFull (2 ulps). NaN → NaN,
 * ±0 → ±0, ±∞ → ±1.
 */
export function sigmaTildeArray(src: usize, dst: usize, count: i32): void {
  const one = v128.load(K, 176), half = v128.load(K, 288), sign = v128.load(K, 224);
  const c0 = v128.load(K, 480), c1 = v128.load(K, 496), c2 = v128.load(K, 512), c3 = v128.load(K, 528), c4 = v128.load(K, 544);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const s = v128.load(src + o);
    if (v128.any_true(f32x4.gt(f32x4.abs(s), one))) {
      sigmaTildeFull(src + o, dst + o, 4);
      continue;
    }
    const x = f32x4.mul(s, half);
    const x2 = f32x4.mul(x, x);
    let p = f32x4.add(f32x4.mul(c4, x2), c3);
    p = f32x4.add(f32x4.mul(p, x2), c2);
    p = f32x4.add(f32x4.mul(p, x2), c1);
    p = f32x4.add(f32x4.mul(p, x2), c0);
    const y = f32x4.add(x, f32x4.mul(f32x4.mul(p, x2), x));
    v128.store(dst + o, v128.or(y, v128.and(s, sign)));
  }
  if (i < count) sigmaTildeFull(src + (<usize>i << 2), dst + (<usize>i << 2), count - i);
}

/** dst[i] = e^(src[i]) − 1, float32, for src[i] in [−87, 0]: the tests of the exp inside σ̃. */
export function expm1Array(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dst + o, expm14(v128.load32_zero(src + o)), 0);
  }
}

// ---- the LIF loop ----

/** Two float32 at ptr as an f64x2. */
// @ts-ignore: decorator
@inline function load2(ptr: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(ptr));
}

/** Round both lanes to float32 and back (Math.fround). */
// @ts-ignore: decorator
@inline function fround2(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}

/** Two f64x2 rounded to float32, as one f32x4 (lanes a0 a1 b0 b1). */
// @ts-ignore: decorator
@inline function narrow4(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/**
 * out[c] = Σ_j x[j]·wT[c·nPad + j] for c < cols: one row of activity times the next layer's
 * weights, transposed and zero-padded to nPad (a multiple of 16) columns; x is zero beyond n too.
 * Four f32x4 partial sums per output, added pairwise, then across lanes. Two outputs at a time,
 * sharing the loads of x: eight independent chains of adds instead of four (the add latency, not
 * the multiplies, was the limit); each output's sums are the same, in the same order.
 */
// @ts-ignore: decorator
@inline function finishDot(a0: v128, a1: v128, a2: v128, a3: v128): f32 {
  const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}
function rowTimesWeights(x: usize, wT: usize, cols: i32, nPad: i32, out: usize): void {
  const rowBytes = <usize>nPad << 2;
  let c = 0;
  for (; c + 1 < cols; c += 2) {
    const w = wT + <usize>c * rowBytes;
    const u = w + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let o: usize = 0; o < rowBytes; o += 64) {
      const x0 = v128.load(x + o), x1 = v128.load(x + o, 16), x2 = v128.load(x + o, 32), x3 = v128.load(x + o, 48);
      a0 = f32x4.add(a0, f32x4.mul(x0, v128.load(w + o)));
      b0 = f32x4.add(b0, f32x4.mul(x0, v128.load(u + o)));
      a1 = f32x4.add(a1, f32x4.mul(x1, v128.load(w + o, 16)));
      b1 = f32x4.add(b1, f32x4.mul(x1, v128.load(u + o, 16)));
      a2 = f32x4.add(a2, f32x4.mul(x2, v128.load(w + o, 32)));
      b2 = f32x4.add(b2, f32x4.mul(x2, v128.load(u + o, 32)));
      a3 = f32x4.add(a3, f32x4.mul(x3, v128.load(w + o, 48)));
      b3 = f32x4.add(b3, f32x4.mul(x3, v128.load(u + o, 48)));
    }
    store<f32>(out + (<usize>c << 2), finishDot(a0, a1, a2, a3));
    store<f32>(out + (<usize>(c + 1) << 2), finishDot(b0, b1, b2, b3));
  }
  if (c < cols) {
    const w = wT + <usize>c * rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let o: usize = 0; o < rowBytes; o += 64) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(x + o), v128.load(w + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(x + o, 16), v128.load(w + o, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(x + o, 32), v128.load(w + o, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(x + o, 48), v128.load(w + o, 48)));
    }
    store<f32>(out + (<usize>c << 2), finishDot(a0, a1, a2, a3));
  }
}

/**
 * All `steps` LIF steps of a layer: the loop of feedforward.ts's integrateConstantDrive (or, with
 * currents ≠ 0, of its step-by-step loop: lifStep then the blend, with the current of step t taken
 * from currents, steps × rows × n float32). Per block of four neurons (nb = ⌈n/4⌉ blocks), float64:
 *   consts + 96·b:            dt/τ_syn[4], g_leak[4], V_rev[4]   (uniform ≠ 0: block 0 for all b)
 *   inputs + 64·(r·nb + b):   I[4], particles p[4]         (row r)
 * v and g (rows × n float32) are updated in place. Writes σ̃ of every step's blend into stack
 * (steps × rows × n float32) unless stack is 0, σ̃ of the last V into final; returns the number
 * of spikes. With weightsT ≠ 0, σ̃ of each step's row goes instead into `row` (nPad float32, zero
 * beyond n) and is multiplied at once by the next layer's weights (cols × nPad, transposed,
 * zero-padded): drive ((steps·rows) × cols, row (t−1)·rows + r) is the product the stack would give.
 *
 * Per row, time is the outer loop and the row's neurons the inner one, four at a time (two f64x2
 * pairs): successive neurons are independent, so the core overlaps them instead of waiting on one
 * neuron's chain of dependent steps; the row's state and constants (~25 KB for 500 neurons) stay in
 * L1. v and g are kept as float32 between steps, which is what the JS loop does with Math.fround.
 * The n mod 4 trailing neurons take the same operations one by one.
 */
export function lifConstantDrive(
  rows: i32, n: i32, steps: i32,
  inputs: usize, consts: usize, v: usize, g: usize,
  dtOverTauM: f64, vLeak: f64, vTh: f64, vReset: f64,
  stack: usize, final: usize,
  row: usize, weightsT: usize, cols: i32, nPad: i32, drive: usize,
  currents: usize, uniform: i32,
): f64 {
  const size = <usize>rows * <usize>n;
  const n4 = n & ~3;
  const cbStep: usize = uniform ? 0 : 96; // one block of constants for every neuron (no Dale's law): it stays in L1
  const zeroLeak = vLeak == 0 && dtOverTauM > 0;
  const nb = (n + 3) >> 2;
  const dtm = f64x2.splat(dtOverTauM);
  const vleak = f64x2.splat(vLeak);
  const vth = f64x2.splat(vTh);
  const vreset = f64x2.splat(vReset);
  const record = stack != 0 || weightsT != 0;
  let count = i64x2.splat(0);
  let tailSpikes: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const rowAt = (<usize>r * <usize>n) << 2; // byte offset of row r in v and g
    const rowInputs = inputs + <usize>r * <usize>nb * 64;
    for (let t = 1; t <= steps; t++) {
      const lambda: f64 = <f64>t / <f64>steps;
      const keep: f64 = 1 - lambda;
      const lam2 = f64x2.splat(lambda);
      const keep2 = f64x2.splat(keep);
      if (currents) {
        // a current that changes with the step (layers above the first): this step's row into I
        const from = currents + ((<usize>(t - 1) * size) << 2) + rowAt;
        for (let j = 0; j < n; j++) store<f64>(rowInputs + (<usize>(j >> 2) << 6) + (<usize>(j & 3) << 3), <f64>load<f32>(from + (<usize>j << 2)));
      }
      let o = rowAt;
      let cb = consts;
      let ib = rowInputs;
      const end = rowAt + (<usize>n4 << 2);
      for (; o < end; o += 16, cb += cbStep, ib += 64) {
        const lA = v128.load(cb, 32);
        const lB = v128.load(cb, 48);
        const gA = load2(g + o);
        const gB = load2(g + o + 8);
        const vA = load2(v + o);
        const vB = load2(v + o + 8);
        // g ← g + (dt/τ_syn)(−g + g_leak + I)   [g_leak − g is (−g) + g_leak exactly]
        const nA = f64x2.add(gA, f64x2.mul(v128.load(cb), f64x2.add(f64x2.sub(lA, gA), v128.load(ib))));
        const nB = f64x2.add(gB, f64x2.mul(v128.load(cb, 16), f64x2.add(f64x2.sub(lB, gB), v128.load(ib, 16))));
        v128.store(g + o, narrow4(nA, nB));
        // V ← V + (dt/τ_m)(−(V − V_leak) − (g/g_leak)(V − V_rev)), V_reset where V > V_th
        let uA: v128, uB: v128;
        if (zeroLeak) {
          // V_leak = 0: V − 0 = V, and V + d·(−V − W) = V − d·(V + W) bit for bit (d > 0; where
          // V + W = 0 exactly the two differ only in the sign of a zero that V then absorbs)
          uA = f64x2.sub(vA, f64x2.mul(dtm, f64x2.add(vA, f64x2.mul(f64x2.div(nA, lA), f64x2.sub(vA, v128.load(cb, 64))))));
          uB = f64x2.sub(vB, f64x2.mul(dtm, f64x2.add(vB, f64x2.mul(f64x2.div(nB, lB), f64x2.sub(vB, v128.load(cb, 80))))));
        } else {
          uA = f64x2.add(vA, f64x2.mul(dtm, f64x2.sub(f64x2.neg(f64x2.sub(vA, vleak)), f64x2.mul(f64x2.div(nA, lA), f64x2.sub(vA, v128.load(cb, 64))))));
          uB = f64x2.add(vB, f64x2.mul(dtm, f64x2.sub(f64x2.neg(f64x2.sub(vB, vleak)), f64x2.mul(f64x2.div(nB, lB), f64x2.sub(vB, v128.load(cb, 80))))));
        }
        uA = v128.bitselect(vreset, uA, f64x2.gt(uA, vth));
        uB = v128.bitselect(vreset, uB, f64x2.gt(uB, vth));
        // s = λ·V + (1 − λ)·p; spike where s > V_th; V = s (float32)
        const bA = f64x2.add(f64x2.mul(lam2, fround2(uA)), f64x2.mul(keep2, v128.load(ib, 32)));
        const bB = f64x2.add(f64x2.mul(lam2, fround2(uB)), f64x2.mul(keep2, v128.load(ib, 48)));
        count = i64x2.sub(i64x2.sub(count, f64x2.gt(bA, vth)), f64x2.gt(bB, vth));
        v128.store(v + o, narrow4(bA, bB));
      }
      for (let j = n4; j < n; j++) {
        // the same operations on one neuron (lane q of the last block)
        const q = <usize>(j & 3) << 3;
        const c = consts + <usize>(j >> 2) * cbStep + q;
        const i = rowInputs + <usize>(j >> 2) * 64 + q;
        const at = rowAt + (<usize>j << 2);
        const ll = load<f64>(c, 32);
        const gi = <f64>load<f32>(g + at);
        const vi = <f64>load<f32>(v + at);
        const nn = gi + load<f64>(c) * (-gi + ll + load<f64>(i));
        store<f32>(g + at, <f32>nn);
        let u = vi + dtOverTauM * (-(vi - vLeak) - (nn / ll) * (vi - load<f64>(c, 64)));
        if (u > vTh) u = vReset;
        const b = lambda * <f64><f32>u + keep * load<f64>(i, 32);
        if (b > vTh) tailSpikes += 1;
        store<f32>(v + at, <f32>b);
      }
      // σ̃ of the row's new V (= the float32 blend), in a loop of its own with its constants in
      // registers: into the stack, or into `row` for the product with the next layer's weights
      if (record) sigmaTildeArray(v + rowAt, weightsT ? row : stack + ((<usize>(t - 1) * size) << 2) + rowAt, n);
      if (weightsT) rowTimesWeights(row, weightsT, cols, nPad, drive + ((<usize>((t - 1) * rows + r) * <usize>cols) << 2));
    }
  }
  sigmaTildeArray(v, final, <i32>size);
  return <f64>(i64x2.extract_lane(count, 0) + i64x2.extract_lane(count, 1)) + tailSpikes;
}

// ---- SBP (§1.3), the elementwise passes of plasticity/sbp.ts, float64 in its order ----

/** x where x > 0 (or x < 0), +0 elsewhere and for NaN. */
// @ts-ignore: decorator
@inline function positivePart(x: v128): v128 {
  return v128.and(x, f64x2.gt(x, f64x2.splat(0)));
}
// @ts-ignore: decorator
@inline function negativePart(x: v128): v128 {
  return v128.and(x, f64x2.lt(x, f64x2.splat(0)));
}
/** x, or 0 where x is NaN. */
// @ts-ignore: decorator
@inline function zeroIfNaN(x: v128): v128 {
  return v128.and(x, f64x2.eq(x, x));
}

/**
 * D ← D·scale rounded to float32 (D: nPre × nPost float32), then, as selfBackpropagation's first
 * loop: ltpRow[i] = Σ_j D⁺ᵢⱼ, ltdRow[i] = |Σ_j D⁻ᵢⱼ| and ltdCol[j] = −Σ_i D⁻ᵢⱼ (float64, each sum
 * taken in increasing j, resp. i, as the JS loop does; ltdCol starts at 0). Two rows at a time,
 * their row sums in the two lanes of an f64x2, four columns at a time.
 */
export function sbpScaleAndSums(D: usize, nPre: i32, nPost: i32, rowBytes: usize, scale: f64, ltpRow: usize, ltdRow: usize, ltdCol: usize, index: usize): void {
  const n4 = nPost & ~3;
  const s2 = f64x2.splat(scale);
  let i = 0;
  for (; i + 1 < nPre; i += 2) {
    const r0 = D + <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    let pos = f64x2.splat(0); // lanes: rows i, i + 1
    let neg = f64x2.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const x0 = v128.load(r0 + o);
      const x1 = v128.load(r1 + o);
      // the scaled entries, (j, j+1) and (j+2, j+3) of each row
      const a0 = fround2(f64x2.mul(f64x2.promote_low_f32x4(x0), s2));
      const b0 = fround2(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x0, x0, 2, 3, 0, 1)), s2));
      const a1 = fround2(f64x2.mul(f64x2.promote_low_f32x4(x1), s2));
      const b1 = fround2(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x1, x1, 2, 3, 0, 1)), s2));
      v128.store(r0 + o, narrow4(a0, b0));
      v128.store(r1 + o, narrow4(a1, b1));
      // row sums, column by column (j, j+1, j+2, j+3), both rows at once
      const c0 = v128.shuffle<f64>(a0, a1, 0, 2);
      const c1 = v128.shuffle<f64>(a0, a1, 1, 3);
      const c2 = v128.shuffle<f64>(b0, b1, 0, 2);
      const c3 = v128.shuffle<f64>(b0, b1, 1, 3);
      pos = f64x2.add(f64x2.add(f64x2.add(f64x2.add(pos, positivePart(c0)), positivePart(c1)), positivePart(c2)), positivePart(c3));
      neg = f64x2.add(f64x2.add(f64x2.add(f64x2.add(neg, negativePart(c0)), negativePart(c1)), negativePart(c2)), negativePart(c3));
      // column sums: row i, then row i + 1
      const ca = ltdCol + (<usize>j << 3);
      v128.store(ca, f64x2.sub(f64x2.sub(v128.load(ca), negativePart(a0)), negativePart(a1)));
      v128.store(ca, f64x2.sub(f64x2.sub(v128.load(ca, 16), negativePart(b0)), negativePart(b1)), 16);
    }
    let p0 = f64x2.extract_lane(pos, 0);
    let p1 = f64x2.extract_lane(pos, 1);
    let q0 = f64x2.extract_lane(neg, 0);
    let q1 = f64x2.extract_lane(neg, 1);
    for (let j = n4; j < nPost; j++) {
      const o = <usize>j << 2;
      const d0 = <f64><f32>(<f64>load<f32>(r0 + o) * scale);
      const d1 = <f64><f32>(<f64>load<f32>(r1 + o) * scale);
      store<f32>(r0 + o, <f32>d0);
      store<f32>(r1 + o, <f32>d1);
      const ca = ltdCol + (<usize>j << 3);
      let col = load<f64>(ca);
      if (d0 > 0) p0 += d0;
      else if (d0 < 0) {
        q0 += d0;
        col -= d0;
      }
      if (d1 > 0) p1 += d1;
      else if (d1 < 0) {
        q1 += d1;
        col -= d1;
      }
      store<f64>(ca, col);
    }
    const o0 = rowOf(index, i) << 3;
    const o1 = rowOf(index, i + 1) << 3;
    store<f64>(ltpRow + o0, p0);
    store<f64>(ltpRow + o1, p1);
    store<f64>(ltdRow + o0, abs(q0));
    store<f64>(ltdRow + o1, abs(q1));
  }
  for (; i < nPre; i++) {
    const r0 = D + <usize>i * rowBytes;
    let p0: f64 = 0;
    let q0: f64 = 0;
    for (let j = 0; j < nPost; j++) {
      const o = <usize>j << 2;
      const d0 = <f64><f32>(<f64>load<f32>(r0 + o) * scale);
      store<f32>(r0 + o, <f32>d0);
      if (d0 > 0) p0 += d0;
      else if (d0 < 0) {
        q0 += d0;
        const ca = ltdCol + (<usize>j << 3);
        store<f64>(ca, load<f64>(ca) - d0);
      }
    }
    const o0 = rowOf(index, i) << 3;
    store<f64>(ltpRow + o0, p0);
    store<f64>(ltdRow + o0, abs(q0));
  }
}

/** Row i of a compacted matrix stands for row index[i] of the full one (index = 0: no compaction). */
// @ts-ignore: decorator
@inline function rowOf(index: usize, i: i32): usize {
  return index ? <usize>load<i32>(index + (<usize>i << 2)) : <usize>i;
}

/** ΔW of two entries d (f64x2) of row i at columns jj/8, jj/8 + 1: see sbpDelta. */
// @ts-ignore: decorator
@inline function sbpDeltaPair(d: v128, hidden: i32, p1: v128, p2: v128, c3: usize, c4: usize, c5: usize, jj: usize): v128 {
  const zero = f64x2.splat(0);
  const positive = f64x2.gt(d, zero);
  const negative = f64x2.lt(d, zero);
  if (hidden) {
    // one division: (P1 + P4)/2 where D > 0, (P2 + P3 + P5)/3 where D < 0, 0/3 = 0 elsewhere (NaN too)
    const up = f64x2.add(zeroIfNaN(f64x2.mul(p1, d)), zeroIfNaN(f64x2.mul(d, v128.load(c4 + jj))));
    const down = f64x2.add(f64x2.add(zeroIfNaN(f64x2.mul(p2, d)), zeroIfNaN(f64x2.mul(d, v128.load(c3 + jj)))), zeroIfNaN(f64x2.mul(d, v128.load(c5 + jj))));
    return f64x2.div(v128.bitselect(up, v128.and(down, negative), positive), v128.bitselect(f64x2.splat(2), f64x2.splat(3), positive));
  }
  // P1 where D > 0, (P2 + P3)/2 where D < 0 (x/2 = x·0.5 exactly), 0 elsewhere
  const down = f64x2.mul(f64x2.add(f64x2.mul(p2, d), f64x2.mul(d, v128.load(c3 + jj))), f64x2.splat(0.5));
  return v128.bitselect(f64x2.mul(p1, d), v128.and(down, negative), positive);
}

/**
 * ΔW from D in place (float32), selfBackpropagation's second loop, with the spread factors a₁, a₂
 * (per row), c₃, c₄, c₅ (per column, float64):
 *   output matrix (hidden = 0):  ΔW = a₁D where D > 0,  (a₂D + D c₃)/2 where D < 0,  0 elsewhere
 *   hidden matrix:               ΔW = (a₁D + D c₄)/2,  (a₂D + D c₃ + D c₅)/3,  0  (NaN products → 0)
 * With weights ≠ 0, also W ← W + α·ΔW (float32, as updateWeights does). Four columns at a time,
 * the last nPost mod 4 one by one.
 */
export function sbpDelta(
  D: usize, nPre: i32, nPost: i32, rowBytes: usize, hidden: i32,
  a1: usize, a2: usize, c3: usize, c4: usize, c5: usize,
  weights: usize, alpha: f64, index: usize,
): void {
  const n4 = nPost & ~3;
  const al = f64x2.splat(alpha);
  for (let i = 0; i < nPre; i++) {
    const row = D + <usize>i * rowBytes;
    const wRow = weights + <usize>i * rowBytes;
    const full = rowOf(index, i) << 3;
    const p1 = f64x2.splat(load<f64>(a1 + full));
    const p2 = f64x2.splat(load<f64>(a2 + full));
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const jj = <usize>j << 3;
      const x = v128.load(row + o);
      const lo = sbpDeltaPair(f64x2.promote_low_f32x4(x), hidden, p1, p2, c3, c4, c5, jj);
      const hi = sbpDeltaPair(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), hidden, p1, p2, c3, c4, c5, jj + 16);
      const delta = narrow4(lo, hi);
      v128.store(row + o, delta);
      if (weights) {
        const w = v128.load(wRow + o);
        const wLo = f64x2.add(f64x2.promote_low_f32x4(w), f64x2.mul(al, f64x2.promote_low_f32x4(delta)));
        const wHi = f64x2.add(
          f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)),
          f64x2.mul(al, f64x2.promote_low_f32x4(v128.shuffle<f32>(delta, delta, 2, 3, 0, 1))),
        );
        v128.store(wRow + o, narrow4(wLo, wHi));
      }
    }
    for (let j = n4; j < nPost; j++) {
      const o = <usize>j << 2;
      const delta = f32x4.demote_f64x2_zero(sbpDeltaPair(f64x2.promote_low_f32x4(v128.load32_zero(row + o)), hidden, p1, p2, c3, c4, c5, <usize>j << 3));
      v128.store32_lane(row + o, delta, 0);
      if (weights) {
        const w = f64x2.add(f64x2.promote_low_f32x4(v128.load32_zero(wRow + o)), f64x2.mul(al, f64x2.promote_low_f32x4(delta)));
        v128.store32_lane(wRow + o, f32x4.demote_f64x2_zero(w), 0);
      }
    }
  }
}

// ---- products summed in sequence, zero terms skipped (§1: x·W₁, the ΔW products, the relaxations) ----
//
// C = op(A)·B with every entry summed over the inner index kk in increasing order, one float32
// multiply and one float32 add per term, from +0: the order of TF.js's WASM-backend matMul
// (XNNPACK's f32 GEMM), so a dense call is bit-identical to it (test/neurons/kernels.test.ts). A
// sparse call leaves out the terms whose A entry is ±0: the accumulator starts at +0 and can never
// become −0 (x + (−x) rounds to +0), so adding a ±0 product never changes it, and for finite B the
// sparse sum is bit-identical to the dense one. (With an infinite or NaN entry of B a skipped term
// would have made the dense sum NaN; the trainer stops a run at the first non-finite weight.)

/**
 * The terms of each listed row q of op(A) (m rows, k columns; entry (q, kk) at a + q·aRow + kk·aCol
 * bytes): (address of B's row kk, A[q][kk]) for kk in increasing order, every kk when sparse = 0,
 * those with A[q][kk] ≠ 0 when sparse = 1 (NaN is kept). B's row kk starts at bRows[kk] (an i32
 * table) when bRows ≠ 0, else at bBase + kk·bStride. The rows listed are subset[0 … count − 1]
 * when subset ≠ 0, else 0 … m − 1; with compact = 1 a row without terms is left out and `active`
 * (when ≠ 0) receives the index of every row kept. starts (rows + 1 i32) and entries (8 bytes per
 * term) receive the lists. Returns the number of rows listed; starts[rows] is the number of terms.
 */
function listTerms(
  a: usize, m: i32, k: i32, aRow: usize, aCol: usize,
  bBase: usize, bStride: usize, bRows: usize,
  sparse: i32, subset: usize, count: i32, compact: i32,
  starts: usize, entries: usize, active: usize,
): i32 {
  let e = 0;
  let out = 0;
  const rows = subset ? count : m;
  for (let n = 0; n < rows; n++) {
    const q = subset ? load<i32>(subset + (<usize>n << 2)) : n;
    const begin = e;
    const rowA = a + <usize>q * aRow;
    for (let kk = 0; kk < k; kk++) {
      const v = load<f32>(rowA + <usize>kk * aCol);
      if (sparse && v == 0) continue;
      const b = bRows ? <usize>load<i32>(bRows + (<usize>kk << 2)) : bBase + <usize>kk * bStride;
      const t = entries + (<usize>e << 3);
      store<i32>(t, <i32>b);
      store<f32>(t, v, 4);
      e++;
    }
    if (compact && e == begin) continue;
    store<i32>(starts + (<usize>out << 2), begin);
    if (active) store<i32>(active + (<usize>out << 2), q);
    out++;
  }
  store<i32>(starts + (<usize>out << 2), e);
  return out;
}

// The term loops over a block of 1 … 8 columns' vectors (16 bytes each), at column byte offset jo.
// @ts-ignore: decorator
@inline function termsBlock8(starts: usize, entries: usize, q: i32, jo: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const end = entries + (<usize>load<i32>(starts + (<usize>(q + 1) << 2)) << 3);
  for (let t = entries + (<usize>load<i32>(starts + (<usize>q << 2)) << 3); t < end; t += 8) {
    const s = v128.load32_splat(t, 4);
    const b = <usize>load<i32>(t) + jo;
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(b)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(b, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(b, 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(b, 48)));
    a4 = f32x4.add(a4, f32x4.mul(s, v128.load(b, 64)));
    a5 = f32x4.add(a5, f32x4.mul(s, v128.load(b, 80)));
    a6 = f32x4.add(a6, f32x4.mul(s, v128.load(b, 96)));
    a7 = f32x4.add(a7, f32x4.mul(s, v128.load(b, 112)));
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96); v128.store(out, a7, 112);
}
// @ts-ignore: decorator
@inline function termsBlock4(starts: usize, entries: usize, q: i32, jo: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const end = entries + (<usize>load<i32>(starts + (<usize>(q + 1) << 2)) << 3);
  for (let t = entries + (<usize>load<i32>(starts + (<usize>q << 2)) << 3); t < end; t += 8) {
    const s = v128.load32_splat(t, 4);
    const b = <usize>load<i32>(t) + jo;
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(b)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(b, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(b, 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(b, 48)));
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
}
// @ts-ignore: decorator
@inline function termsBlock3(starts: usize, entries: usize, q: i32, jo: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  const end = entries + (<usize>load<i32>(starts + (<usize>(q + 1) << 2)) << 3);
  for (let t = entries + (<usize>load<i32>(starts + (<usize>q << 2)) << 3); t < end; t += 8) {
    const s = v128.load32_splat(t, 4);
    const b = <usize>load<i32>(t) + jo;
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(b)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(b, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(b, 32)));
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32);
}
// @ts-ignore: decorator
@inline function termsBlock2(starts: usize, entries: usize, q: i32, jo: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  const end = entries + (<usize>load<i32>(starts + (<usize>(q + 1) << 2)) << 3);
  for (let t = entries + (<usize>load<i32>(starts + (<usize>q << 2)) << 3); t < end; t += 8) {
    const s = v128.load32_splat(t, 4);
    const b = <usize>load<i32>(t) + jo;
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(b)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(b, 16)));
  }
  v128.store(out, a0); v128.store(out, a1, 16);
}
// @ts-ignore: decorator
@inline function termsBlock1(starts: usize, entries: usize, q: i32, jo: usize, out: usize): void {
  let a0 = f32x4.splat(0);
  const end = entries + (<usize>load<i32>(starts + (<usize>(q + 1) << 2)) << 3);
  for (let t = entries + (<usize>load<i32>(starts + (<usize>q << 2)) << 3); t < end; t += 8) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(t, 4), v128.load(<usize>load<i32>(t) + jo)));
  }
  v128.store(out, a0);
}

/**
 * C[q][·] = Σ_terms A[q][kk]·B[kk][·] for the `rows` term lists (see listTerms), over nPad
 * columns (a multiple of 4; B's rows are readable and zero up to nPad); C's rows are cRow bytes
 * apart. Column blocks of 32 outside, rows inside, so that a block of B (k × 128 bytes) stays in
 * cache for every row; within a row each column's sum runs over the terms in order.
 */
function productTerms(rows: i32, starts: usize, entries: usize, nPad: i32, c: usize, cRow: usize): void {
  const bytes = <usize>nPad << 2;
  let jo: usize = 0;
  for (; jo + 128 <= bytes; jo += 128) for (let q = 0; q < rows; q++) termsBlock8(starts, entries, q, jo, c + <usize>q * cRow + jo);
  if (jo + 64 <= bytes) {
    for (let q = 0; q < rows; q++) termsBlock4(starts, entries, q, jo, c + <usize>q * cRow + jo);
    jo += 64;
  }
  const rest = bytes - jo;
  if (rest == 48) for (let q = 0; q < rows; q++) termsBlock3(starts, entries, q, jo, c + <usize>q * cRow + jo);
  else if (rest == 32) for (let q = 0; q < rows; q++) termsBlock2(starts, entries, q, jo, c + <usize>q * cRow + jo);
  else if (rest == 16) for (let q = 0; q < rows; q++) termsBlock1(starts, entries, q, jo, c + <usize>q * cRow + jo);
}

// The same sums for a dense A read in place (every term, no lists): row q's terms are
// A[q][kk]·B[kk], kk = 0 … k − 1, A's row at a, B's rows bStride apart from b. Two rows at a time
// for the narrow blocks (they share the loads of B; the output layers' 10 to 26 columns).
// @ts-ignore: decorator
@inline function denseBlock8(a: usize, k: i32, b: usize, bStride: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const end = a + (<usize>k << 2);
  for (let t = a; t < end; t += 4, b += bStride) {
    const s = v128.load32_splat(t);
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(b)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(b, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(b, 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(b, 48)));
    a4 = f32x4.add(a4, f32x4.mul(s, v128.load(b, 64)));
    a5 = f32x4.add(a5, f32x4.mul(s, v128.load(b, 80)));
    a6 = f32x4.add(a6, f32x4.mul(s, v128.load(b, 96)));
    a7 = f32x4.add(a7, f32x4.mul(s, v128.load(b, 112)));
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96); v128.store(out, a7, 112);
}
/** Rows at a and a2 (a2 = 0: one row), `vectors` (1 … 4) column vectors from b, into out and out2. */
// @ts-ignore: decorator
@inline function denseBlockPair(vectors: i32, a: usize, a2: usize, k: i32, b: usize, bStride: usize, out: usize, out2: usize): void {
  let p0 = f32x4.splat(0), p1 = f32x4.splat(0), p2 = f32x4.splat(0), p3 = f32x4.splat(0);
  let q0 = f32x4.splat(0), q1 = f32x4.splat(0), q2 = f32x4.splat(0), q3 = f32x4.splat(0);
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 4, b += bStride) {
    const s = v128.load32_splat(a + o);
    const u = a2 ? v128.load32_splat(a2 + o) : s;
    const w0 = v128.load(b);
    p0 = f32x4.add(p0, f32x4.mul(s, w0));
    q0 = f32x4.add(q0, f32x4.mul(u, w0));
    if (vectors > 1) {
      const w1 = v128.load(b, 16);
      p1 = f32x4.add(p1, f32x4.mul(s, w1));
      q1 = f32x4.add(q1, f32x4.mul(u, w1));
    }
    if (vectors > 2) {
      const w2 = v128.load(b, 32);
      p2 = f32x4.add(p2, f32x4.mul(s, w2));
      q2 = f32x4.add(q2, f32x4.mul(u, w2));
    }
    if (vectors > 3) {
      const w3 = v128.load(b, 48);
      p3 = f32x4.add(p3, f32x4.mul(s, w3));
      q3 = f32x4.add(q3, f32x4.mul(u, w3));
    }
  }
  v128.store(out, p0);
  if (vectors > 1) v128.store(out, p1, 16);
  if (vectors > 2) v128.store(out, p2, 32);
  if (vectors > 3) v128.store(out, p3, 48);
  if (a2) {
    v128.store(out2, q0);
    if (vectors > 1) v128.store(out2, q1, 16);
    if (vectors > 2) v128.store(out2, q2, 32);
    if (vectors > 3) v128.store(out2, q3, 48);
  }
}

/**
 * C = A·B for a dense A (rows × k, aRow bytes apart, read in place), every term in sequence: the
 * dense reference of `product` (bit-identical to it, and to TF.js, for finite B).
 */
export function productDense(a: usize, rows: i32, k: i32, aRow: usize, b: usize, bStride: usize, nPad: i32, c: usize, cRow: usize): void {
  const bytes = <usize>nPad << 2;
  let jo: usize = 0;
  for (; jo + 128 <= bytes; jo += 128) for (let q = 0; q < rows; q++) denseBlock8(a + <usize>q * aRow, k, b + jo, bStride, c + <usize>q * cRow + jo);
  while (jo < bytes) {
    const vectors = <i32>min<usize>(4, (bytes - jo) >> 4);
    let q = 0;
    for (; q + 1 < rows; q += 2) {
      const out = c + <usize>q * cRow + jo;
      const at = a + <usize>q * aRow;
      if (vectors == 4) denseBlockPair(4, at, at + aRow, k, b + jo, bStride, out, out + cRow);
      else if (vectors == 3) denseBlockPair(3, at, at + aRow, k, b + jo, bStride, out, out + cRow);
      else if (vectors == 2) denseBlockPair(2, at, at + aRow, k, b + jo, bStride, out, out + cRow);
      else denseBlockPair(1, at, at + aRow, k, b + jo, bStride, out, out + cRow);
    }
    if (q < rows) {
      const out = c + <usize>q * cRow + jo;
      const at = a + <usize>q * aRow;
      if (vectors == 4) denseBlockPair(4, at, 0, k, b + jo, bStride, out, 0);
      else if (vectors == 3) denseBlockPair(3, at, 0, k, b + jo, bStride, out, 0);
      else if (vectors == 2) denseBlockPair(2, at, 0, k, b + jo, bStride, out, 0);
      else denseBlockPair(1, at, 0, k, b + jo, bStride, out, 0);
    }
    jo += <usize>vectors << 4;
  }
}

/**
 * C = op(A)·B, summed in sequence (see above): listTerms, then productTerms. Returns the number
 * of terms (the multiply-accumulates executed are terms × the columns B has). With compact = 1,
 * C holds only the rows that have terms, and active[0 … rows − 1] their indices; the number of
 * rows is stored at `active` − 4.
 */
export function product(
  a: usize, m: i32, k: i32, aRow: usize, aCol: usize,
  bBase: usize, bStride: usize, bRows: usize, nPad: i32,
  c: usize, cRow: usize,
  sparse: i32, subset: usize, count: i32, compact: i32, active: usize,
  starts: usize, entries: usize,
): f64 {
  const rows = listTerms(a, m, k, aRow, aCol, bBase, bStride, bRows, sparse, subset, count, compact, starts, entries, active);
  if (active) store<i32>(active - 4, rows);
  productTerms(rows, starts, entries, nPad, c, cRow);
  return <f64>load<i32>(starts + (<usize>rows << 2));
}

/**
 * The columns of A (rows × n, rowBytes apart), or of A and B together (B ≠ 0, the same shape),
 * that hold a nonzero entry (NaN counts), in increasing order, into out (i32); returns how many.
 */
export function nonzeroColumns(a: usize, b: usize, rows: i32, n: i32, rowBytes: usize, out: usize): i32 {
  let count = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    let any = false;
    for (let r = 0; r < rows && !any; r++) {
      if (load<f32>(a + <usize>r * rowBytes + o) != 0) any = true;
      else if (b && load<f32>(b + <usize>r * rowBytes + o) != 0) any = true;
    }
    if (any) {
      store<i32>(out + (<usize>count << 2), j);
      count++;
    }
  }
  return count;
}

/** d = a − b, float32, `count` values (a multiple of 4). */
export function subtract(a: usize, b: usize, d: usize, count: i32): void {
  for (let o: usize = 0; o < (<usize>count << 2); o += 16) v128.store(d + o, f32x4.sub(v128.load(a + o), v128.load(b + o)));
}

// ---- the STDP rules' ΔW (§1.3) from their products, float64 in the order of plasticity/stdp.ts ----

/**
 * Symmetric STDP (B ≠ 0): ΔW = (A − B)·scale, A = s⁺ᵀs⁺, B = s⁰ᵀs⁰ (float32 products); differential
 * STDP (B = 0): ΔW = A·scale, A = (s⁺ − s⁰)ᵀs⁰. Into A, rounded to float32; with weights ≠ 0 also
 * W ← W + α·ΔW (float32, as learning.ts's addScaled). nPre rows of nPost, rowBytes apart.
 */
export function stdpDelta(A: usize, B: usize, nPre: i32, nPost: i32, rowBytes: usize, scale: f64, weights: usize, alpha: f64): void {
  for (let i = 0; i < nPre; i++) {
    const ra = A + <usize>i * rowBytes;
    const rb = B + <usize>i * rowBytes;
    const rw = weights + <usize>i * rowBytes;
    for (let j = 0; j < nPost; j++) {
      const o = <usize>j << 2;
      const d: f64 = B ? (<f64>load<f32>(ra + o) - <f64>load<f32>(rb + o)) * scale : <f64>load<f32>(ra + o) * scale;
      const delta = <f32>d;
      store<f32>(ra + o, delta);
      if (weights) store<f32>(rw + o, <f32>(<f64>load<f32>(rw + o) + alpha * <f64>delta));
    }
  }
}

// ---- the relaxations of any network (2 to 6 layers, any widths), §1.2b–c ----

/** s ← relu(s − ε(s − below − b [+ β(s − y)])) on four lanes (the output update). */
// @ts-ignore: decorator
@inline function outputUpdate(s: usize, below: usize, b: usize, y: usize, beta: v128, eps: v128): void {
  const si = v128.load(s);
  let z = f32x4.sub(f32x4.sub(si, v128.load(below)), v128.load(b));
  if (y) z = f32x4.add(z, f32x4.mul(beta, f32x4.sub(si, v128.load(y))));
  v128.store(s, f32x4.pmax(f32x4.splat(0), f32x4.sub(si, f32x4.mul(eps, z))));
}

/**
 * Phases (b)/(c) of §1.2 for a network of L layers (2 … 6), `iterations` iterations over all
 * `rows` rows, in the order of relaxation.ts: per iteration the hidden layers k = 1 … L − 2, each
 * from the NEW state below and the OLD state above, then the output:
 *   hidden:  s_k ← σ̃( s_k − ε( s_k − s_{k−1}W_{k−1} − s_{k+1}W_kᵀ − b_k ) )     (k = 1: x·W₁ = drive)
 *   output:  s_L ← relu( s_L − ε( s_L − s_{L−1}W_{L−1} − b_L [+ β(s_L − y)] ) )
 * Every product is summed in sequence, so each equals TF.js's matMul of the same operands bit for
 * bit: from below (a hidden state) every term, from above (the output's relu zeros are common) with
 * the zero terms skipped; the updates are float32 (relaxation.ts: float64).
 * desc holds 8 i32 per layer k: n_k, nPad_k (a multiple of 4), state (rows × nPad_k, zero beyond
 * n_k), bias (nPad_k), W_{k−1} (n_{k−1} rows of nPad_k: the product from below, k ≥ 2), W_kᵀ
 * (n_{k+1} rows of nPad_k: from above, hidden k), and two scratch rows × nPad_k (below, above).
 * drive: rows × nPad_1; target (rows × nPad_L, or 0 for the free phase). Returns the
 * multiply-accumulates executed (terms × the real width n_k of each product).
 */
export function relaxNetwork(
  L: i32, rows: i32, iterations: i32, desc: usize, drive: usize,
  target: usize, beta: f32, epsilon: f32, starts: usize, entries: usize,
): f64 {
  const eps = f32x4.splat(epsilon);
  const bet = f32x4.splat(beta);
  let macs: f64 = 0;
  for (let it = 0; it < iterations; it++) {
    for (let k = 1; k < L; k++) {
      const d = desc + (<usize>k << 5);
      const nPad = load<i32>(d, 4);
      const state = <usize>load<i32>(d, 8);
      const bias = <usize>load<i32>(d, 12);
      const rowBytes = <usize>nPad << 2;
      let below = drive;
      if (k > 1) {
        const dn = d - 32; // the layer below
        below = <usize>load<i32>(d, 24);
        // the layer below is hidden (σ̃, zeros rare): every term, read in place
        productDense(<usize>load<i32>(dn, 8), rows, load<i32>(dn), <usize>load<i32>(dn, 4) << 2, <usize>load<i32>(d, 16), rowBytes, nPad, below, rowBytes);
        macs += <f64>load<i32>(d) * <f64>rows * <f64>load<i32>(dn);
      }
      if (k < L - 1) {
        const up = d + 32; // the layer above (its OLD state)
        const above = <usize>load<i32>(d, 28);
        macs += <f64>load<i32>(d) * product(<usize>load<i32>(up, 8), rows, load<i32>(up), <usize>load<i32>(up, 4) << 2, 4, <usize>load<i32>(d, 20), rowBytes, 0, nPad, above, rowBytes, 1, 0, 0, 0, 0, starts, entries);
        for (let r = 0; r < rows; r++) {
          const at = <usize>r * rowBytes;
          for (let o: usize = 0; o < rowBytes; o += 16) {
            const si = v128.load(state + at + o);
            const z = f32x4.sub(f32x4.sub(f32x4.sub(si, v128.load(below + at + o)), v128.load(above + at + o)), v128.load(bias + o));
            v128.store(state + at + o, f32x4.sub(si, f32x4.mul(eps, z)));
          }
        }
        sigmaTildeArray(state, state, rows * nPad); // σ̃(0) = 0 keeps the padding
      } else {
        for (let r = 0; r < rows; r++) {
          const at = <usize>r * rowBytes;
          for (let o: usize = 0; o < rowBytes; o += 16) outputUpdate(state + at + o, below + at + o, bias + o, target ? target + at + o : 0, bet, eps);
        }
      }
    }
  }
  return macs;
}

// ---- the fast LIF loop: float32 on four lanes (lif.precision "fast") ----

/**
 * The LIF + blend loop of lifConstantDrive in float32 on four lanes, rearranged for fewer
 * operations (each line the same quantity as the exact loop's, rounded differently):
 *   g ← g·(1 − a) + a·(g_leak + I)                          a = dt/τ_syn; a·(g_leak + I) once per row for a constant current
 *   V ← (V·(1 − dt/τ_m) + (dt/τ_m)·V_leak) − (g·k)·(V − V_rev)    k = (dt/τ_m)/g_leak
 *   V ← V_reset where V > V_th;  s = p + λ·(V − p);  spike where s > V_th;  V ← s
 * and σ̃ as the exact loop takes it (sigmaTildeArray). Rows are nPad4 (n rounded up to 4) float32 wide: v, g, particles p
 * (rows × nPad4) and the current (rows × nPad4, or steps × rows × nPad4 when varying ≠ 0); ag
 * (rows × nPad4) is scratch for a·(g_leak + I). consts, per block of four neurons: 1 − a, k, V_rev,
 * a, g_leak (float32[4] each); the last block's lanes beyond n are padding, masked out of the
 * spike count (lastMask: i32[4], all ones for a neuron). σ̃ of each step's blend goes into `row`
 * (nPad16 float32, zero beyond n), then into stack (steps × rows × n, when ≠ 0) and/or times
 * W_nextᵀ (cols × nPad16) into drive (see lifConstantDrive); σ̃ of the last V into final
 * (rows × nPad4). Returns the spikes.
 */
export function lifFast(
  rows: i32, n: i32, steps: i32,
  current: usize, varying: i32, particles: usize, consts: usize, lastMask: usize, ag: usize, v: usize, g: usize,
  keepV: f32, leakV: f32, vTh: f32, vReset: f32,
  stack: usize, final: usize,
  row: usize, weightsT: usize, cols: i32, nPad: i32, drive: usize,
): f64 {
  const nPad4 = (n + 3) & ~3;
  const rowBytes = <usize>nPad4 << 2;
  const lastBlock = rowBytes - 16;
  const size = <usize>rows * rowBytes; // bytes of one step's rows
  const c1 = f32x4.splat(keepV);
  const c0 = f32x4.splat(leakV);
  const vth = f32x4.splat(vTh);
  const vreset = f32x4.splat(vReset);
  const mask = v128.load(lastMask);
  let spikes: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    const agRow = ag + at;
    if (!varying) {
      let cb = consts;
      for (let o: usize = 0; o < rowBytes; o += 16, cb += 80) v128.store(agRow + o, f32x4.mul(v128.load(cb, 48), f32x4.add(v128.load(cb, 64), v128.load(current + at + o))));
    }
    let count = i32x4.splat(0);
    for (let t = 1; t <= steps; t++) {
      const lam = f32x4.splat(<f32>t / <f32>steps);
      if (varying) {
        const cur = current + <usize>(t - 1) * size + at;
        let cb = consts;
        for (let o: usize = 0; o < rowBytes; o += 16, cb += 80) v128.store(agRow + o, f32x4.mul(v128.load(cb, 48), f32x4.add(v128.load(cb, 64), v128.load(cur + o))));
      }
      let cb = consts;
      for (let o: usize = 0; o < rowBytes; o += 16, cb += 80) {
        const gi = v128.load(g + at + o);
        const vi = v128.load(v + at + o);
        const pi = v128.load(particles + at + o);
        const gn = f32x4.add(f32x4.mul(gi, v128.load(cb)), v128.load(agRow + o));
        v128.store(g + at + o, gn);
        let u = f32x4.sub(f32x4.add(f32x4.mul(vi, c1), c0), f32x4.mul(f32x4.mul(gn, v128.load(cb, 16)), f32x4.sub(vi, v128.load(cb, 32))));
        u = v128.bitselect(vreset, u, f32x4.gt(u, vth));
        const s = f32x4.add(pi, f32x4.mul(lam, f32x4.sub(u, pi)));
        const spike = f32x4.gt(s, vth);
        count = i32x4.sub(count, o == lastBlock ? v128.and(spike, mask) : spike);
        v128.store(v + at + o, s);
      }
      sigmaTildeArray(v + at, row, nPad4); // σ̃ in a loop of its own (the polynomial: blends have |s| < 1)
      if (stack) memory.copy(stack + ((<usize>((t - 1) * rows + r) * <usize>n) << 2), row, <usize>n << 2);
      if (weightsT) {
        // the padding of the last block holds σ̃ of the padding lanes: zero it before the product
        for (let j = n; j < nPad4; j++) store<f32>(row + (<usize>j << 2), 0);
        rowTimesWeights(row, weightsT, cols, nPad, drive + ((<usize>((t - 1) * rows + r) * <usize>cols) << 2));
      }
    }
    spikes += <f64>(i32x4.extract_lane(count, 0) + i32x4.extract_lane(count, 1) + i32x4.extract_lane(count, 2) + i32x4.extract_lane(count, 3));
  }
  sigmaTildeArray(v, final, rows * nPad4);
  return spikes;
}

// ---- repacking a matrix copied in as it is (one memory copy on the JS side) ----

/**
 * dst = src (rows × n, packed) with rows `stride` float32 apart, zero from n to stride (transpose
 * = 0); or dst = srcᵀ (n rows of `stride`, dst[c·stride + j] = src[j·n + c], zero from rows to
 * stride) with transpose = 1; transpose = 2 undoes the first (src rows of `stride` into a packed
 * dst). src and dst do not overlap.
 */
export function repack(src: usize, rows: i32, n: i32, dst: usize, stride: i32, transpose: i32): void {
  const s = <usize>stride << 2;
  if (transpose == 2) {
    // back: rows of `stride` (src) into a packed rows × n matrix (dst)
    for (let r = 0; r < rows; r++) memory.copy(dst + ((<usize>r * <usize>n) << 2), src + <usize>r * s, <usize>n << 2);
    return;
  }
  if (!transpose) {
    for (let r = 0; r < rows; r++) {
      const to = dst + <usize>r * s;
      memory.copy(to, src + ((<usize>r * <usize>n) << 2), <usize>n << 2);
      memory.fill(to + (<usize>n << 2), 0, s - (<usize>n << 2));
    }
    return;
  }
  memory.fill(dst, 0, <usize>n * s);
  for (let j = 0; j < rows; j++) {
    const from = src + ((<usize>j * <usize>n) << 2);
    for (let c = 0; c < n; c++) store<f32>(dst + <usize>c * s + (<usize>j << 2), load<f32>(from + (<usize>c << 2)));
  }
}
