// AssemblyScript, not TypeScript: scripts/build-kernels.mjs compiles this file; tsconfig.json excludes it.
/**
 * WebAssembly SIMD kernels of the §2 energy ANN's hot loops (docs/algorithms.md §2,
 * src/models/ann/energy.ts for the form and its gradients), one thread, f32x4 lanes:
 *
 *   - unpackWeights / packWeights: the caller's weights (staged in the JS layout) to the padded
 *     W_k and W_kᵀ the products use, and back after an update;
 *   - inputLists / inputDrive: ρ(x) as per-row and per-column lists of its entries (only the
 *     nonzero ones on the sparse path, all of them on the dense one) and the input drive ρ(x)W_0
 *     from the column lists;
 *   - relax: all N iterations of the free or the nudged relaxation of every row of a batch, for
 *     any number of layers, products included (rows are independent: each row runs all its
 *     iterations while its vectors are in L1); each layer's step also writes the list of its new
 *     state for the next iteration's products;
 *   - upProducts / energies: ρ(s⁰_k)W_k (k ≥ 1) and the energy of every row, float64, as
 *     energy.ts's energyPerRow;
 *   - updateWeights / updateBiases: the contrastive update, W_0 over the input columns that
 *     are nonzero in the batch (from the column lists), the biases in float64.
 *
 * Layout. Everything is laid out by the JS side (src/kernels/ann.ts) in this module's memory and
 * described by a table of one 128-byte record per layer k = 0 … L (the D_ offsets below); all
 * pointers are byte offsets; nothing here allocates. The vectors of layer k (states, biases,
 * scratch) have a pitch of p_k floats (p_k ≥ n_k, a multiple of 4), zero beyond n_k; W_k is
 * stored with rows of pitch p_{k+1}, W_kᵀ with rows of pitch p_k, their padding zero. Every
 * product is a sum of rows of a matrix scaled by the entries of a list (`rowsTimes`), summed in
 * list order (increasing row index) starting from +0, so:
 *
 * Sparse = dense, bit for bit. Leaving out a term 0·w (w finite) leaves a float32 sum unchanged:
 * a sum that starts at +0 is never −0 (x + y = −0 only when both are −0), and s + (±0) = s for
 * every other s. The sparse path (lists of the nonzero entries) therefore gives bit-identical
 * results to the dense path (lists of every entry) as long as the weights are finite (0·∞ is
 * NaN on the dense path only); a non-finite weight is a diverged run, which the trainer stops.
 *
 * ρ and the step's clip are `v < 0 ? 0 : v > 1 ? 1 : v` as energy.ts's rho (NaN and −0 kept),
 * written with pmin/pmax, which are exactly that comparison (and one instruction each).
 */

// ---- the layer table ----

const REC: usize = 128;
const D_N: usize = 0; //        i32: n_k
const D_P: usize = 4; //        i32: p_k, the pitch of layer k's vectors (floats)
const D_W: usize = 8; //        W_k: n_k × p_{k+1} (k < L)
const D_WT: usize = 12; //      W_kᵀ: n_{k+1} × p_k (1 ≤ k < L)
const D_FREE: usize = 16; //    free states, rows × p_k (k ≥ 1)
const D_NUDGED: usize = 20; //  nudged states, rows × p_k (k ≥ 1)
const D_BIAS: usize = 24; //    b_k, p_k floats (k ≥ 1)
const D_BELOW: usize = 28; //   scratch, p_k: ρ(s_{k−1})W_{k−1} of the current row (k ≥ 2)
const D_ABOVE: usize = 32; //   scratch, p_k: ρ(s_{k+1})W_kᵀ of the current row (1 ≤ k < L)
const D_UP: usize = 36; //      rows × p_{k+1}: k = 0 the input drive ρ(x)W_0, k ≥ 1 ρ(s⁰_k)W_k
const D_LIDX: usize = 40; //    scratch, n_k i32: the list of layer k's current row (k ≥ 1)
const D_LVAL: usize = 44; //    scratch, n_k f32
const D_STAGE: usize = 48; //   W_k unpadded, n_k × n_{k+1} (the JS layout; = D_W when p_{k+1} = n_{k+1})
const D_COUNT: usize = 52; //   i32 scratch: the length of layer k's list
const D_SELF: usize = 56; //    f32: 2q_k
const D_CBIAS: usize = 60; //   f32: d_k
const D_CBELOW: usize = 64; //  f32: a_{k−1}
const D_CABOVE: usize = 68; //  f32: a_k (0 for the output)
const D_CW: usize = 72; //      f32: α_k a_k/(βB), the step of W_k
const D_BSTEP: usize = 80; //   f64: α_{k−1}/β, the step of b_k
const D_BD: usize = 88; //      f64: d_k
const D_Q: usize = 96; //       f64: q_k
const D_A: usize = 104; //      f64: a_k (k < L)
const D_CONST: usize = 112; //  scratch, p_k: the terms of ∂E/∂s_k that do not change within a row's relaxation

