/**
 * An independent float64 implementation of the §2 energy ANN, written from docs/algorithms.md §2 with
 * nested arrays. Each energy is built as the list of its terms exactly as the formula is written
 * (e.g. for E_θ: for l = 0 … L−2 the four terms of the bracket, then the two bias sums), and its
 * value and gradients are computed term by term, so nothing is shared with the engine's collected
 * coefficients (src/models/ann/energy.ts).
 */
export type Mat = number[][];

export const rho = (v: number) => Math.min(1, Math.max(0, v));
export const rhoP = (v: number) => (v >= 0 && v <= 1 ? 1 : 0);
const clip = rho;

/** One term of an energy: c·ρ(s_k)·ρ(s_k), c·b_k·ρ(s_k), or c·ρ(s_k)W_kρ(s_{k+1})ᵀ. */
export type Term = { kind: 'quad' | 'bias' | 'inter'; k: number; c: number };

/** The terms of E (standard) or of E_θ (literal, and the output-quadratic reading), as written. */
export function terms(kind: 'standard' | 'literal' | 'output-quadratic', layerCount: number, theta: number): Term[] {
  const L = layerCount - 1;
  const t: Term[] = [];
  if (kind === 'standard') {
    // E = ½ Σ_l ρ·ρ − Σ_l b·ρ − Σ_l ρ W ρ
    for (let l = 0; l <= L; l++) t.push({ kind: 'quad', k: l, c: 0.5 }, { kind: 'bias', k: l, c: -1 });
    for (let l = 0; l < L; l++) t.push({ kind: 'inter', k: l, c: -1 });
    return t;
  }
  // E_θ = Σ_{l=0}^{L−2} [ ρ_l W_l ρ_{l+1} + ρ_l·ρ_l + θ(ρ_{l+1} W_{l+1} ρ_{l+2} + ρ_{l+1}·ρ_{l+1}) ]
  //       + Σ_{l=0}^{L−1} ρ_l·b_l + Σ_{l=0}^{L−1} ρ_{l+1}·b_{l+1}
  for (let l = 0; l <= L - 2; l++) {
    t.push({ kind: 'inter', k: l, c: 1 }, { kind: 'quad', k: l, c: 1 }, { kind: 'inter', k: l + 1, c: theta }, { kind: 'quad', k: l + 1, c: theta });
  }
  for (let l = 0; l <= L - 1; l++) t.push({ kind: 'bias', k: l, c: 1 }, { kind: 'bias', k: l + 1, c: 1 });
  if (kind === 'output-quadratic') t.push({ kind: 'quad', k: L, c: 0.5 });
  return t;
}

export interface RefNet {
  W: Mat[];
  /** b[k] for k = 0 … L (b[0] = the input's, all zero). */
  b: number[][];
}

/** s: one row's states per layer (s[0] = x). */
export function energyRow(T: Term[], net: RefNet, s: number[][]): number {
  let e = 0;
  for (const t of T) {
    const sk = s[t.k];
    if (t.kind === 'quad') e += t.c * sk.reduce((a, v) => a + rho(v) * rho(v), 0);
    else if (t.kind === 'bias') e += t.c * sk.reduce((a, v, j) => a + (net.b[t.k][j] ?? 0) * rho(v), 0);
    else {
      const next = s[t.k + 1];
      for (let i = 0; i < sk.length; i++) for (let j = 0; j < next.length; j++) e += t.c * rho(sk[i]) * net.W[t.k][i][j] * rho(next[j]);
    }
  }
  return e;
}

/** ∂E/∂s for one row, every layer (index 0 too, unused), term by term. */
export function stateGradRow(T: Term[], net: RefNet, s: number[][]): number[][] {
  const g = s.map((layer) => layer.map(() => 0));
  for (const t of T) {
    const sk = s[t.k];
    if (t.kind === 'quad') sk.forEach((v, j) => (g[t.k][j] += 2 * t.c * rho(v) * rhoP(v)));
    else if (t.kind === 'bias') sk.forEach((v, j) => (g[t.k][j] += t.c * (net.b[t.k][j] ?? 0) * rhoP(v)));
    else {
      const next = s[t.k + 1];
      for (let i = 0; i < sk.length; i++) {
        for (let j = 0; j < next.length; j++) {
          g[t.k][i] += t.c * rhoP(sk[i]) * net.W[t.k][i][j] * rho(next[j]);
          g[t.k + 1][j] += t.c * rho(sk[i]) * net.W[t.k][i][j] * rhoP(next[j]);
        }
      }
    }
  }
  return g;
}

/** ∂E/∂W_k and ∂E/∂b_k for one row, term by term. */
export function paramGradRow(T: Term[], net: RefNet, s: number[][]): { W: Mat[]; b: number[][] } {
  const W = net.W.map((w) => w.map((r) => r.map(() => 0)));
  const b = net.b.map((v) => v.map(() => 0));
  for (const t of T) {
    if (t.kind === 'bias') s[t.k].forEach((v, j) => (b[t.k][j] += t.c * rho(v)));
    else if (t.kind === 'inter') {
      for (let i = 0; i < s[t.k].length; i++) for (let j = 0; j < s[t.k + 1].length; j++) W[t.k][i][j] += t.c * rho(s[t.k][i]) * rho(s[t.k + 1][j]);
    }
  }
  return { W, b };
}

/** States of a batch: S[row][layer][unit]. One synchronous iteration, every row, in place. */
export function refIteration(T: Term[], net: RefNet, S: number[][][], eps: number, teacher?: { y: Mat; beta: number }): void {
  for (let r = 0; r < S.length; r++) {
    const s = S[r];
    const g = stateGradRow(T, net, s);
    const L = s.length - 1;
    if (teacher) s[L].forEach((v, j) => (g[L][j] += 2 * teacher.beta * (v - teacher.y[r][j])));
    for (let k = 1; k <= L; k++) s[k] = s[k].map((v, j) => clip(v - eps * g[k][j]));
  }
}

/** The §2 update from free S0 and nudged Sb, averaged over rows; returns the new parameters. */
export function refUpdate(T: Term[], net: RefNet, S0: number[][][], Sb: number[][][], beta: number, alpha: number[]): RefNet {
  const B = S0.length;
  const W = net.W.map((w) => w.map((r) => [...r]));
  const b = net.b.map((v) => [...v]);
  for (let r = 0; r < B; r++) {
    const gb = paramGradRow(T, net, Sb[r]);
    const g0 = paramGradRow(T, net, S0[r]);
    W.forEach((w, k) => w.forEach((row, i) => row.forEach((_, j) => (row[j] -= (alpha[k] / beta) * (gb.W[k][i][j] - g0.W[k][i][j]) / B))));
    for (let k = 1; k < b.length; k++) b[k].forEach((_, j) => (b[k][j] -= (alpha[k - 1] / beta) * (gb.b[k][j] - g0.b[k][j]) / B));
  }
  return { W, b };
}
