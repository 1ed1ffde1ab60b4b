/**
 * The numbers of the reports, on outcomes built by hand: mean ± std, the §4 cost of a pair, the
 * grid's Δ accuracy and Δ cost, the curve's backward-MAC saving, the verdict rule, and the cells of
 * the named experiment sets.
 */
import { describe, expect, it } from 'vitest';
import type { CellOutcome } from '../../src/experiments/cell.js';
import { curveCells, curveSummary } from '../../src/experiments/curve.js';
import { gridCells, gridSummary } from '../../src/experiments/grid.js';
import { CLAIMS, judge } from '../../src/experiments/paper.js';
import { EXPERIMENT_SETS, reproduceCells, runnableSets } from '../../src/experiments/reproduce.js';
import { historyDifference, meanStd, pairCost } from '../../src/experiments/summary.js';
import { writeReproduceReport } from '../../src/experiments/reproduce-report.js';
import type { Cell } from '../../src/experiments/cell.js';
import { readFileSync } from 'node:fs';
import { tempDirs } from '../helpers/temp-dirs.js';
import { ConfigError } from '../../src/errors.js';
import type { EpochMetrics } from '../../src/train/loop.js';

/** An outcome whose judged accuracy per epoch is `scores`. */
function outcome(id: string, scores: number[], extra: Partial<EpochMetrics> = {}): CellOutcome {
  const history = scores.map(
    (s, i): EpochMetrics => ({
      epoch: i + 1,
      trainAccuracy: s,
      testAccuracy: s,
      seconds: 1,
      trainSeconds: 1,
      testSeconds: 0,
      macs: 0,
      trainMacsPerSample: 1000,
      paperOpsPerSample: 100,
      spikesPerSample: [],
      trainSamples: 10,
      testSamples: 10,
      peakRssMiB: 1,
      ...extra,
    }),
  );
  return { id, status: 'done', history, seconds: 1 };
}

