/**
 * Numbers drawn from finished cells: the score an experiment reports, mean ± std over seeds, the
 * paper's §4 cost of a pair of runs, executed MACs and wall time.
 */
import { pairedPaperCost } from '../train/cost.js';
import type { EpochMetrics } from '../train/loop.js';
import type { CellOutcome } from './cell.js';

/**
 * The curve a cell is judged on: validation accuracy when the run held rows out (§2: the paper's
 * curve for the energy ANN is the last 10,000 training images), else the test score.
 */
export function judgedScores(history: readonly EpochMetrics[]): number[] {
  return history.map((m) => (typeof m.validationAccuracy === 'number' ? m.validationAccuracy : m.testAccuracy));
}

export interface RunNumbers {
  /** Score after the last epoch (the judged curve), and the official test score. */
  readonly finalScore: number;
  readonly finalTestScore: number;
  readonly bestScore: number;
  readonly epochs: number;
  /** Executed multiply-accumulates per training sample (mean over epochs). */
  readonly trainMacsPerSample: number;
  /** Executed backward MACs per training sample (models that count them), mean over epochs. */
  /** Dense-equivalent backward MACs per training sample (what dense products of the same shapes cost). */
  readonly backwardMacsPerSample?: number;
  /** Backward operations actually executed per training sample (the event-driven kernels skip inactive rows). */
  readonly backwardOpsPerSample?: number;
  readonly paperOpsPerSample: number;
  /** Training seconds per epoch (mean). */
  readonly secondsPerEpoch: number;
  readonly peakRssMiB: number;
}

export function runNumbers(outcome: CellOutcome): RunNumbers | undefined {
  const h = outcome.history;
  if (outcome.status !== 'done' || h.length === 0) return undefined;
  const scores = judgedScores(h);
  const last = h[h.length - 1];
  const mean = (f: (m: EpochMetrics) => number) => h.reduce((s, m) => s + f(m), 0) / h.length;
  return {
    finalScore: scores[scores.length - 1],
    finalTestScore: last.testAccuracy,
    bestScore: Math.max(...scores),
    epochs: h.length,
    trainMacsPerSample: mean((m) => m.trainMacsPerSample),
    backwardMacsPerSample: typeof last.trainBackwardMacs === 'number' ? mean((m) => Number(m.trainBackwardMacs)) : undefined,
    backwardOpsPerSample: typeof last.trainBackwardOps === 'number' ? mean((m) => Number(m.trainBackwardOps)) : typeof last.trainBackwardMacs === 'number' ? mean((m) => Number(m.trainBackwardMacs)) : undefined,
    paperOpsPerSample: last.paperOpsPerSample,
    secondsPerEpoch: mean((m) => m.trainSeconds),
    peakRssMiB: Math.max(...h.map((m) => m.peakRssMiB ?? NaN)),
  };
}

/** Two runs' train and test accuracy compared epoch by epoch (over the epochs both have). */
export interface HistoryDifference {
  readonly epochs: number;
  /** Epochs whose train or test accuracy differs. */
  readonly differing: number;
  /** The largest |difference| of train or test accuracy (a fraction). */
  readonly largest: number;
}

export function historyDifference(a: readonly EpochMetrics[], b: readonly EpochMetrics[]): HistoryDifference {
  const epochs = Math.min(a.length, b.length);
  let differing = 0;
  let largest = 0;
  for (let e = 0; e < epochs; e++) {
    const gap = Math.max(Math.abs(a[e].trainAccuracy - b[e].trainAccuracy), Math.abs(a[e].testAccuracy - b[e].testAccuracy));
    if (gap > 0) differing++;
    largest = Math.max(largest, gap);
  }
  return { epochs, differing, largest };
}

export interface MeanStd {
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  readonly std: number;
  readonly n: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

/** Mean ± std over epochs of several runs' curves (runs cut to the shortest). */
export function meanCurve(curves: readonly number[][]): { epoch: number; mean: number; std: number }[] {
  if (curves.length === 0) return [];
  const epochs = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: epochs }, (_, e) => {
    const s = meanStd(curves.map((c) => c[e]));
    return { epoch: e + 1, mean: s.mean, std: s.std };
  });
}

/**
 * The §4 cost of run A against run B (same seed): operations per sample × epochs to reach each of
 * 5 error thresholds spread over the range both reach, averaged over the thresholds. `ops`: the
 * paper's operation count per sample, or the multiply-accumulates actually executed per sample.
 */
export function pairCost(a: CellOutcome, b: CellOutcome, ops: 'paper' | 'executed' = 'paper'): { costA: number; costB: number } | undefined {
  const na = runNumbers(a);
  const nb = runNumbers(b);
  if (!na || !nb) return undefined;
  const errors = (o: CellOutcome) => judgedScores(o.history).map((s) => 1 - s);
  const perSample = (n: RunNumbers) => (ops === 'paper' ? n.paperOpsPerSample : n.trainMacsPerSample);
  const { costA, costB } = pairedPaperCost({ errors: errors(a), opsPerSample: perSample(na) }, { errors: errors(b), opsPerSample: perSample(nb) });
  return { costA, costB };
}

export const pct = (v: number, digits = 2): string => (Number.isFinite(v) ? `${(100 * v).toFixed(digits)} %` : '—');
export const pm = (s: MeanStd, scale = 100, digits = 2): string =>
  !Number.isFinite(s.mean) ? '—' : s.n > 1 ? `${(scale * s.mean).toFixed(digits)} ± ${(scale * s.std).toFixed(digits)}` : (scale * s.mean).toFixed(digits);
export const sci = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toExponential(digits) : '—');
