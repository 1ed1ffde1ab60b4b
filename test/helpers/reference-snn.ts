/**
 * An independent float64 implementation of one §1 batch, written straight from docs/algorithms.md
 * §1.2–§1.3 with nested arrays and explicit diag() matrices, step-major as the spec states it
 * (for each step, for each layer). The engine (Float32 state, layer-major feedforward, fused
 * loops, TF.js products) must agree with it to float32 precision.
 */
export type Mat = number[][];

export const sig = (z: number) => 2 / (1 + Math.exp(-z)) - 1;
export const relu = (z: number) => Math.max(z, 0);

export function mul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}
export const T = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
export const map2 = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat => a.map((r, i) => r.map((v, j) => f(v, b[i][j])));
export const scale = (a: Mat, c: number): Mat => a.map((r) => r.map((v) => v * c));
export const diag = (v: number[]): Mat => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
export const rowsum = (a: Mat) => a.map((r) => r.reduce((s, v) => s + v, 0));
export const colsum = (a: Mat) => a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0));
export const N = (v: number[]) => {
  const s = v.reduce((a, b) => a + b, 0);
  return s === 0 ? v : v.map((x) => x / s);
};
const copy = (a: Mat): Mat => a.map((r) => [...r]);

export interface RefParams {
  dt: number; T: number; vE: number; vLeak: number; vTh: number; vReset: number; tauM: number; tauSyn: number; gLeak: number;
  nFree: number; nNudge: number; eps: number; beta: number; alpha: number[];
  rule: 'sbp' | 'stdp-differential' | 'stdp-symmetric';
  r: number; f: number; lPre: number; lPost: number; lBp: number;
  /** §1.4 short-term plasticity: the LIF input I is replaced by J (no dt factor). */
  stp?: { U: number; tauF: number; tauD: number; tauS: number; A: number };
  /**
   * §1.4 Dale's law: inhibitory[l][j] marks neuron j of layer l inhibitory (V_I, its own τ_syn and
   * g_leak); updates of weights not leaving the input shrink an entry by `shrink` instead of
   * letting it cross to the wrong side of 0 (row = presynaptic neuron: its sign).
   */
  dale?: { inhibitory: boolean[][]; vI: number; tauSynI: number; gLeakI: number; shrink: number };
}

export interface RefNet {
  W: Mat[];
  b: number[][];
  V: Mat[];
  g: Mat[];
  p: Mat[];
  /** STP state per layer (u, x, J), when P.stp is set. */
  stp?: { u: Mat; x: Mat; j: Mat }[];
}

export function refSbp(D: Mat, above: { ltp: Mat; ltd: Mat } | undefined, isOutput: boolean, P: RefParams) {
  const Dp = D.map((r) => r.map((v) => Math.max(v, 0)));
  const Dm = D.map((r) => r.map((v) => Math.min(v, 0)));
  const a1 = N(rowsum(Dp).map((v) => P.r * v)).map((v) => 1 + P.lPre * P.f * v);
  const P1 = mul(diag(a1), Dp);
  const a2 = N(rowsum(Dm).map((v) => P.r * Math.abs(v))).map((v) => 1 + P.lPre * P.f * v);
  const P2 = mul(diag(a2), Dm);
  const c3 = N(colsum(Dm).map((v) => P.r * Math.abs(v))).map((v) => 1 + P.lPost * P.f * v);
  const P3 = mul(Dm, diag(c3));
  if (isOutput || !above) {
    return { dW: map2(P1, map2(P2, P3, (a, b) => a + b), (a, b) => a + b / 2), ltp: P1, ltd: P2 };
  }
  const c4 = N(rowsum(above.ltp).map((v) => P.r * v)).map((v) => 1 + P.lBp * P.f * v);
  const P4 = mul(Dp, diag(c4));
  const c5 = N(rowsum(above.ltd).map((v) => P.r * v)).map((v) => 1 + P.lBp * P.f * v);
  const P5 = mul(Dm, diag(c5));
  const z = (m: Mat) => m.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v)));
  const [q1, q2, q3, q4, q5] = [P1, P2, P3, P4, P5].map(z);
  const dW = q1.map((r, i) => r.map((_, j) => (q1[i][j] + q4[i][j]) / 2 + (q2[i][j] + q3[i][j] + q5[i][j]) / 3));
  return { dW, ltp: P1, ltd: P2 };
}

