/**
 * An independent float64 implementation of the §3 spiking MLP for the tests: the forward over K
 * steps, surrogate-gradient BPTT written out by hand, and the SBP hidden update written in the
 * spec's own layout (diag(sp)·R·Eᵀ·X, n_post × n_pre).
 */
export type Mat = number[][];

export interface RefParams {
  decay: number;
  threshold: number;
  window: number;
}

const zeros = (r: number, c: number): Mat => Array.from({ length: r }, () => new Array(c).fill(0));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export interface RefForward {
  out: Mat;
  loss: number;
  /** s[l][t]: spikes of layer l (0 = input) at step t. */
  s: Mat[][];
  v: Mat[][];
  z: Mat[][];
}

/** W[k]: n_k × n_{k+1}; b[k]: bias of layer k+1; input[t]: B × n_0. */
export function refForward(W: Mat[], b: number[][], input: Mat[], y: Mat, P: RefParams): RefForward {
  const K = input.length;
  const B = y.length;
  const L = W.length + 1;
  const s: Mat[][] = [input];
  const v: Mat[][] = [[]];
  const z: Mat[][] = [[]];
  for (let l = 1; l < L; l++) {
    const n = W[l - 1][0].length;
    s.push([]);
    v.push([]);
    z.push([]);
    let vPrev = zeros(B, n);
    let sPrev = zeros(B, n);
    for (let t = 0; t < K; t++) {
      const a = s[l - 1][t];
      const zt = zeros(B, n);
      const vt = zeros(B, n);
      const st = zeros(B, n);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < n; j++) {
          let acc = b[l - 1][j];
          for (let i = 0; i < a[r].length; i++) acc += a[r][i] * W[l - 1][i][j];
          zt[r][j] = acc;
          vt[r][j] = P.decay * vPrev[r][j] * (1 - sPrev[r][j]) + sigmoid(acc) - 0.1;
          st[r][j] = vt[r][j] > P.threshold ? 1 : 0;
        }
      }
      z[l].push(zt);
      v[l].push(vt);
      s[l].push(st);
      vPrev = vt;
      sPrev = st;
    }
  }
  const nOut = y[0].length;
  const out = zeros(B, nOut);
  let loss = 0;
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < nOut; o++) {
      for (let t = 0; t < K; t++) out[r][o] += s[L - 1][t][r][o] / K;
      loss += (out[r][o] - y[r][o]) ** 2 / (B * nOut);
    }
  }
  return { out, loss, s, v, z };
}

export interface RefGradients {
  gW: Mat[];
  gb: number[][];
  /** gWStep[k][t]: the contribution of step t to gW[k]. */
  gWStep: Mat[][];
}

/** BPTT of the MSE loss with ∂s/∂v = 1[|v − θ| < w], the reset term included. */
export function refBackward(W: Mat[], f: RefForward, y: Mat, P: RefParams): RefGradients {
  const L = W.length + 1;
  const K = f.s[0].length;
  const B = y.length;
  const nOut = y[0].length;
  const gW = W.map((w) => zeros(w.length, w[0].length));
  const gb = W.map((w) => new Array(w[0].length).fill(0));
  const gWStep: Mat[][] = W.map((w) => Array.from({ length: K }, () => zeros(w.length, w[0].length)));
  // gvNext[l]: ∂L/∂v_l^{t+1}
  const gvNext: Mat[] = [[]];
  for (let l = 1; l < L; l++) gvNext.push(zeros(B, W[l - 1][0].length));
  for (let t = K - 1; t >= 0; t--) {
    let gsFromAbove: Mat | undefined;
    for (let l = L - 1; l >= 1; l--) {
      const n = W[l - 1][0].length;
      const gs = zeros(B, n);
      const gv = zeros(B, n);
      const gz = zeros(B, n);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < n; j++) {
          let g = l === L - 1 ? (2 * (f.out[r][j] - y[r][j])) / (B * nOut * K) : gsFromAbove![r][j];
          if (t + 1 < K) g += gvNext[l][r][j] * -P.decay * f.v[l][t][r][j];
          gs[r][j] = g;
          const surrogate = Math.abs(f.v[l][t][r][j] - P.threshold) < P.window ? 1 : 0;
          let gvt = g * surrogate;
          if (t + 1 < K) gvt += gvNext[l][r][j] * P.decay * (1 - f.s[l][t][r][j]);
          gv[r][j] = gvt;
          const sg = sigmoid(f.z[l][t][r][j]);
          gz[r][j] = gvt * sg * (1 - sg);
        }
      }
      const a = f.s[l - 1][t];
      const ga = zeros(B, a[0].length);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < n; j++) {
          gb[l - 1][j] += gz[r][j];
          for (let i = 0; i < a[0].length; i++) {
            gW[l - 1][i][j] += a[r][i] * gz[r][j];
            gWStep[l - 1][t][i][j] += a[r][i] * gz[r][j];
            ga[r][i] += gz[r][j] * W[l - 1][i][j];
          }
        }
      }
      gvNext[l] = gv;
      gsFromAbove = ga;
    }
  }
  return { gW, gb, gWStep };
}