describe('summary numbers', () => {
  it('mean and sample std', () => {
    const s = meanStd([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanStd([7]).std).toBe(0);
    expect(meanStd([]).n).toBe(0);
  });

  it('§4 cost of a pair: ops per sample × epochs to each of 5 thresholds over the range both reach', () => {
    // Errors: A 0.5, 0.3, 0.1; B 0.5, 0.4, 0.3. Range both reach: [0.3, 0.5] → thresholds 0.5, 0.45, 0.4, 0.35, 0.3.
    const a = outcome('a', [0.5, 0.7, 0.9]);
    const b = outcome('b', [0.5, 0.6, 0.7], { paperOpsPerSample: 200 });
    const cost = pairCost(a, b)!;
    // A reaches them at epochs 1, 2, 2, 2, 2 (mean 1.8); B at 1, 2, 2, 3, 3 (mean 2.2).
    expect(cost.costA).toBeCloseTo(100 * 1.8, 10);
    expect(cost.costB).toBeCloseTo(200 * 2.2, 10);
    expect(pairCost(a, b, 'executed')!.costA).toBeCloseTo(1000 * 1.8, 10);
  });

  it('judges on validation accuracy when the run held rows out', () => {
    const a = outcome('a', [0.5, 0.9], { validationAccuracy: 0.6 });
    const b = outcome('b', [0.5, 0.9], { validationAccuracy: 0.6 });
    expect(pairCost(a, b)!.costA).toBeCloseTo(100, 10);
  });
});

const tempDir = tempDirs('drive');

describe('does the spiking phase change what is learned (snn-drive)', () => {
  it('historyDifference: epochs whose train or test accuracy differs, and the largest gap', () => {
    const a = outcome('a', [0.5, 0.7, 0.9]).history;
    expect(historyDifference(a, a)).toEqual({ epochs: 3, differing: 0, largest: 0 });
    const b = outcome('b', [0.5, 0.75]).history;
    b[0] = { ...b[0], trainAccuracy: 0.49 };
    const d = historyDifference(a, b);
    expect(d.epochs).toBe(2);
    expect(d.differing).toBe(2);
    expect(d.largest).toBeCloseTo(0.05, 12);
  });

  it('the report says per comparison whether the accuracy ever differs from the analog drive, seed by seed', async () => {
    const cells: Cell[] = ['analog', 'spikes', 'feedforward-off'].flatMap((variant) =>
      [1, 2].map((seed) => ({ id: `snn-drive-${variant}-seed${seed}`, config: { task: 'mnist', model: 'snn', epochs: 3, seed }, labels: { set: 'snn-drive', family: 'snn', task: 'mnist', variant, seed } })),
    );
    const scores = { analog: [0.5, 0.7, 0.9], spikes: [0.5, 0.7, 0.9], 'feedforward-off': [0.5, 0.72, 0.9001] } as Record<string, number[]>;
    const outcomes = new Map(cells.map((c) => [c.id, outcome(c.id, scores[String(c.labels.variant)])]));
    const root = tempDir();
    const md = readFileSync((await writeReproduceReport(root, cells, outcomes, { scale: 'paper', seeds: 2, skipped: [] })).markdownPath, 'utf8');
    expect(md).toContain('| spike-driven layers (`--drive spikes`) vs the analog drive | 2 | 6 | 0 | 0.00 pts | no measurable influence: the same train and test accuracy in every epoch |');
    expect(md).toContain('| no phase (a) (`--feedforward off`) vs phase (a) with the analog drive | 2 | 6 | 4 | 2.00 pts | changes what is learned |');
    expect(md).not.toContain('Not finished');
  });

  it('names every cell that has not finished', async () => {
    const cells: Cell[] = [1, 2, 3].map((seed) => ({ id: `snn-drive-analog-seed${seed}`, config: { task: 'mnist', model: 'snn', epochs: 3, seed }, labels: { set: 'snn-drive', family: 'snn', task: 'mnist', variant: 'analog', seed } }));
    const outcomes = new Map([[cells[0].id, outcome(cells[0].id, [0.5, 0.7, 0.9])]]);
    const md = readFileSync((await writeReproduceReport(tempDir(), cells, outcomes, { scale: 'paper', seeds: 3, skipped: [] })).markdownPath, 'utf8');
    expect(md).toContain('1 of 3 runs finished');
    expect(md).toContain('- **Not finished** (2; no numbers of theirs below): `snn-drive-analog-seed2`, `snn-drive-analog-seed3`.');
  });
});

describe('verdicts', () => {
  const claim = CLAIMS.find((c) => c.what.startsWith('SNN-SBP, MNIST test'))!;
  it('reproduced within 2 std, better above, not reproduced below; not run without values', () => {
    expect(judge(claim, [0.95, 0.952, 0.9535]).verdict).toBe('reproduced');
    expect(judge(claim, [0.97, 0.971]).verdict).toBe('better');
    const worse = judge(claim, [0.91, 0.912]);
    expect(worse.verdict).toBe('not reproduced');
    expect(worse.gap).toBeCloseTo(0.911 - 0.9514, 12);
    expect(judge(claim, []).verdict).toBe('not run');
    expect(judge(claim, [0.9516]).verdict).toBe('reproduced'); // one seed: within 0.1 points
  });

  it('a lower cost ratio than the paper is better', () => {
    const cost = CLAIMS.find((c) => c.kind === 'cost-ratio')!;
    expect(judge(cost, [cost.paper * 0.5]).verdict).toBe('better');
    expect(judge(cost, [cost.paper * 1.5]).verdict).toBe('not reproduced');
    expect(judge(cost, [cost.paper * 1.01]).verdict).toBe('reproduced');
  });
});

describe('grid and curve summaries', () => {
  it('Δ accuracy and Δ cost per (N_s, N_w), SBP minus no SBP on the same seed', () => {
    const cells = gridCells({ task: 'mnist', sleep: [1, 6], wake: [1], seeds: [1, 2], base: {} });
    expect(cells).toHaveLength(8);
    expect(new Set(cells.map((c) => c.id)).size).toBe(8);
    const outcomes = new Map<string, CellOutcome>();
    for (const c of cells) {
      const on = c.labels.sbp === 'on';
      const scores = on ? [0.5, 0.8, 0.9] : [0.5, 0.6, 0.8];
      outcomes.set(c.id, outcome(c.id, scores, { trainMacsPerSample: on ? 2000 : 1000 }));
    }
    const rows = gridSummary(cells, outcomes);
    expect(rows.map((r) => [r.sleep, r.wake])).toEqual([[1, 1], [6, 1]]);
    expect(rows[0].deltaAccuracy.mean).toBeCloseTo(0.1, 12);
    expect(rows[0].pairs).toBe(2);
    // Errors on 0.5 0.2 0.1, off 0.5 0.4 0.2: thresholds 0.5, 0.425, 0.35, 0.275, 0.2:
    // on reaches them at epochs 1,2,2,2,2 (mean 1.8); off at 1,2,3,3,3 (2.4).
    expect(rows[0].deltaPaperCost.mean).toBeCloseTo(1.8 / 2.4 - 1, 12);
    expect(rows[0].deltaExecutedCost.mean).toBeCloseTo((2 * 1.8) / 2.4 - 1, 12);
  });

  it('backward MACs saved against p = 0', () => {
    const cells = curveCells({ task: 'mnist', fractions: [0, 0.5, 1], seeds: [1], base: {} });
    const outcomes = new Map(cells.map((c) => [c.id, outcome(c.id, [0.9], { trainBackwardMacs: 1000 * (1 - 0.8 * Number(c.labels.p)) })]));
    const rows = curveSummary(cells, outcomes);
    expect(rows.map((r) => r.backwardSaved)).toEqual([0, expect.closeTo(0.4, 12), expect.closeTo(0.8, 12)]);
  });
});

describe('experiment sets', () => {
  it('every set has cells with unique ids, seeds as asked', () => {
    const cells = reproduceCells({ scale: 'quick', sets: [...EXPERIMENT_SETS], seeds: [1, 2], nettalk: 'corpus' });
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
    for (const set of EXPERIMENT_SETS) expect(cells.some((c) => c.labels.set === set)).toBe(true);
    expect(cells.every((c) => [1, 2].includes(c.labels.seed as number))).toBe(true);
    // Quick scale: subsets, 3 epochs.
    const snn = cells.find((c) => c.id === 'snn-mnist-sbp-seed1')!;
    expect(snn.config).toMatchObject({ trainLimit: 1000, testLimit: 500, epochs: 3, model: 'snn' });
    // Every claim names a variant that its set has.
    for (const claim of CLAIMS) {
      const variants = typeof claim.variant === 'string' ? [claim.variant] : claim.variant;
      for (const v of variants) expect(cells.some((c) => c.labels.set === claim.set && c.labels.variant === v), `${claim.set} ${v}`).toBe(true);
    }
  });

  it('NETtalk sets are skipped without the corpus; paper scale needs the full MNIST', () => {
    const { sets, skipped } = runnableSets({ scale: 'quick', sets: ['snn-mnist', 'snn-nettalk'], seeds: [1] });
    expect(sets).toEqual(['snn-mnist']);
    expect(skipped[0].set).toBe('snn-nettalk');
    expect(() => reproduceCells({ scale: 'paper', sets: ['snn-mnist'], seeds: [1] })).toThrow(ConfigError);
    const paper = reproduceCells({ scale: 'paper', sets: ['snn-mnist'], seeds: [1], mnist: 'dir' });
    expect(paper[0].config).toMatchObject({ epochs: 100, data: 'dir' });
    expect(paper[0].config).not.toHaveProperty('trainLimit');
  });
});
