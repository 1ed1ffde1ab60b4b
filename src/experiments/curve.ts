/**
 * The §3 replacement curve: the spiking MLP with the SBP hidden-layer update in a fraction p of
 * batches, p ∈ {0, 0.1, …, 1} (0 = pure pseudo-BP, 1 = pure SBP), every p for every seed.
 * Summary per p: accuracy (mean ± std over seeds), the backward operations executed per training
 * sample and their saving against p = 0 (pure pBP) measured in the same sweep, and beside them the
 * dense-equivalent backward MACs (what dense products of the same shapes would cost).
 */
import type { RunConfigInput } from '../train/run-config.js';
import type { Cell, CellOutcome } from './cell.js';
import { meanStd, pm, runNumbers, sci, type MeanStd } from './summary.js';

export const PAPER_CURVE_FRACTIONS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

export interface CurveOptions {
  readonly task: 'mnist' | 'nettalk';
  readonly fractions: readonly number[];
  readonly seeds: readonly number[];
  readonly base: RunConfigInput;
}

export function curveCells(o: CurveOptions): Cell[] {
  const cells: Cell[] = [];
  for (const p of o.fractions) {
    for (const seed of o.seeds) {
      const base = o.base as Record<string, unknown>;
      cells.push({
        id: `smlp-${o.task}-p${p.toFixed(2)}-seed${seed}`,
        config: { ...o.base, task: o.task, model: 'smlp', seed, smlp: { ...((base.smlp as object) ?? {}), sbpFraction: p } } as RunConfigInput,
        labels: { family: 'smlp', task: o.task, p, seed },
      });
    }
  }
  return cells;
}

export interface CurveRow {
  readonly p: number;
  readonly accuracy: MeanStd;
  /** Dense-equivalent backward MACs per sample. */
  readonly backwardMacsPerSample: MeanStd;
  /** Backward operations executed per sample. */
  readonly backwardOpsPerSample: MeanStd;
  readonly trainMacsPerSample: MeanStd;
  /** 1 − backward MACs / backward MACs at p = 0 (same sweep). */
  readonly backwardSaved: number;
  readonly secondsPerEpoch: MeanStd;
  readonly seeds: number;
}

export function curveSummary(cells: readonly Cell[], outcomes: ReadonlyMap<string, CellOutcome>): CurveRow[] {
  const fractions = [...new Set(cells.map((c) => c.labels.p as number))].sort((a, b) => a - b);
  const rows = fractions.flatMap((p) => {
    const numbers = cells
      .filter((c) => c.labels.p === p)
      .map((c) => outcomes.get(c.id))
      .map((o) => o && runNumbers(o))
      .filter((n) => n !== undefined);
    if (numbers.length === 0) return [];
    return [
      {
        p,
        accuracy: meanStd(numbers.map((n) => n.finalScore)),
        backwardMacsPerSample: meanStd(numbers.map((n) => n.backwardMacsPerSample ?? NaN)),
        backwardOpsPerSample: meanStd(numbers.map((n) => n.backwardOpsPerSample ?? NaN)),
        trainMacsPerSample: meanStd(numbers.map((n) => n.trainMacsPerSample)),
        secondsPerEpoch: meanStd(numbers.map((n) => n.secondsPerEpoch)),
        seeds: numbers.length,
      },
    ];
  });
  const base = rows.find((r) => r.p === 0)?.backwardOpsPerSample.mean;
  return rows.map((r) => ({ ...r, backwardSaved: base ? 1 - r.backwardOpsPerSample.mean / base : NaN }));
}

export function curveTable(rows: readonly CurveRow[]): string {
  return (
    '| p (SBP fraction) | accuracy (%) | backward ops executed / sample | saved vs p = 0 | backward MACs dense-equivalent / sample | all ops executed / sample | s / epoch | seeds |\n' +
    '|---|---|---|---|---|---|---|---|\n' +
    rows
      .map((r) => `| ${r.p} | ${pm(r.accuracy)} | ${sci(r.backwardOpsPerSample.mean, 3)} | ${Number.isFinite(r.backwardSaved) ? `${(100 * r.backwardSaved).toFixed(1)} %` : '—'} | ${sci(r.backwardMacsPerSample.mean, 3)} | ${sci(r.trainMacsPerSample.mean, 3)} | ${r.secondsPerEpoch.mean.toFixed(1)} | ${r.seeds} |`)
      .join('\n') +
    '\n'
  );
}