// @ts-ignore: decorator
@inline function rec(desc: usize, k: i32): usize {
  return desc + <usize>k * REC;
}
// @ts-ignore: decorator
@inline function geti(desc: usize, k: i32, slot: usize): i32 {
  return load<i32>(rec(desc, k) + slot);
}
// @ts-ignore: decorator
@inline function getp(desc: usize, k: i32, slot: usize): usize {
  return <usize>load<u32>(rec(desc, k) + slot);
}
// @ts-ignore: decorator
@inline function getf(desc: usize, k: i32, slot: usize): f32 {
  return load<f32>(rec(desc, k) + slot);
}

/** ρ(v) = clip(v, 0, 1), NaN kept (as energy.ts's rho). */
// @ts-ignore: decorator
@inline function rho(v: f32): f32 {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

// ---- the product: a sum of scaled matrix rows ----

/**
 * out[c] = Σ_t val[t]·M[idx[t]·pitch + c] for c < width (a multiple of 4), each sum taken in
 * list order from +0, in column blocks of 32, 16, 8 and 4 floats whose accumulators stay in
 * registers while the list runs.
 */
function rowsTimes(idx: usize, val: usize, count: i32, M: usize, pitch: i32, out: usize, width: i32): void {
  const rowBytes = <usize>pitch << 2;
  let c = 0;
  for (; c + 32 <= width; c += 32) {
    const col = <usize>c << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0);
    let a6 = f32x4.splat(0);
    let a7 = f32x4.splat(0);
    for (let t = 0; t < count; t++) {
      const at = <usize>t << 2;
      const v = v128.load32_splat(val + at);
      const row = M + <usize>load<i32>(idx + at) * rowBytes + col;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(row, 48)));
      a4 = f32x4.add(a4, f32x4.mul(v, v128.load(row, 64)));
      a5 = f32x4.add(a5, f32x4.mul(v, v128.load(row, 80)));
      a6 = f32x4.add(a6, f32x4.mul(v, v128.load(row, 96)));
      a7 = f32x4.add(a7, f32x4.mul(v, v128.load(row, 112)));
    }
    const o = out + col;
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
    v128.store(o, a4, 64);
    v128.store(o, a5, 80);
    v128.store(o, a6, 96);
    v128.store(o, a7, 112);
  }
  if (c + 16 <= width) {
    const col = <usize>c << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let t = 0; t < count; t++) {
      const at = <usize>t << 2;
      const v = v128.load32_splat(val + at);
      const row = M + <usize>load<i32>(idx + at) * rowBytes + col;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(row, 48)));
    }
    const o = out + col;
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
    c += 16;
  }
  if (c + 8 <= width) {
    const col = <usize>c << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    for (let t = 0; t < count; t++) {
      const at = <usize>t << 2;
      const v = v128.load32_splat(val + at);
      const row = M + <usize>load<i32>(idx + at) * rowBytes + col;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(row, 16)));
    }
    v128.store(out + col, a0);
    v128.store(out + col, a1, 16);
    c += 8;
  }
  if (c + 4 <= width) {
    const col = <usize>c << 2;
    let a0 = f32x4.splat(0);
    for (let t = 0; t < count; t++) {
      const at = <usize>t << 2;
      const row = M + <usize>load<i32>(idx + at) * rowBytes + col;
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(val + at), v128.load(row)));
    }
    v128.store(out + col, a0);
  }
}

/**
 * The list of ρ(s) for one row of n values: (index, ρ(value)) of every entry (dense) or of the
 * entries whose ρ is not 0 (sparse), in increasing index. Returns its length.
 */
function listOf(s: usize, n: i32, sparse: i32, idx: usize, val: usize): i32 {
  let count = 0;
  const all = sparse ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const v = rho(load<f32>(s + (<usize>i << 2)));
    const at = <usize>count << 2;
    store<i32>(idx + at, i);
    store<f32>(val + at, v);
    count += all | (v != 0 ? 1 : 0); // branch-free: the slot is overwritten when v is left out
  }
  return count;
}

// ---- weights in and out ----

/**
 * From the staged weights (the JS layout, n_k × n_{k+1}) to the padded W_k where their pitch
 * differs, then W_kᵀ for k ≥ 1 by 4 × 4 blocks. The padded W_k has p_k rows (zero beyond n_k) and
 * zero columns beyond n_{k+1}, W_kᵀ p_{k+1} rows: rows and columns of both are multiples of 4.
 * A staged row is read four floats at a time, past its end (into the next row, or the staging
 * buffer's slack); the lanes beyond n_{k+1} are zeroed.
 */
