/**
 * Sweeps: cells run and are stored, a finished cell is never run again, an interrupted one resumes,
 * shards split the cells, diverging cells are recorded as failed, and the reports (grid, curve,
 * reproduce) are written from finished cells.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellDir, finishedOutcome, type Cell } from '../../src/experiments/cell.js';
import { finishedOutcomes, parseShard, readManifest, runSweep, shardCells } from '../../src/experiments/sweep.js';
import { ConfigError } from '../../src/errors.js';
import { writeReproduceReport } from '../../src/experiments/reproduce-report.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('sweep');

/** A small §1 network on 100 embedded digits: a cell takes well under a second. */
const snnCell = (variant: string, seed: number, extra: Record<string, unknown> = {}): Cell => ({
  id: `snn-mnist-${variant}-seed${seed}`,
  config: { task: 'mnist', trainLimit: 100, testLimit: 50, epochs: 2, seed, snn: { layers: [784, 20, 10], lif: { tMs: 1 }, rule: variant === 'stdp-symmetric' ? 'stdp-symmetric' : 'sbp' }, ...extra },
  labels: { set: 'snn-mnist', family: 'snn', task: 'mnist', variant, seed },
});

describe('shards', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(ConfigError);
  });

  it('every cell lands in exactly one shard', () => {
    const cells = [1, 2, 3, 4, 5, 6, 7].map((s) => snnCell('sbp', s));
    const shards = [1, 2, 3].map((index) => shardCells(cells, { index, count: 3 }).map((c) => c.id));
    expect(shards.flat().sort()).toEqual(cells.map((c) => c.id).sort());
    expect(shards.map((s) => s.length)).toEqual([3, 2, 2]);
  });
});