/**
 * §3's SBP hidden-weight gradients in the spec's layout, returned transposed to ours (n_pre × n_post):
 *   G_k = Σ_t diag(sp_k^t)·R_k·Eᵀ·X_k^t + hebb·diag(Σ_t sp_k^t)·H_kᵀ
 *   sp_k^t[j] = 0.01 Σ_i |G_{k+1}^t[j, i]| / (n_{k+1} n_{k+2}), G_{L−2}^t = the true output-weight step gradient.
 */
export function refSbpHidden(f: RefForward, outputStepGrads: Mat[], R: Mat[], y: Mat, hebb: number, lastStepOnly = false): Mat[] {
  const L = f.s.length;
  const K = f.s[0].length;
  const B = y.length;
  const nOut = y[0].length;
  const E = y.map((row, r) => row.map((v, o) => v - f.out[r][o]));
  const result: Mat[] = new Array(L - 2);
  let above: Mat[] = outputStepGrads; // [t][j][i] in our layout (rows = neurons of layer k+1)
  for (let k = L - 3; k >= 0; k--) {
    const nPre = f.s[k][0][0].length;
    const nPost = f.s[k + 1][0][0].length;
    const nNext = f.s[k + 2][0][0].length;
    const Gspec = zeros(nPost, nPre);
    const stepOurs: Mat[] = [];
    const spSum = new Array(nPost).fill(0);
    for (let t = 0; t < K; t++) {
      const sp = above[t].map((row) => (0.01 * row.reduce((acc, g) => acc + Math.abs(g), 0)) / (nPost * nNext));
      const X = f.s[k][lastStepOnly ? K - 1 : t];
      const step = zeros(nPre, nPost);
      for (let j = 0; j < nPost; j++) {
        spSum[j] += sp[j];
        for (let i = 0; i < nPre; i++) {
          let acc = 0; // (R·Eᵀ·X)[j, i]
          for (let o = 0; o < nOut; o++) for (let r = 0; r < B; r++) acc += R[k][j][o] * E[r][o] * X[r][i];
          Gspec[j][i] += sp[j] * acc;
          step[i][j] = sp[j] * acc;
        }
      }
      stepOurs.push(step);
    }
    if (hebb > 0) {
      const corr = (t: number, i: number, j: number) => {
        let acc = 0;
        for (let r = 0; r < B; r++) acc += f.s[k][t][r][i] * f.s[k + 1][t][r][j];
        return acc;
      };
      for (let j = 0; j < nPost; j++) {
        for (let i = 0; i < nPre; i++) {
          const H = corr(K - 1, i, j) + corr(K - 2, i, j) - corr(0, i, j) - corr(1, i, j);
          Gspec[j][i] += hebb * spSum[j] * H;
        }
      }
    }
    result[k] = Array.from({ length: nPre }, (_, i) => Array.from({ length: nPost }, (_, j) => Gspec[j][i]));
    above = stepOurs; // rows = neurons of layer k, the next lower layer's postsynaptic side
  }
  return result;
}
