/**
 * The §2 sleep/wake grid: the energy ANN with and without the SBP energy over N_s (free, "sleep")
 * × N_w (nudged, "wake") iterations, N_s, N_w ∈ {1, 6, 11, 16, 21} (the paper's figure), every
 * cell for every seed. Summary per (N_s, N_w): accuracy with and without SBP (mean ± std over
 * seeds), Δ accuracy, and the §4 cost of SBP against no SBP on the same seed — by the paper's
 * operation count and by the multiply-accumulates actually executed (which, unlike the paper's
 * count, grow with the iterations).
 */
import type { RunConfigInput } from '../train/run-config.js';
import type { Cell, CellOutcome } from './cell.js';
import { meanStd, pairCost, pm, runNumbers, sci, type MeanStd } from './summary.js';

export const PAPER_GRID_ITERATIONS = [1, 6, 11, 16, 21] as const;

export interface GridOptions {
  readonly task: 'mnist' | 'nettalk';
  readonly sleep: readonly number[];
  readonly wake: readonly number[];
  readonly seeds: readonly number[];
  /** Run fields shared by every cell (data, limits, epochs, backend, layers …). */
  readonly base: RunConfigInput;
}

export function gridCells(o: GridOptions): Cell[] {
  const cells: Cell[] = [];
  for (const sbp of [true, false]) {
    for (const sleep of o.sleep) {
      for (const wake of o.wake) {
        for (const seed of o.seeds) {
          const base = o.base as Record<string, unknown>;
          const ann = { ...((base.ann as object) ?? {}), sbp, sleepIterations: sleep, wakeIterations: wake };
          cells.push({
            id: `ann-${o.task}-sbp-${sbp ? 'on' : 'off'}-sleep${sleep}-wake${wake}-seed${seed}`,
            config: { ...o.base, task: o.task, model: 'ann', seed, ann } as RunConfigInput,
            labels: { family: 'ann', task: o.task, sbp: sbp ? 'on' : 'off', sleep, wake, seed },
          });
        }
      }
    }
  }
  return cells;
}

export interface GridRow {
  readonly sleep: number;
  readonly wake: number;
  readonly on: MeanStd;
  readonly off: MeanStd;
  /** SBP minus no SBP, accuracy (fraction), mean over seeds. */
  readonly deltaAccuracy: MeanStd;
  /** §4 cost with SBP relative to without (cost_on / cost_off − 1), paper operations and executed MACs. */
  readonly deltaPaperCost: MeanStd;
  readonly deltaExecutedCost: MeanStd;
  readonly paperCostOn: MeanStd;
  readonly paperCostOff: MeanStd;
  readonly macsPerSampleOn: MeanStd;
  readonly macsPerSampleOff: MeanStd;
  /** Seeds with both runs finished. */
  readonly pairs: number;
}

/** One row per (N_s, N_w) that has at least one finished pair. */
export function gridSummary(cells: readonly Cell[], outcomes: ReadonlyMap<string, CellOutcome>): GridRow[] {
  const find = (sbp: string, sleep: number, wake: number, seed: number) =>
    cells.find((c) => c.labels.sbp === sbp && c.labels.sleep === sleep && c.labels.wake === wake && c.labels.seed === seed);
  const values = (key: string) => [...new Set(cells.map((c) => c.labels[key] as number))].sort((a, b) => a - b);
  const rows: GridRow[] = [];
  for (const sleep of values('sleep')) {
    for (const wake of values('wake')) {
      const acc = { on: [] as number[], off: [] as number[], delta: [] as number[] };
      const cost = { paper: [] as number[], executed: [] as number[], on: [] as number[], off: [] as number[] };
      const macs = { on: [] as number[], off: [] as number[] };
      for (const seed of values('seed')) {
        const on = outcomeOf(find('on', sleep, wake, seed));
        const off = outcomeOf(find('off', sleep, wake, seed));
        const non = on && runNumbers(on);
        const noff = off && runNumbers(off);
        if (non) (acc.on.push(non.finalScore), macs.on.push(non.trainMacsPerSample));
        if (noff) (acc.off.push(noff.finalScore), macs.off.push(noff.trainMacsPerSample));
        if (!on || !off || !non || !noff) continue;
        acc.delta.push(non.finalScore - noff.finalScore);
        const paper = pairCost(on, off, 'paper');
        const executed = pairCost(on, off, 'executed');
        if (paper) (cost.paper.push(paper.costA / paper.costB - 1), cost.on.push(paper.costA), cost.off.push(paper.costB));
        if (executed) cost.executed.push(executed.costA / executed.costB - 1);
      }
      if (acc.delta.length === 0) continue;
      rows.push({
        sleep,
        wake,
        on: meanStd(acc.on),
        off: meanStd(acc.off),
        deltaAccuracy: meanStd(acc.delta),
        deltaPaperCost: meanStd(cost.paper),
        deltaExecutedCost: meanStd(cost.executed),
        paperCostOn: meanStd(cost.on),
        paperCostOff: meanStd(cost.off),
        macsPerSampleOn: meanStd(macs.on),
        macsPerSampleOff: meanStd(macs.off),
        pairs: acc.delta.length,
      });
    }
  }
  return rows;

  function outcomeOf(cell: Cell | undefined): CellOutcome | undefined {
    return cell && outcomes.get(cell.id);
  }
}

/** The grid as a Markdown table. */
export function gridTable(rows: readonly GridRow[]): string {
  const head =
    '| N_s | N_w | accuracy SBP on (%) | accuracy SBP off (%) | Δ accuracy (points) | §4 cost on | §4 cost off | Δ §4 cost | Δ executed-MAC cost | MACs/sample on | MACs/sample off | seeds |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|\n';
  return (
    head +
    rows
      .map((r) =>
        [
          r.sleep,
          r.wake,
          pm(r.on),
          pm(r.off),
          pm(r.deltaAccuracy),
          sci(r.paperCostOn.mean),
          sci(r.paperCostOff.mean),
          `${pm(r.deltaPaperCost, 100, 1)} %`,
          `${pm(r.deltaExecutedCost, 100, 1)} %`,
          sci(r.macsPerSampleOn.mean),
          sci(r.macsPerSampleOff.mean),
          r.pairs,
        ].join(' | '),
      )
      .map((line) => `| ${line} |`)
      .join('\n') +
    '\n'
  );
}