export function unpackWeights(desc: usize, L: i32): void {
  for (let k = 0; k < L; k++) {
    const n = geti(desc, k, D_N);
    const m = geti(desc, k + 1, D_N);
    const pm = geti(desc, k + 1, D_P);
    const W = getp(desc, k, D_W);
    const stage = getp(desc, k, D_STAGE);
    if (W != stage) {
      const m4 = (m + 3) & ~3;
      for (let i = 0; i < n; i++) {
        const to = W + ((<usize>i * <usize>pm) << 2);
        const from = stage + ((<usize>i * <usize>m) << 2);
        for (let c = 0; c < m4; c += 4) v128.store(to + (<usize>c << 2), v128.load(from + (<usize>c << 2)));
        for (let c = m; c < m4; c++) store<f32>(to + (<usize>c << 2), 0);
      }
    }
    if (k >= 1) transpose(W, geti(desc, k, D_P), pm, getp(desc, k, D_WT));
  }
}

/** T (cols × rows) = Mᵀ for M rows × cols (both multiples of 4, row-major), 4 × 4 blocks. */
function transpose(M: usize, rows: i32, cols: i32, T: usize): void {
  const mRow = <usize>cols << 2;
  const tRow = <usize>rows << 2;
  for (let i = 0; i < rows; i += 4) {
    for (let c = 0; c < cols; c += 4) {
      const a = M + <usize>i * mRow + (<usize>c << 2);
      const r0 = v128.load(a);
      const r1 = v128.load(a + mRow);
      const r2 = v128.load(a + 2 * mRow);
      const r3 = v128.load(a + 3 * mRow);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const b = T + <usize>c * tRow + (<usize>i << 2);
      v128.store(b, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(b + tRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(b + 2 * tRow, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(b + 3 * tRow, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
  }
}

/**
 * The padded W_k back into the staging layout (where they differ), after an update: rows in
 * increasing order, four floats at a time, so that what a row writes past its end (the padding's
 * zeros) is overwritten by the next row (the last one's goes into the slack).
 */
export function packWeights(desc: usize, L: i32): void {
  for (let k = 0; k < L; k++) {
    const W = getp(desc, k, D_W);
    const stage = getp(desc, k, D_STAGE);
    if (W == stage) continue;
    const n = geti(desc, k, D_N);
    const m = geti(desc, k + 1, D_N);
    const pm = geti(desc, k + 1, D_P);
    const m4 = (m + 3) & ~3;
    for (let i = 0; i < n; i++) {
      const to = stage + ((<usize>i * <usize>m) << 2);
      const from = W + ((<usize>i * <usize>pm) << 2);
      for (let c = 0; c < m4; c += 4) v128.store(to + (<usize>c << 2), v128.load(from + (<usize>c << 2)));
    }
  }
}

// ---- the input layer ----

/**
 * ρ(x) (rows × n0, row-major) as lists: per row (rowStart[r] … rowStart[r+1] into rowIdx/rowVal,
 * increasing column) and per column (colStart[i] … colStart[i+1] into colRow/colVal, increasing
 * row), with every entry (dense) or the nonzero ones (sparse); `touched` gets the columns whose
 * list is not empty (every column on the dense path), in increasing order. Returns their number.
 * colStart holds n0 + 1 entries. `outside` (i32) is set to 1 when some entry of x lies outside
 * [0, 1] or is NaN (ρ(x) ≠ x), else 0.
 */
export function inputLists(
  x: usize, rows: i32, n0: i32, sparse: i32,
  rowStart: usize, rowIdx: usize, rowVal: usize,
  colStart: usize, colRow: usize, colVal: usize, touched: usize, outside: usize,
): i32 {
  // whether any entry of x is outside [0, 1] (or NaN), i.e. ρ(x) ≠ x
  {
    const size = <usize>rows * <usize>n0;
    const size4 = size & ~3;
    let out = i32x4.splat(0);
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    for (let i: usize = 0; i < size4; i += 4) {
      const v = v128.load(x + (i << 2));
      out = v128.or(out, v128.not(v128.and(f32x4.ge(v, zero), f32x4.le(v, one))));
    }
    let any = v128.any_true(out) ? 1 : 0;
    for (let i = size4; i < size; i++) {
      const v = load<f32>(x + (i << 2));
      if (!(v >= 0 && v <= 1)) any = 1;
    }
    store<i32>(outside, any);
  }
  memory.fill(colStart, 0, <usize>(n0 + 1) << 2);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    store<i32>(rowStart + (<usize>r << 2), count);
    count += listOf(x + ((<usize>r * <usize>n0) << 2), n0, sparse, rowIdx + (<usize>count << 2), rowVal + (<usize>count << 2));
  }
  store<i32>(rowStart + (<usize>rows << 2), count);
  // entries per column (in colStart[i + 1]), then the starts as their prefix sums
  for (let t = 0; t < count; t++) {
    const c = colStart + (<usize>(load<i32>(rowIdx + (<usize>t << 2)) + 1) << 2);
    store<i32>(c, load<i32>(c) + 1);
  }
  let nTouched = 0;
  for (let i = 0; i < n0; i++) {
    const c = colStart + (<usize>(i + 1) << 2);
    const here = load<i32>(c);
    store<i32>(touched + (<usize>nTouched << 2), i);
    nTouched += here > 0 ? 1 : 0;
    store<i32>(c, here + load<i32>(c - 4));
  }
  // the column lists, filled in row order (colStart[i] is column i's cursor, then shifted back)
  for (let r = 0; r < rows; r++) {
    const end = load<i32>(rowStart + (<usize>(r + 1) << 2));
    for (let t = load<i32>(rowStart + (<usize>r << 2)); t < end; t++) {
      const at = <usize>t << 2;
      const c = colStart + (<usize>load<i32>(rowIdx + at) << 2);
      const pos = <usize>load<i32>(c) << 2;
      store<i32>(c, load<i32>(c) + 1);
      store<i32>(colRow + pos, r);
      store<f32>(colVal + pos, load<f32>(rowVal + at));
    }
  }
  for (let i = n0; i > 0; i--) store<i32>(colStart + (<usize>i << 2), load<i32>(colStart + (<usize>(i - 1) << 2)));
  store<i32>(colStart, 0);
  return nTouched;
}

/**
 * The input drive ρ(x)W_0 of every row (into layer 0's D_UP, rows × p_1), column by column: each
 * touched row i of W_0 is read once (streamed, rather than gathered per batch row from a matrix
 * larger than L2) and added, scaled, into the rows r of its column list — every output still sums
 * its terms in increasing i from +0. Returns the MACs.
 */
export function inputDrive(desc: usize, rows: i32, colStart: usize, colRow: usize, colVal: usize, touched: usize, nTouched: i32): f64 {
  const n1 = geti(desc, 1, D_N);
  const p1 = geti(desc, 1, D_P);
  const W0 = getp(desc, 0, D_W);
  const drive = getp(desc, 0, D_UP);
  const rowBytes = <usize>p1 << 2;
  memory.fill(drive, 0, <usize>rows * rowBytes);
  let macs: f64 = 0;
  for (let t = 0; t < nTouched; t++) {
    const i = load<i32>(touched + (<usize>t << 2));
    const start = load<i32>(colStart + (<usize>i << 2));
    const end = load<i32>(colStart + (<usize>(i + 1) << 2));
    const w = W0 + <usize>i * rowBytes;
    for (let e = start; e < end; e++) {
      const at = <usize>e << 2;
      const v = v128.load32_splat(colVal + at);
      const d = drive + <usize>load<i32>(colRow + at) * rowBytes;
      let o: usize = 0;
      for (; o + 64 <= rowBytes; o += 64) {
        v128.store(d + o, f32x4.add(v128.load(d + o), f32x4.mul(v, v128.load(w + o))));
        v128.store(d + o, f32x4.add(v128.load(d + o, 16), f32x4.mul(v, v128.load(w + o, 16))), 16);
        v128.store(d + o, f32x4.add(v128.load(d + o, 32), f32x4.mul(v, v128.load(w + o, 32))), 32);
        v128.store(d + o, f32x4.add(v128.load(d + o, 48), f32x4.mul(v, v128.load(w + o, 48))), 48);
      }
      for (; o < rowBytes; o += 16) v128.store(d + o, f32x4.add(v128.load(d + o), f32x4.mul(v, v128.load(w + o))));
    }
    macs += <f64>(end - start) * <f64>n1;
  }
  return macs;
}

// ---- the relaxations ----

/**
 * One layer's step on one row, four lanes at a time over its pitch p:
 *   s ← clip(s − ε(ρ'(s)(2q ρ(s) + d b + a_{k−1} below + a_k above) [+ 2β(s − y)]), 0, 1)
 * (energy.ts's gradientEntry, then the cost term), with the terms that stay the same through a
 * row's relaxation summed once beforehand into `constant`: d b, and for k = 1 also a_0 ρ(x)W_0
 * (then below = 0). The padding stays 0.
 * Writes the list of the new row (as listOf: every entry below n, or the nonzero ones) into
 * idx/val, four lanes at a time packed to the left with the shuffles of `pack` (16 patterns of
 * 16 bytes, by lane mask); returns its length. The list buffers need 4 entries of slack.
 * Clipped = bool (a compile-time choice, Clipped = i32 otherwise): s is the output of an earlier
 * step, so every entry is in [0, 1] or NaN, where ρ(s) = s and ρ'(s) = 1 (a NaN entry stays NaN
 * either way): both are left out.
 */
// @ts-ignore: decorator
@inline function stepLayer<Clipped>(
  s: usize, p: i32, n: i32, constant: usize, below: usize, above: usize, y: usize,
  cSelf: v128, cBelow: v128, cAbove: v128, twoBeta: v128, eps: v128,
  sparse: i32, pack: usize, idx: usize, val: usize,
): i32 {
  const clipped = isBoolean<Clipped>(); // a compile-time constant: two distinct loops
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const end = <usize>p << 2;
  let lanes = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  const keepAll = sparse ? i32x4.splat(0) : i32x4.splat(-1);
  let count = 0;
  let left = n; // entries of the row from this chunk on (the lanes at and beyond n are padding)
  for (let o: usize = 0; o < end; o += 16, left -= 4) {
    const si = v128.load(s + o);
    let g = f32x4.add(f32x4.mul(cSelf, clipped ? si : clip4(si)), v128.load(constant + o));
    if (below) g = f32x4.add(g, f32x4.mul(cBelow, v128.load(below + o)));
    if (above) g = f32x4.add(g, f32x4.mul(cAbove, v128.load(above + o)));
    if (!clipped) g = v128.and(g, v128.and(f32x4.ge(si, zero), f32x4.le(si, one))); // ρ'(s)
    if (y) g = f32x4.add(g, f32x4.mul(twoBeta, f32x4.sub(si, v128.load(y + o))));
    const next = clip4(f32x4.sub(si, f32x4.mul(eps, g)));
    v128.store(s + o, next);
    // the list: the lanes below n that are kept (all, or ρ ≠ 0, NaN included)
    const valid = left >= 4 ? 15 : left > 0 ? (1 << left) - 1 : 0; // (a chunk may lie wholly in the padding)
    const bits = i32x4.bitmask(v128.or(keepAll, f32x4.ne(next, zero))) & valid;
    if (bits) {
      const shuffle = v128.load(pack + (<usize>bits << 4));
      const at = <usize>count << 2;
      v128.store(val + at, i8x16.swizzle(next, shuffle));
      v128.store(idx + at, i8x16.swizzle(lanes, shuffle));
      count += <i32>popcnt(bits);
    }
    lanes = i32x4.add(lanes, four);
  }
  return count;
}

/**
 * clip(v, 0, 1) on four lanes as `v < 0 ? 0 : v > 1 ? 1 : v` (ρ, and the step's clip): NaN stays
 * NaN, −0 stays −0, as energy.ts's rho. pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a.
 */
// @ts-ignore: decorator
@inline function clip4(v: v128): v128 {
  return f32x4.pmax(f32x4.pmin(v, f32x4.splat(1)), f32x4.splat(0));
}

/**
 * `iterations` synchronous iterations on every row of the states in slot `which` (D_FREE or
 * D_NUDGED): per iteration, every product from the previous state, then every layer steps. With
 * target ≠ 0 (rows × p_L), the nudged dynamics on F = E + βC. Returns the MACs executed.
 */
export function relax(desc: usize, L: i32, rows: i32, iterations: i32, which: i32, target: usize, beta: f32, epsilon: f32, sparse: i32, pack: usize): f64 {
  const slot = which == 0 ? D_FREE : D_NUDGED;
  const eps = f32x4.splat(epsilon);
  const twoBeta = f32x4.splat(2 * beta);
  const pL = geti(desc, L, D_P);
  const p1 = geti(desc, 1, D_P);
  const drive = getp(desc, 0, D_UP);
  let macs: f64 = 0;
  for (let r = 0; r < rows; r++) {
    // the lists of ρ(s_k) of this row, k = 1 … L; each step then writes those of the next state
    for (let k = 1; k <= L; k++) {
      const p = geti(desc, k, D_P);
      const s = getp(desc, k, slot) + ((<usize>r * <usize>p) << 2);
      store<i32>(rec(desc, k) + D_COUNT, listOf(s, geti(desc, k, D_N), sparse, getp(desc, k, D_LIDX), getp(desc, k, D_LVAL)));
    }
    // the constant terms: d_k b_k, plus a_0 ρ(x)W_0 for the first hidden layer
    for (let k = 1; k <= L; k++) {
      const p = geti(desc, k, D_P);
      const c = getp(desc, k, D_CONST);
      const b = getp(desc, k, D_BIAS);
      const cBias = f32x4.splat(getf(desc, k, D_CBIAS));
      const end = <usize>p << 2;
      if (k == 1) {
        const d = drive + ((<usize>r * <usize>p1) << 2);
        const cBelow = f32x4.splat(getf(desc, 1, D_CBELOW));
        for (let o: usize = 0; o < end; o += 16) v128.store(c + o, f32x4.add(f32x4.mul(cBias, v128.load(b + o)), f32x4.mul(cBelow, v128.load(d + o))));
      } else {
        for (let o: usize = 0; o < end; o += 16) v128.store(c + o, f32x4.mul(cBias, v128.load(b + o)));
      }
    }
    for (let it = 0; it < iterations; it++) {
      // the products from the previous state: ρ(s_k)W_k into layer k+1's below, ρ(s_{k+1})W_kᵀ
      // into layer k's above
      for (let k = 1; k < L; k++) {
        const countK = geti(desc, k, D_COUNT);
        const countNext = geti(desc, k + 1, D_COUNT);
        const pk = geti(desc, k, D_P);
        const pn = geti(desc, k + 1, D_P);
        rowsTimes(getp(desc, k, D_LIDX), getp(desc, k, D_LVAL), countK, getp(desc, k, D_W), pn, getp(desc, k + 1, D_BELOW), pn);
        rowsTimes(getp(desc, k + 1, D_LIDX), getp(desc, k + 1, D_LVAL), countNext, getp(desc, k, D_WT), pk, getp(desc, k, D_ABOVE), pk);
        macs += <f64>countK * <f64>geti(desc, k + 1, D_N) + <f64>countNext * <f64>geti(desc, k, D_N);
      }
      // every layer steps (and lists its new state)
      for (let k = 1; k <= L; k++) {
        const p = geti(desc, k, D_P);
        const s = getp(desc, k, slot) + ((<usize>r * <usize>p) << 2);
        const below: usize = k == 1 ? 0 : getp(desc, k, D_BELOW);
        const above: usize = k < L ? getp(desc, k, D_ABOVE) : 0;
        const y: usize = k == L && target != 0 ? target + ((<usize>r * <usize>pL) << 2) : 0;
        const n = geti(desc, k, D_N);
        const constant = getp(desc, k, D_CONST);
        const cSelf = f32x4.splat(getf(desc, k, D_SELF));
        const cBelow = f32x4.splat(getf(desc, k, D_CBELOW));
        const cAbove = f32x4.splat(getf(desc, k, D_CABOVE));
        const idx = getp(desc, k, D_LIDX);
        const val = getp(desc, k, D_LVAL);
        // the first step starts from the given states (any values); the later ones from clipped ones
        const count = it == 0
          ? stepLayer<i32>(s, p, n, constant, below, above, y, cSelf, cBelow, cAbove, twoBeta, eps, sparse, pack, idx, val)
          : stepLayer<bool>(s, p, n, constant, below, above, y, cSelf, cBelow, cAbove, twoBeta, eps, sparse, pack, idx, val);
        store<i32>(rec(desc, k) + D_COUNT, count);
      }
    }
  }
  return macs;
}

/** ρ(s⁰_k)W_k for k = 1 … L−1 of every row (into layer k's D_UP, rows × p_{k+1}). Returns the MACs. */
export function upProducts(desc: usize, L: i32, rows: i32, sparse: i32): f64 {
  let macs: f64 = 0;
  for (let k = 1; k < L; k++) {
    const p = geti(desc, k, D_P);
    const pn = geti(desc, k + 1, D_P);
    const idx = getp(desc, k, D_LIDX);
    const val = getp(desc, k, D_LVAL);
    for (let r = 0; r < rows; r++) {
      const count = listOf(getp(desc, k, D_FREE) + ((<usize>r * <usize>p) << 2), geti(desc, k, D_N), sparse, idx, val);
      rowsTimes(idx, val, count, getp(desc, k, D_W), pn, getp(desc, k, D_UP) + ((<usize>r * <usize>pn) << 2), pn);
      macs += <f64>count * <f64>geti(desc, k + 1, D_N);
    }
  }
  return macs;
}

/**
 * E of every row at the free states, float64, into `out` (rows f64): energy.ts's energyPerRow with
 * the same operations in the same order — per layer k its quadratic and bias terms, then its
 * interaction a_k Σ_j up_k[r, j]·ρ(s_{k+1}[r, j]) with the products of inputDrive (k = 0) and
 * upProducts — so that on the same states and products the two agree bit for bit. Each sum runs
 * over a list (the input's row lists of inputLists, the states' own): on the sparse path they
 * leave out the zeros of ρ, whose terms (q·0·0, d·b·0, up·0) are exact zeros, and a float64 sum
 * from +0 is unchanged by them (as the kernels' products).
 */
export function energies(desc: usize, L: i32, rows: i32, rowStart: usize, rowVal: usize, sparse: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    // the lists of ρ(s⁰_k) of this row (their zeros' terms, left out on the sparse path, are exact zeros)
    for (let k = 1; k <= L; k++) {
      const s = getp(desc, k, D_FREE) + ((<usize>r * <usize>geti(desc, k, D_P)) << 2);
      store<i32>(rec(desc, k) + D_COUNT, listOf(s, geti(desc, k, D_N), sparse, getp(desc, k, D_LIDX), getp(desc, k, D_LVAL)));
    }
    let E: f64 = 0;
    for (let k = 0; k <= L; k++) {
      const q = load<f64>(rec(desc, k) + D_Q);
      let e: f64 = 0;
      if (k == 0) {
        const end = load<i32>(rowStart + (<usize>(r + 1) << 2));
        for (let t = load<i32>(rowStart + (<usize>r << 2)); t < end; t++) {
          const v = <f64>load<f32>(rowVal + (<usize>t << 2));
          e += q * v * v;
        }
      } else {
        const d = load<f64>(rec(desc, k) + D_BD);
        const b = getp(desc, k, D_BIAS);
        const idx = getp(desc, k, D_LIDX);
        const val = getp(desc, k, D_LVAL);
        const count = geti(desc, k, D_COUNT);
        for (let t = 0; t < count; t++) {
          const at = <usize>t << 2;
          const v = <f64>load<f32>(val + at);
          e += q * v * v;
          e += d * <f64>load<f32>(b + (<usize>load<i32>(idx + at) << 2)) * v;
        }
      }
      E += e;
      if (k < L) {
        const pm = geti(desc, k + 1, D_P);
        const up = getp(desc, k, D_UP) + ((<usize>r * <usize>pm) << 2);
        const idx = getp(desc, k + 1, D_LIDX);
        const val = getp(desc, k + 1, D_LVAL);
        const count = geti(desc, k + 1, D_COUNT);
        let f: f64 = 0;
        for (let t = 0; t < count; t++) {
          const at = <usize>t << 2;
          f += <f64>load<f32>(up + (<usize>load<i32>(idx + at) << 2)) * <f64>load<f32>(val + at);
        }
        E += load<f64>(rec(desc, k) + D_A) * f;
      }
    }
    store<f64>(out + (<usize>r << 3), E);
  }
}

// ---- the update ----

/**
 * W_k −= c_k (Σ_rows ρ(s^β_k)ᵀρ(s^β_{k+1}) − Σ_rows ρ(s⁰_k)ᵀρ(s⁰_{k+1})), c_k = α_k a_k/(βB) (D_CW),
 * every W_k. W_0 (the input is clamped, so its difference is one product,
 * c_0 ρ(x)ᵀ(ρ(s^β_1) − ρ(s⁰_1))) only in the `touched` columns of ρ(x) (rows of W_0), each row's sum
 * over the column list of ρ(x) (increasing batch row); `diff` is scratch of rows × p_1. For
 * k ≥ 1, each sum runs over the batch rows in increasing order, a row left out (sparse) where
 * its presynaptic ρ is 0; listIdx/listVal (rows entries) and accA/accB (the widest pitch) are
 * scratch. The postsynaptic states are used as they are: after at least one step of a
 * relaxation they lie in [0, 1], where ρ(s) = s. Returns the MACs executed.
 */
export function updateWeights(
  desc: usize, L: i32, rows: i32, sparse: i32,
  colStart: usize, colRow: usize, colVal: usize, touched: usize, nTouched: i32, diff: usize,
  listIdx: usize, listVal: usize, accA: usize, accB: usize,
): f64 {
  let macs: f64 = 0;
  // k = 0: diff = ρ(s^β_1) − ρ(s⁰_1)
  const n1 = geti(desc, 1, D_N);
  const p1 = geti(desc, 1, D_P);
  const zero = f32x4.splat(0);
  {
    const A = getp(desc, 1, D_NUDGED);
    const B = getp(desc, 1, D_FREE);
    const end = (<usize>rows * <usize>p1) << 2;
    for (let o: usize = 0; o < end; o += 16) {
      const a = clip4(v128.load(A + o));
      const b = clip4(v128.load(B + o));
      v128.store(diff + o, f32x4.sub(a, b));
    }
    const W0 = getp(desc, 0, D_W);
    const c0 = f32x4.splat(getf(desc, 0, D_CW));
    const rowBytes = <usize>p1 << 2;
    for (let t = 0; t < nTouched; t++) {
      const i = load<i32>(touched + (<usize>t << 2));
      const start = load<i32>(colStart + (<usize>i << 2));
      const end = load<i32>(colStart + (<usize>(i + 1) << 2));
      const w = W0 + <usize>i * rowBytes;
      let c = 0;
      for (; c + 32 <= p1; c += 32) {
        const col = <usize>c << 2;
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        for (let e = start; e < end; e++) {
          const at = <usize>e << 2;
          const v = v128.load32_splat(colVal + at);
          const d = diff + <usize>load<i32>(colRow + at) * rowBytes + col;
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(d)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(d, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(d, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(d, 48)));
          a4 = f32x4.add(a4, f32x4.mul(v, v128.load(d, 64)));
          a5 = f32x4.add(a5, f32x4.mul(v, v128.load(d, 80)));
          a6 = f32x4.add(a6, f32x4.mul(v, v128.load(d, 96)));
          a7 = f32x4.add(a7, f32x4.mul(v, v128.load(d, 112)));
        }
        const o = w + col;
        v128.store(o, f32x4.sub(v128.load(o), f32x4.mul(c0, a0)));
        v128.store(o, f32x4.sub(v128.load(o, 16), f32x4.mul(c0, a1)), 16);
        v128.store(o, f32x4.sub(v128.load(o, 32), f32x4.mul(c0, a2)), 32);
        v128.store(o, f32x4.sub(v128.load(o, 48), f32x4.mul(c0, a3)), 48);
        v128.store(o, f32x4.sub(v128.load(o, 64), f32x4.mul(c0, a4)), 64);
        v128.store(o, f32x4.sub(v128.load(o, 80), f32x4.mul(c0, a5)), 80);
        v128.store(o, f32x4.sub(v128.load(o, 96), f32x4.mul(c0, a6)), 96);
        v128.store(o, f32x4.sub(v128.load(o, 112), f32x4.mul(c0, a7)), 112);
      }
      for (; c < p1; c += 4) {
        const col = <usize>c << 2;
        let a0 = zero;
        for (let e = start; e < end; e++) {
          const at = <usize>e << 2;
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(colVal + at), v128.load(diff + <usize>load<i32>(colRow + at) * rowBytes + col)));
        }
        const o = w + col;
        v128.store(o, f32x4.sub(v128.load(o), f32x4.mul(c0, a0)));
      }
      macs += <f64>(end - start) * <f64>n1;
    }
  }
  // k ≥ 1: row j of W_k from the two sums over the batch rows of ρ(s_k)[r, j]·ρ(s_{k+1})[r, :]
  for (let k = 1; k < L; k++) {
    const n = geti(desc, k, D_N);
    const p = geti(desc, k, D_P);
    const m = geti(desc, k + 1, D_N);
    const pn = geti(desc, k + 1, D_P);
    const W = getp(desc, k, D_W);
    const cw = f32x4.splat(getf(desc, k, D_CW));
    const rowBytes = <usize>pn << 2;
    for (let j = 0; j < n; j++) {
      const countA = columnList(getp(desc, k, D_NUDGED), rows, p, j, sparse, listIdx, listVal);
      rowsTimes(listIdx, listVal, countA, getp(desc, k + 1, D_NUDGED), pn, accA, pn);
      const countB = columnList(getp(desc, k, D_FREE), rows, p, j, sparse, listIdx, listVal);
      rowsTimes(listIdx, listVal, countB, getp(desc, k + 1, D_FREE), pn, accB, pn);
      const w = W + <usize>j * rowBytes;
      for (let o: usize = 0; o < rowBytes; o += 16) {
        v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(cw, f32x4.sub(v128.load(accA + o), v128.load(accB + o)))));
      }
      macs += <f64>(countA + countB) * <f64>m;
    }
  }
  return macs;
}