describe('runSweep (in this thread)', () => {
  it('runs every cell, stores outcomes, and never runs a finished cell again', async () => {
    const root = tempDir();
    const cells = [snnCell('sbp', 1), snnCell('stdp-symmetric', 1)];
    const first = await runSweep('reproduce', cells, root, { executor: 'inline' });
    expect([...first.values()].map((o) => o.status)).toEqual(['done', 'done']);
    for (const c of cells) {
      expect(first.get(c.id)!.history.map((m) => m.epoch)).toEqual([1, 2]);
      expect(existsSync(join(cellDir(root, c.id), 'outcome.json'))).toBe(true);
    }
    expect(readManifest(root).cells.map((c) => c.id).sort()).toEqual(cells.map((c) => c.id).sort());
    const weights = readFileSync(join(cellDir(root, cells[0].id), 'weights.json'), 'utf8');
    const started: string[] = [];
    const second = await runSweep('reproduce', cells, root, { executor: 'inline', events: { onCellStart: (c) => started.push(c.id) } });
    expect(started).toEqual([]);
    expect(second.get(cells[0].id)!.history).toEqual(first.get(cells[0].id)!.history);
    expect(readFileSync(join(cellDir(root, cells[0].id), 'weights.json'), 'utf8')).toBe(weights);
  });

  it('resumes an interrupted cell from its checkpoint to the same weights', async () => {
    const whole = tempDir();
    const cut = tempDir();
    const cell = snnCell('sbp', 2);
    await runSweep('reproduce', [cell], whole, { executor: 'inline' });
    // Interrupted after epoch 1: the checkpoint of a 1-epoch run, no outcome.
    await runSweep('reproduce', [{ ...cell, config: { ...cell.config, epochs: 1 } }], cut, { executor: 'inline' });
    rmSync(join(cellDir(cut, cell.id), 'outcome.json'));
    const resumed = await runSweep('reproduce', [cell], cut, { executor: 'inline' });
    expect(resumed.get(cell.id)!.history.map((m) => m.epoch)).toEqual([1, 2]);
    expect(readFileSync(join(cellDir(cut, cell.id), 'weights.json'), 'utf8')).toBe(readFileSync(join(cellDir(whole, cell.id), 'weights.json'), 'utf8'));
  });

  it('records a diverging cell as failed, with the epoch and batch, and goes on with the others', async () => {
    const root = tempDir();
    const diverging = snnCell('sbp', 3, { snn: { layers: [784, 20, 10], lif: { tMs: 1 }, learningRates: [1e30, 1e30] } });
    const fine = snnCell('sbp', 4);
    const outcomes = await runSweep('reproduce', [diverging, fine], root, { executor: 'inline' });
    expect(outcomes.get(diverging.id)!.status).toBe('failed');
    expect(outcomes.get(diverging.id)!.error).toMatch(/diverged.*epoch 1.*batch/);
    expect(outcomes.get(fine.id)!.status).toBe('done');
    expect(finishedOutcome(root, diverging.id)!.status).toBe('failed');
  });

  it('a finished cell asked for more epochs continues; one asked for another config is an error', async () => {
    const root = tempDir();
    const cell = snnCell('sbp', 5);
    await runSweep('reproduce', [cell], root, { executor: 'inline' });
    expect(finishedOutcomes(root).has(cell.id)).toBe(true);
    // the manifest now asks for 3 epochs (a run towards them was started, then stopped): not finished
    const manifest = JSON.parse(readFileSync(join(root, 'sweep.json'), 'utf8'));
    manifest.cells[0].config.epochs = 3;
    writeFileSync(join(root, 'sweep.json'), JSON.stringify(manifest));
    expect(finishedOutcomes(root).has(cell.id)).toBe(false);
    const longer = await runSweep('reproduce', [{ ...cell, config: { ...cell.config, epochs: 3 } }], root, { executor: 'inline' });
    expect(longer.get(cell.id)!.history.map((m) => m.epoch)).toEqual([1, 2, 3]);
    await expect(runSweep('reproduce', [{ ...cell, config: { ...cell.config, epochs: 3, trainLimit: 80 } }], root, { executor: 'inline' })).rejects.toThrow(/different "trainLimit"/);
  });

  it('rejects two cells with one id', async () => {
    await expect(runSweep('reproduce', [snnCell('sbp', 1), snnCell('sbp', 1)], tempDir(), { executor: 'inline' })).rejects.toThrow(/two cells/);
  });

  it('writes the reproduce report with verdicts and figures from the finished cells', async () => {
    const root = tempDir();
    const cells = [snnCell('sbp', 1), snnCell('sbp', 2), snnCell('stdp-symmetric', 1), snnCell('stdp-symmetric', 2)];
    const outcomes = await runSweep('reproduce', cells, root, { executor: 'inline' });
    const { markdownPath, figures, judged } = await writeReproduceReport(root, cells, outcomes, { scale: 'quick', seeds: 2, skipped: [] });
    const md = readFileSync(markdownPath, 'utf8');
    expect(md).toMatch(/\| SNN-SBP, MNIST test accuracy \| 95\.14 % \| \d+\.\d\d ± \d+\.\d\d % \| 2 \| 2 \| (not reproduced|reproduced|better) \|/);
    expect(md).not.toMatch(/Fewer epochs than the paper|One seed/);
    expect(judged.find((j) => j.claim.kind === 'cost-ratio')!.ours.n).toBe(2);
    for (const name of ['accuracy-bars', 'cost-bars', 'curves-snn-mnist', 'weights-snn-mnist-sbp-seed1', 'raster-snn-mnist-sbp-seed1']) {
      expect(figures).toContain(`figures/${name}.png`);
      expect(existsSync(join(root, 'figures', `${name}.svg`))).toBe(true);
    }
    // the same runs reported as a one-seed paper-scale run: the report says what falls short
    const seed1 = cells.filter((c) => c.labels.seed === 1);
    const paper = readFileSync((await writeReproduceReport(root, seed1, outcomes, { scale: 'paper', seeds: 1, skipped: [] })).markdownPath, 'utf8');
    expect(paper).toContain("**Fewer epochs than the paper**: snn-mnist 2 of the paper's 100.");
    expect(paper).toContain('**One seed**');
    expect(paper).toMatch(/\| SNN-SBP, MNIST test accuracy \| 95\.14 % \| \d+\.\d\d % \| 1 \| 2 \|/);
  });

  it('an unreadable config in a cell is an error of that cell, not stored (it runs again once fixed)', async () => {
    const root = tempDir();
    const bad: Cell = { ...snnCell('sbp', 1), config: { task: 'mnist', epochs: 0 } };
    const outcomes = await runSweep('reproduce', [bad], root, { executor: 'inline' });
    expect(outcomes.get(bad.id)!.status).toBe('failed');
    expect(outcomes.get(bad.id)!.error).toMatch(/epochs/);
    expect(finishedOutcome(root, bad.id)).toBeUndefined();
  });
});