/** One training batch (phases a–e); mutates net; returns the free and nudged states. */
export function refTrainBatch(net: RefNet, x: Mat, y: Mat, P: RefParams, feedforward = true) {
  const L = net.W.length + 1;
  const B = x.length;
  const s: Mat[] = [x, ...net.p.slice(1).map(copy)];
  const K = Math.round(P.T / P.dt);
  if (feedforward) {
    for (let t = 1; t <= K; t++) {
      const lambda = t / K;
      for (let l = 1; l < L; l++) {
        const drive = mul(s[l - 1], net.W[l - 1]);
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < drive[0].length; j++) {
            let I = sig(drive[i][j] + net.b[l][j]);
            if (P.stp) {
              const q = P.stp;
              const st = (net.stp as NonNullable<RefNet['stp']>)[l];
              st.u[i][j] = st.u[i][j] + (-st.u[i][j] / q.tauF + q.U * I * (1 - st.u[i][j]));
              st.x[i][j] = st.x[i][j] + ((1 - st.x[i][j]) / q.tauD - st.u[i][j] * st.x[i][j] * I);
              st.j[i][j] = st.j[i][j] + (-st.j[i][j] / q.tauS + q.A * st.u[i][j] * st.x[i][j] * I);
              I = st.j[i][j];
            }
            const inh = P.dale?.inhibitory[l][j] === true;
            const [vRev, tauSyn, gLeak] = inh && P.dale ? [P.dale.vI, P.dale.tauSynI, P.dale.gLeakI] : [P.vE, P.tauSyn, P.gLeak];
            const g = net.g[l][i][j] + (P.dt / tauSyn) * (-net.g[l][i][j] + gLeak + I);
            let V = net.V[l][i][j];
            V = V + (P.dt / P.tauM) * (-(V - P.vLeak) - (g / gLeak) * (V - vRev));
            if (V > P.vTh) V = P.vReset;
            const blended = lambda * V + (1 - lambda) * net.p[l][i][j];
            net.g[l][i][j] = g;
            net.V[l][i][j] = blended;
            s[l][i][j] = sig(blended);
          }
        }
      }
    }
  }
  const relaxStep = (st: Mat[], target?: Mat) => {
    for (let l = 1; l < L - 1; l++) {
      const below = mul(st[l - 1], net.W[l - 1]);
      const above = mul(st[l + 1], T(net.W[l]));
      st[l] = st[l].map((r, i) => r.map((v, j) => sig(v - P.eps * (v - below[i][j] - above[i][j] - net.b[l][j]))));
    }
    const below = mul(st[L - 2], net.W[L - 2]);
    st[L - 1] = st[L - 1].map((r, i) =>
      r.map((v, j) => relu(v - P.eps * (v - below[i][j] - net.b[L - 1][j] + (target ? P.beta * (v - target[i][j]) : 0)))),
    );
  };
  for (let it = 0; it < P.nFree; it++) relaxStep(s);
  net.p = [[], ...s.slice(1).map(copy)];
  const free = s.map(copy);
  const nudged = s.map(copy);
  for (let it = 0; it < P.nNudge; it++) relaxStep(nudged, y);
  for (let l = 1; l < L; l++) {
    const d = colsum(map2(nudged[l], free[l], (a, b) => (a - b) / P.beta)).map((v) => v / B);
    net.b[l] = net.b[l].map((v, j) => v + P.alpha[l - 1] * d[j]);
  }
  let above: { ltp: Mat; ltd: Mat } | undefined;
  for (let m = L - 1; m >= 1; m--) {
    let dW: Mat;
    const c = 1 / (P.beta * B);
    if (P.rule === 'stdp-differential') dW = scale(map2(mul(T(nudged[m - 1]), free[m]), mul(T(free[m - 1]), free[m]), (a, b) => a - b), c);
    else if (P.rule === 'stdp-symmetric') dW = scale(map2(mul(T(nudged[m - 1]), nudged[m]), mul(T(free[m - 1]), free[m]), (a, b) => a - b), c);
    else {
      const D = scale(mul(T(free[m - 1]), map2(nudged[m], free[m], (a, b) => a - b)), c);
      const out = refSbp(D, above, m === L - 1, P);
      dW = out.dW;
      above = { ltp: out.ltp, ltd: out.ltd };
    }
    const dale = P.dale;
    if (dale && m - 1 >= 1) {
      // the presynaptic neuron's sign: an update that would cross 0 shrinks the weight instead
      net.W[m - 1] = net.W[m - 1].map((row, i) =>
        row.map((w, j) => {
          const proposed = w + P.alpha[m - 1] * dW[i][j];
          return (dale.inhibitory[m - 1][i] ? proposed > 0 : proposed < 0) ? w * (1 - dale.shrink) : proposed;
        }),
      );
    } else net.W[m - 1] = map2(net.W[m - 1], dW, (w, d) => w + P.alpha[m - 1] * d);
  }
  return { free, nudged };
}