/** The list of ρ(s[r, j]) over the rows r of a rows × pitch matrix (every row, or the nonzero ones). */
function columnList(s: usize, rows: i32, pitch: i32, j: i32, sparse: i32, idx: usize, val: usize): i32 {
  let count = 0;
  const all = sparse ? 0 : 1;
  const rowBytes = <usize>pitch << 2;
  const col = <usize>j << 2;
  for (let r = 0; r < rows; r++) {
    const v = rho(load<f32>(s + <usize>r * rowBytes + col));
    const at = <usize>count << 2;
    store<i32>(idx + at, r);
    store<f32>(val + at, v);
    count += all | (v != 0 ? 1 : 0);
  }
  return count;
}

/**
 * b_k −= (α_{k−1}/β)·(d_k Σ_rows (ρ(s^β_k) − ρ(s⁰_k)))/B for k = 1 … L, in float64 with the
 * operations and the order of energy.ts's parameterGradientDifference and phases.ts's update.
 */
export function updateBiases(desc: usize, L: i32, rows: i32): void {
  for (let k = 1; k <= L; k++) {
    const n = geti(desc, k, D_N);
    const p = geti(desc, k, D_P);
    const A = getp(desc, k, D_NUDGED);
    const B = getp(desc, k, D_FREE);
    const b = getp(desc, k, D_BIAS);
    const step = load<f64>(rec(desc, k) + D_BSTEP);
    const d = load<f64>(rec(desc, k) + D_BD);
    for (let j = 0; j < n; j++) {
      let acc: f64 = 0;
      for (let r = 0; r < rows; r++) {
        const at = ((<usize>r * <usize>p + <usize>j) << 2);
        acc += <f64>rho(load<f32>(A + at)) - <f64>rho(load<f32>(B + at));
      }
      acc = (d * acc) / <f64>rows;
      const at = <usize>j << 2;
      store<f32>(b + at, <f32>(<f64>load<f32>(b + at) - step * acc));
    }
  }
}
