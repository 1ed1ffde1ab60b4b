// AssemblyScript, not TypeScript: asc compiles this file (see asconfig.json); tsconfig.json excludes it.
/**
 * WebAssembly SIMD kernels of the §1 network's hot loops (AssemblyScript). `npm run build`
 * compiles this file into dist/src/kernels/neurons.wasm; ../index.ts loads it and documents what
 * each kernel replaces. The JS loops (models/snn/feedforward.ts, relaxation.ts, learning.ts with
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
 * JS loops take Math.exp of the float64 blend, this one σ̃ above of the float32-rounded blend).
 *
 * Relaxation (f32x4), §1.2b–c: one hidden layer, float32 throughout, products included.
 * SBP (f64x2), §1.3: the elementwise passes of plasticity/sbp.ts in its float64 order, bit for bit.
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

/** dst[i] = σ̃(src[i]), float32, i < count (dst may equal src). */
export function sigmaTildeArray(src: usize, dst: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, sigmaTilde4(v128.load(src + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dst + o, sigmaTilde4(v128.load32_zero(src + o)), 0);
  }
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
 * Four f32x4 partial sums per output, added pairwise, then across lanes. (Two outputs at a time,
 * sharing the loads of x, measured no faster: the multiplies and adds are the limit.)
 */
function rowTimesWeights(x: usize, wT: usize, cols: i32, nPad: i32, out: usize): void {
  const rowBytes = <usize>nPad << 2;
  for (let c = 0; c < cols; c++) {
    const w = wT + <usize>c * rowBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let o: usize = 0; o < rowBytes; o += 64) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(x + o), v128.load(w + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(x + o, 16), v128.load(w + o, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(x + o, 32), v128.load(w + o, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(x + o, 48), v128.load(w + o, 48)));
    }
    const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    store<f32>(out + (<usize>c << 2), (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)));
  }
}

/**
 * All `steps` LIF steps of a layer: the loop of feedforward.ts's integrateConstantDrive (or, with
 * currents ≠ 0, of its step-by-step loop: lifStep then the blend, with the current of step t taken
 * from currents, steps × rows × n float32). Per block of four neurons (nb = ⌈n/4⌉ blocks), float64:
 *   consts + 96·b:            dt/τ_syn[4], g_leak[4], V_rev[4]
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
  currents: usize,
): f64 {
  const size = <usize>rows * <usize>n;
  const n4 = n & ~3;
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
      for (; o < end; o += 16, cb += 96, ib += 64) {
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
        let uA = f64x2.add(vA, f64x2.mul(dtm, f64x2.sub(f64x2.neg(f64x2.sub(vA, vleak)), f64x2.mul(f64x2.div(nA, lA), f64x2.sub(vA, v128.load(cb, 64))))));
        let uB = f64x2.add(vB, f64x2.mul(dtm, f64x2.sub(f64x2.neg(f64x2.sub(vB, vleak)), f64x2.mul(f64x2.div(nB, lB), f64x2.sub(vB, v128.load(cb, 80))))));
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
        const c = consts + <usize>(j >> 2) * 96 + q;
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

// ---- the relaxations of a network with one hidden layer ----

/**
 * Phases (b)/(c) of §1.2 for input → hidden (n) → output (cols), `iterations` iterations:
 *   hidden:  s₁ ← σ̃( s₁ − ε( s₁ − x·W₁ − s₂·W₂ᵀ − b₁ ) )              (the OLD s₂)
 *   output:  s₂ ← relu( s₂ − ε( s₂ − s₁·W₂ − b₂ [+ β(s₂ − y)] ) )      (the NEW s₁)
 * Rows are independent, so each row runs all its iterations while its data is in L1.
 * hidden, drive (= x·W₁) and b₁ are rows of nPad float32 (a multiple of 16), zero beyond n, so
 * the padding stays exactly 0; weightsT is W₂ᵀ (cols × nPad, zero-padded); output and target are
 * rows × cols; target = 0 for the free phase.
 */
export function relaxOneHidden(
  rows: i32, nPad: i32, cols: i32, iterations: i32,
  hidden: usize, output: usize, drive: usize, weightsT: usize, bHidden: usize, bOutput: usize,
  target: usize, beta: f32, epsilon: f32, dots: usize,
): void {
  const rowBytes = <usize>nPad << 2;
  const eps = f32x4.splat(epsilon);
  for (let r = 0; r < rows; r++) {
    const s1 = hidden + <usize>r * rowBytes;
    const d1 = drive + <usize>r * rowBytes;
    const s2 = output + ((<usize>r * <usize>cols) << 2);
    const y = target + ((<usize>r * <usize>cols) << 2);
    for (let it = 0; it < iterations; it++) {
      // hidden, 16 at a time: the top-down drive s₂·W₂ᵀ, then the update
      for (let o: usize = 0; o < rowBytes; o += 64) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        for (let c = 0; c < cols; c++) {
          const sc = v128.load32_splat(s2 + (<usize>c << 2));
          const w = weightsT + <usize>c * rowBytes + o;
          a0 = f32x4.add(a0, f32x4.mul(sc, v128.load(w)));
          a1 = f32x4.add(a1, f32x4.mul(sc, v128.load(w, 16)));
          a2 = f32x4.add(a2, f32x4.mul(sc, v128.load(w, 32)));
          a3 = f32x4.add(a3, f32x4.mul(sc, v128.load(w, 48)));
        }
        hiddenUpdate(s1 + o, d1 + o, a0, bHidden + o, eps);
        hiddenUpdate(s1 + o + 16, d1 + o + 16, a1, bHidden + o + 16, eps);
        hiddenUpdate(s1 + o + 32, d1 + o + 32, a2, bHidden + o + 32, eps);
        hiddenUpdate(s1 + o + 48, d1 + o + 48, a3, bHidden + o + 48, eps);
      }
      sigmaTildeArray(s1, s1, nPad); // σ̃ in a loop of its own (its constants stay in registers); σ̃(0) = 0 keeps the padding
      // output: the bottom-up drive s₁·W₂, then the update
      rowTimesWeights(s1, weightsT, cols, nPad, dots);
      for (let c = 0; c < cols; c++) {
        const at = <usize>c << 2;
        const s = load<f32>(s2 + at);
        let z = s - load<f32>(dots + at) - load<f32>(bOutput + at);
        if (target) z += beta * (s - load<f32>(y + at));
        const u = s - epsilon * z;
        store<f32>(s2 + at, u > 0 ? u : 0);
      }
    }
  }
}

/** s ← s − ε(s − below − above − b) on four lanes (σ̃ follows, over the whole row). */
// @ts-ignore: decorator
@inline function hiddenUpdate(s: usize, below: usize, above: v128, b: usize, eps: v128): void {
  const si = v128.load(s);
  const z = f32x4.sub(f32x4.sub(f32x4.sub(si, v128.load(below)), above), v128.load(b));
  v128.store(s, f32x4.sub(si, f32x4.mul(eps, z)));
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
export function sbpScaleAndSums(D: usize, nPre: i32, nPost: i32, scale: f64, ltpRow: usize, ltdRow: usize, ltdCol: usize): void {
  const rowBytes = <usize>nPost << 2;
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
    store<f64>(ltpRow + (<usize>i << 3), p0);
    store<f64>(ltpRow + (<usize>(i + 1) << 3), p1);
    store<f64>(ltdRow + (<usize>i << 3), abs(q0));
    store<f64>(ltdRow + (<usize>(i + 1) << 3), abs(q1));
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
    store<f64>(ltpRow + (<usize>i << 3), p0);
    store<f64>(ltdRow + (<usize>i << 3), abs(q0));
  }
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
  D: usize, nPre: i32, nPost: i32, hidden: i32,
  a1: usize, a2: usize, c3: usize, c4: usize, c5: usize,
  weights: usize, alpha: f64,
): void {
  const rowBytes = <usize>nPost << 2;
  const n4 = nPost & ~3;
  const al = f64x2.splat(alpha);
  for (let i = 0; i < nPre; i++) {
    const row = D + <usize>i * rowBytes;
    const wRow = weights + <usize>i * rowBytes;
    const p1 = f64x2.splat(load<f64>(a1 + (<usize>i << 3)));
    const p2 = f64x2.splat(load<f64>(a2 + (<usize>i << 3)));
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
