/**
 * Sweeps on a cluster, without a cluster: the shard of `--shard auto` from Slurm's and Kubernetes'
 * variables, the cost model behind --time and --mem, the two sbatch scripts, their submission (a
 * fake sbatch), and a cell locked by another process skipped, not run twice. test/slurm/e2e.sh runs
 * the real thing on a local Slurm.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, SelfpropError } from '../../src/errors.js';
import { cellDir, finishedOutcome, type Cell } from '../../src/experiments/cell.js';
import { resolveShard, shardFromEnv, SHARD_COUNT_ENV } from '../../src/experiments/shard-env.js';
import { resolveRunConfig } from '../../src/train/run-config.js';
import {
  arrayScript,
  cellCost,
  hiddenProductMacs,
  COST_MODEL,
  defaultShards,
  estimateSweep,
  formatSlurmTime,
  limitsFor,
  parseJobId,
  reportScript,
  reportScriptPath,
  shellQuote,
  submitCommand,
  submitSlurm,
  taskCost,
  type CellCost,
  type CommandResult,
  type SlurmPlan,
} from '../../src/experiments/slurm.js';
import { runSweep, shardCells } from '../../src/experiments/sweep.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('slurm');

const slurmEnv = (id: number, min: number, count: number) => ({
  SLURM_JOB_ID: String(100 + id),
  SLURM_ARRAY_JOB_ID: '99',
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(min + count - 1),
  SLURM_ARRAY_TASK_COUNT: String(count),
});

/** What a ConfigError-throwing call says, and that it is a ConfigError (exit 2). */
function configError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).not.toMatch(/\n/);
    return (err as Error).message;
  }
  throw new Error('no error thrown');
}

describe('--shard auto: the shard from the environment', () => {
  it('a Slurm array numbered from 0 or from 1 gives shards 1…n', () => {
    for (const min of [0, 1, 5]) {
      const shards = [0, 1, 2, 3].map((i) => shardFromEnv(slurmEnv(min + i, min, 4)));
      expect(shards).toEqual([1, 2, 3, 4].map((index) => ({ index, count: 4 })));
    }
  });

  it('without SLURM_ARRAY_TASK_COUNT the count is MAX − MIN + 1; a missing MIN counts from 0', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' })).toEqual({ index: 2, count: 3 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' })).toEqual({ index: 1, count: 2 });
  });

  it('refuses arrays whose ids are not consecutive, ids outside the array and a contradicting --shards', () => {
    expect(configError(() => shardFromEnv({ ...slurmEnv(0, 0, 4), SLURM_ARRAY_TASK_MAX: '6', SLURM_ARRAY_TASK_STEP: '2' }))).toMatch(/not consecutive.*--array=0-3/);
    expect(configError(() => shardFromEnv({ ...slurmEnv(0, 0, 3), SLURM_ARRAY_TASK_MAX: '9' }))).toMatch(/not consecutive/);
    expect(configError(() => shardFromEnv({ ...slurmEnv(0, 0, 2), SLURM_ARRAY_TASK_ID: '7' }))).toMatch(/SLURM_ARRAY_TASK_ID=7 lies outside the array/);
    expect(configError(() => shardFromEnv(slurmEnv(1, 0, 2), 3))).toBe('--shards 3 contradicts the job array\'s 2 tasks (SLURM_ARRAY_TASK_COUNT)');
    expect(shardFromEnv(slurmEnv(1, 0, 2), 2)).toEqual({ index: 2, count: 2 });
    expect(configError(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' }))).toMatch(/neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX/);
    expect(configError(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: 'x' }))).toBe('--shard auto: SLURM_ARRAY_TASK_ID="x" is not a non-negative integer');
  });

  it('a Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based) of --shards N or SELFPROP_SHARD_COUNT', () => {
    expect(SHARD_COUNT_ENV).toBe('SELFPROP_SHARD_COUNT');
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 3)).toEqual({ index: 1, count: 3 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', SELFPROP_SHARD_COUNT: '3' })).toEqual({ index: 3, count: 3 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', SELFPROP_SHARD_COUNT: '3' }, 3)).toEqual({ index: 3, count: 3 });
    expect(configError(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' }))).toBe(
      '--shard auto: JOB_COMPLETION_INDEX=1 but no shard count: pass --shards N or set SELFPROP_SHARD_COUNT=N (the Indexed Job\'s completions)',
    );
    expect(configError(() => shardFromEnv({ JOB_COMPLETION_INDEX: '3' }, 3))).toBe('--shard auto: JOB_COMPLETION_INDEX=3 is not below the shard count 3 (indices run from 0 to 2)');
    expect(configError(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0', SELFPROP_SHARD_COUNT: '2' }, 3))).toBe('--shards 3 contradicts SELFPROP_SHARD_COUNT=2');
    expect(configError(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0', SELFPROP_SHARD_COUNT: '0' }))).toMatch(/at least 1/);
  });

  it("Slurm's variables win over JOB_COMPLETION_INDEX", () => {
    expect(shardFromEnv({ ...slurmEnv(1, 1, 2), JOB_COMPLETION_INDEX: '0', SELFPROP_SHARD_COUNT: '5' })).toEqual({ index: 1, count: 2 });
  });

  it('says what is missing outside a scheduler and in a Slurm job that is not an array', () => {
    expect(configError(() => shardFromEnv({}))).toBe(
      '--shard auto: no shard in the environment (expected SLURM_ARRAY_TASK_ID from a Slurm job array, or JOB_COMPLETION_INDEX from a Kubernetes Indexed Job)',
    );
    expect(configError(() => shardFromEnv({ SLURM_JOB_ID: '42' }))).toMatch(/^--shard auto: Slurm job 42 is not a job array .*--array=0-\(N-1\)/);
  });

  it('resolveShard: "auto", "i/n" or nothing', () => {
    expect(resolveShard(undefined, slurmEnv(0, 0, 2))).toBeUndefined();
    expect(resolveShard('auto', slurmEnv(0, 0, 2))).toEqual({ index: 1, count: 2 });
    expect(resolveShard('2/3', slurmEnv(0, 0, 2))).toEqual({ index: 2, count: 3 });
    expect(configError(() => resolveShard('3/2', {}))).toMatch(/i\/n with 1 ≤ i ≤ n, or auto/);
  });

  it('the tasks of an array run disjoint shards that cover every cell, whatever the array starts at', () => {
    const cells = Array.from({ length: 23 }, (_, i) => snnCell('sbp', i + 1));
    for (const count of [1, 2, 3, 7, 8, 23]) {
      for (const min of [0, 1]) {
        const ids = Array.from({ length: count }, (_, i) => shardCells(cells, shardFromEnv(slurmEnv(min + i, min, count))).map((c) => c.id));
        expect(ids.flat().sort()).toEqual(cells.map((c) => c.id).sort()); // every cell once: disjoint and complete
        expect(Math.max(...ids.map((s) => s.length)) - Math.min(...ids.map((s) => s.length))).toBeLessThanOrEqual(1);
      }
    }
  });
});

/** A small §1 network on 100 embedded digits (as in sweep.test.ts). */
function snnCell(variant: string, seed: number, extra: Record<string, unknown> = {}): Cell {
  return {
    id: `snn-mnist-${variant}-seed${seed}`,
    config: { task: 'mnist', trainLimit: 100, testLimit: 50, epochs: 2, seed, snn: { layers: [784, 20, 10], lif: { tMs: 1 }, rule: 'sbp' }, ...extra },
    labels: { set: 'snn-mnist', family: 'snn', task: 'mnist', variant, seed },
  };
}

const cell = (id: string, config: Record<string, unknown>): Cell => ({ id, config: config as Cell['config'], labels: {} });

describe('the cost model', () => {
  it('a full-MNIST SNN epoch at batch 50 costs what the README measured (≈ 24 s), NETtalk at batch 1 ≈ 17 s', () => {
    const mnist = cellCost(cell('a', { task: 'mnist', model: 'snn', data: '/d', epochs: 1 }));
    expect(mnist.weights).toBe(784 * 500 + 500 * 10);
    expect(mnist.trainRows).toBe(60_000);
    expect(mnist.evalRows).toBe(10_000);
    const perEpoch = (c: CellCost) => c.seconds - COST_MODEL.cellSetupSeconds;
    expect(perEpoch(mnist) - 5_000 * mnist.weights * 1.04e-9).toBeCloseTo(60_000 * mnist.weights * 1.04e-9, 3); // s + b/50 = 1.04 ns per weight
    expect(perEpoch(mnist)).toBeGreaterThan(24);
    expect(perEpoch(mnist)).toBeLessThan(30);
    const nettalk = cellCost(cell('b', { task: 'nettalk', model: 'snn', data: '/n', epochs: 1 }));
    expect(nettalk.weights).toBe(189 * 500 + 500 * 26);
    expect(nettalk.trainRows).toBe(5_033);
    expect(perEpoch(nettalk)).toBeGreaterThan(17);
    expect(perEpoch(nettalk)).toBeLessThan(22);
  });

  it('deeper SNN and energy nets pay for their hidden → hidden products (a 4-layer MNIST epoch: minutes, as measured)', () => {
    const epoch = (model: string, layers: number[]) => {
      const c = cellCost(cell('d', { task: 'mnist', model, data: '/d', epochs: 1, [model]: { layers } }));
      return c.seconds - COST_MODEL.cellSetupSeconds;
    };
    const config = (model: string, layers: number[]) => resolveRunConfig({ task: 'mnist', model, [model]: { layers } } as never, 'test');
    expect(hiddenProductMacs(config('snn', [784, 500, 10]))).toBe(0);
    expect(hiddenProductMacs(config('snn', [784, 500, 500, 10]))).toBe(100 * 500 * 500);
    expect(hiddenProductMacs(config('snn', [784, 500, 500, 500, 10]))).toBe(2 * 100 * 500 * 500);
    expect(hiddenProductMacs(config('ann', [784, 500, 500, 10]))).toBe(24 * 2 * 500 * 500);
    expect(hiddenProductMacs(config('smlp', [784, 500, 500, 10]))).toBe(0);
    expect(epoch('snn', [784, 500, 500, 10])).toBeGreaterThan(200);
    expect(epoch('snn', [784, 500, 500, 10])).toBeGreaterThan(5 * epoch('snn', [784, 500, 10]));
    expect(epoch('ann', [784, 500, 500, 10])).toBeGreaterThan(100);
  });

  it('scales with epochs, rows and the network; batch 1, the JS kernels and spike-driven SNN layers cost more; limits and validation rows count', () => {
    const base = { task: 'mnist', model: 'ann', trainLimit: 6_000, testLimit: 1_000, epochs: 2 };
    const c = (extra: Record<string, unknown>) => cellCost(cell('x', { ...base, ...extra }));
    const work = (k: CellCost) => k.seconds - COST_MODEL.cellSetupSeconds;
    expect(work(c({ epochs: 4 }))).toBeCloseTo(2 * work(c({})), 6);
    expect(work(c({ batchSize: 1 }))).toBeGreaterThan(10 * work(c({})));
    expect(work(c({ kernels: 'js' }))).toBeCloseTo(COST_MODEL.jsKernelsFactor * work(c({})), 6);
    const snn = (drive: string) => work(c({ model: 'snn', snn: { rule: 'sbp', drive } }));
    expect(snn('spikes')).toBeCloseTo(COST_MODEL.spikeDriveFactor * snn('analog'), 6);
    expect(work(c({ ann: { layers: [784, 1000, 10] } }))).toBeCloseTo(2 * work(c({ ann: { layers: [784, 500, 10] } })), 1);
    // the energy ANN on MNIST holds the last sixth of its training rows out for validation
    expect(c({})).toMatchObject({ trainRows: 5_000, evalRows: 2_000 });
    expect(c({ validationRows: 0 })).toMatchObject({ trainRows: 6_000, evalRows: 1_000 });
    // the embedded default has 8,000 / 2,000 rows: limits beyond them change nothing
    expect(cellCost(cell('e', { task: 'mnist', model: 'smlp', trainLimit: 50_000, testLimit: 9_000 }))).toMatchObject({ trainRows: 8_000, evalRows: 2_000 });
    expect(cellCost(cell('f', { task: 'nettalk', model: 'smlp', split: 'full', data: '/n' })).trainRows).toBeGreaterThan(100_000);
  });

  it('a task spreads its cells over its workers, longest first; memory counts each worker\'s datasets once', () => {
    const k = (id: string, seconds: number, dataKey = 'd'): CellCost => ({ id, seconds, trainRows: 0, evalRows: 0, weights: 0, dataKey, dataMiB: 100, modelMiB: 10 });
    const cells = [k('a', 30), k('b', 20), k('c', 20), k('d', 10), k('e', 10), k('f', 10)];
    expect(taskCost(cells, 1).seconds).toBe(100);
    expect(taskCost(cells, 2).seconds).toBe(50); // 30+10+10 | 20+20+10
    expect(taskCost(cells, 3).seconds).toBe(40);
    expect(taskCost(cells, 10).seconds).toBe(30); // no more workers than cells
    expect(taskCost([], 4)).toEqual({ cells: 0, seconds: 0, memoryMiB: COST_MODEL.processMiB });
    expect(taskCost(cells, 1).memoryMiB).toBe(COST_MODEL.processMiB + COST_MODEL.workerMiB + 100 + 10);
    expect(taskCost([k('a', 1, 'x'), k('b', 1, 'y')], 1).memoryMiB).toBe(COST_MODEL.processMiB + COST_MODEL.workerMiB + 200 + 10);
    expect(taskCost(cells, 2).memoryMiB).toBe(COST_MODEL.processMiB + 2 * (COST_MODEL.workerMiB + 110));
  });

  it('limits: × 3 and 1 min setup, whole minutes, at least 5 min; memory × 1.5 in steps of 256 MiB, at least 1 GiB', () => {
    expect(limitsFor({ seconds: 0, memoryMiB: 0 })).toEqual({ timeSeconds: 300, memoryMiB: 1024 });
    expect(limitsFor({ seconds: 100, memoryMiB: 700 })).toEqual({ timeSeconds: 360, memoryMiB: 1280 }); // 60 + 300 s; 1050 MiB
    expect(limitsFor({ seconds: 3600, memoryMiB: 4096 })).toEqual({ timeSeconds: 10_860, memoryMiB: 6144 }); // 60 + 10,800 s
    expect(limitsFor({ seconds: 3601, memoryMiB: 1 }).timeSeconds).toBe(10_920);
  });

  it('Slurm time format, default shard count', () => {
    expect(formatSlurmTime(300)).toBe('00:05:00');
    expect(formatSlurmTime(10_860)).toBe('03:01:00');
    expect(formatSlurmTime(86_400 + 3_661)).toBe('1-01:01:01');
    expect(formatSlurmTime(59.2)).toBe('00:01:00');
    expect([1, 3, 8, 9, 240].map(defaultShards)).toEqual([1, 3, 8, 8, 8]);
    expect(defaultShards(0)).toBe(1);
  });

  it('a sweep: every task gets the limits of its largest shard; finished cells cost nothing', () => {
    const cells = [1, 2, 3, 4, 5].map((seed) => cell(`ann-${seed}`, { task: 'mnist', model: 'ann', data: '/d', epochs: 50, seed }));
    const one = cellCost(cells[0]).seconds;
    const all = estimateSweep(cells, 2, 1);
    expect(all.largestShard).toBe(1); // cells 1, 3, 5
    expect(all.largest.cells).toBe(3);
    expect(all.largest.seconds).toBeCloseTo(3 * one, 6);
    expect(all.array).toEqual(limitsFor({ seconds: 3 * one, memoryMiB: all.largest.memoryMiB }));
    const pending = estimateSweep(cells, 2, 1, (c) => c.id !== 'ann-1' && c.id !== 'ann-3');
    expect(pending.largest.cells).toBe(2);
    expect(pending.largestShard).toBe(2);
    expect(estimateSweep(cells, 2, 3).largest.seconds).toBeCloseTo(one, 6);
    expect(all.report.timeSeconds).toBe(300);
    expect(all.report.memoryMiB).toBeGreaterThanOrEqual(1024);
  });
});

const plan = (over: Partial<SlurmPlan> = {}): SlurmPlan => {
  const cells = [1, 2, 3, 4, 5, 6].map((seed) => cell(`c${seed}`, { task: 'mnist', model: 'smlp', trainLimit: 1000, testLimit: 500, epochs: 3, seed }));
  return {
    command: 'curve',
    args: ['--train-limit', '1000', '--seeds', '1,2', '--config', 'my config.json'],
    node: '/usr/bin/node',
    cli: '/opt/selfprop/dist/src/cli/main.js',
    out: '/shared/runs/curve',
    cwd: '/shared/home/me',
    shards: 4,
    parallel: 2,
    cells: cells.length,
    estimate: estimateSweep(cells, 4, 2),
    arrayFile: '/shared/home/me/curve.sbatch',
    reportFile: '/shared/home/me/curve-report.sbatch',
    ...over,
  };
};

describe('the sbatch scripts', () => {
  const sbatchLines = (script: string) => script.split('\n').filter((l) => l.startsWith('#SBATCH'));
  /** sbatch reads #SBATCH lines only before the first command. */
  const directivesFirst = (script: string) => {
    const lines = script.split('\n').slice(1);
    const firstCommand = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
    return lines.slice(firstCommand).every((l) => !l.startsWith('#SBATCH'));
  };

  it('the job array: one task per shard, 0-based, limits from the cost model, logs in OUT/slurm, the same arguments with --shard auto', () => {
    const p = plan();
    const s = arrayScript(p);
    expect(s.startsWith('#!/bin/bash\n')).toBe(true);
    expect(sbatchLines(s)).toEqual([
      '#SBATCH --job-name=selfprop-curve',
      '#SBATCH --array=0-3',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=2',
      `#SBATCH --time=${formatSlurmTime(p.estimate.array.timeSeconds)}`,
      `#SBATCH --mem=${p.estimate.array.memoryMiB}M`,
      '#SBATCH --output=/shared/runs/curve/slurm/shard-%A_%a.out',
      '#SBATCH --open-mode=append',
      '#SBATCH --chdir=/shared/home/me',
    ]);
    expect(p.estimate.array).toEqual({ timeSeconds: 300, memoryMiB: 1024 });
    expect(directivesFirst(s)).toBe(true);
    expect(s).toContain(
      "\nexec /usr/bin/node /opt/selfprop/dist/src/cli/main.js curve --train-limit 1000 --seeds 1,2 --config 'my config.json' --out /shared/runs/curve --parallel 2 --shard auto --no-report\n",
    );
    expect(s).toMatch(/must be on a file system that every node mounts/);
    expect(s).toContain(`#   ${submitCommand(p)}\n`);
  });

  it('the report job: no array, after every task (afterok), --report-only', () => {
    const p = plan();
    const s = reportScript(p);
    expect(sbatchLines(s)).toEqual([
      '#SBATCH --job-name=selfprop-curve-report',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=1',
      `#SBATCH --time=${formatSlurmTime(p.estimate.report.timeSeconds)}`,
      `#SBATCH --mem=${p.estimate.report.memoryMiB}M`,
      '#SBATCH --output=/shared/runs/curve/slurm/report-%j.out',
      '#SBATCH --chdir=/shared/home/me',
    ]);
    expect(directivesFirst(s)).toBe(true);
    expect(s).toContain("\nexec /usr/bin/node /opt/selfprop/dist/src/cli/main.js curve --train-limit 1000 --seeds 1,2 --config 'my config.json' --out /shared/runs/curve --report-only\n");
    expect(submitCommand(p)).toBe(
      'jid=$(sbatch --parsable /shared/home/me/curve.sbatch) && sbatch --dependency=afterok:${jid%%;*} --kill-on-invalid-dep=yes /shared/home/me/curve-report.sbatch',
    );
  });

  it('a long sweep asks for days; a single shard is a one-task array', () => {
    const cells = Array.from({ length: 12 }, (_, i) => cell(`s${i}`, { task: 'mnist', model: 'snn', data: '/d', epochs: 100, seed: i }));
    const s = arrayScript(plan({ shards: 1, parallel: 1, cells: 12, estimate: estimateSweep(cells, 1, 1) }));
    expect(s).toContain('#SBATCH --array=0-0\n');
    const limits = estimateSweep(cells, 1, 1).array;
    expect(limits.timeSeconds).toBeGreaterThan(86_400); // 12 cells × 100 epochs × ≈ 27 s × 3 ≈ 27 h
    expect(s).toMatch(/#SBATCH --time=\d+-\d\d:\d\d:00\n/);
  });

  it('quoting and file names', () => {
    expect(shellQuote('a/b-c_1.5,2:x=y@z%+')).toBe('a/b-c_1.5,2:x=y@z%+');
    expect(shellQuote("it's here")).toBe("'it'\\''s here'");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('')).toBe("''");
    expect(reportScriptPath('/x/sweep.sbatch')).toBe('/x/sweep-report.sbatch');
    expect(reportScriptPath('/x/sweep')).toBe('/x/sweep-report');
    expect(reportScriptPath('/x/a.b.sh')).toBe('/x/a.b-report.sh');
  });
});

describe('--submit (a fake sbatch)', () => {
  const fake = (answers: Partial<CommandResult>[]) => {
    const calls: string[][] = [];
    const run = (command: string, args: readonly string[]): CommandResult => {
      calls.push([command, ...args]);
      return { status: 0, stdout: '', stderr: '', ...answers[calls.length - 1] };
    };
    return { calls, run };
  };
  const files = { arrayFile: '/s/a.sbatch', reportFile: '/s/a-report.sbatch' };

  it('submits the array, then the report job after it, and returns both ids', () => {
    const f = fake([{ stdout: '1234\n' }, { stdout: '1235;cluster\n' }]);
    expect(submitSlurm(files, f.run)).toEqual({ arrayId: '1234', reportId: '1235' });
    expect(f.calls).toEqual([
      ['sbatch', '--parsable', '/s/a.sbatch'],
      ['sbatch', '--parsable', '--dependency=afterok:1234', '--kill-on-invalid-dep=yes', '/s/a-report.sbatch'],
    ]);
    expect(parseJobId('77;c')).toBe('77');
    expect(parseJobId('sbatch: warning\n78\n')).toBe('78');
    expect(parseJobId('Submitted batch job 5')).toBeUndefined();
  });

  it('without sbatch on PATH: a one-line ConfigError (exit 2) with the command to use elsewhere', () => {
    const enoent = Object.assign(new Error('spawnSync sbatch ENOENT'), { code: 'ENOENT' });
    const message = configError(() => submitSlurm(files, fake([{ status: null, error: enoent }]).run));
    expect(message).toBe(`--submit: sbatch is not on PATH; the scripts are written, submit them where Slurm runs: ${submitCommand(files)}`);
  });

  it('a failing sbatch: its message on one line; a failed report job names the submitted array', () => {
    const bad = fake([{ status: 1, stderr: 'sbatch: error: Batch job submission failed:\nInvalid partition name specified\n' }]);
    expect(() => submitSlurm(files, bad.run)).toThrow(new SelfpropError('--submit: sbatch of the job array failed (exit 1): sbatch: error: Batch job submission failed: Invalid partition name specified'));
    const second = fake([{ stdout: '40\n' }, { status: 1, stderr: 'no' }]);
    expect(() => submitSlurm(files, second.run)).toThrow(/report job failed \(exit 1\): no \(the job array 40 is submitted; submit the report by hand: sbatch --dependency=afterok:40/);
    expect(() => submitSlurm(files, fake([{ stdout: 'what?' }]).run)).toThrow(/printed no job id: what\?/);
  });
});

describe('a cell another process runs is skipped, not run twice', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => children.forEach((c) => c.kill()));

  /** Lock the cell's directory as a live process (a sleeping child) on HOST would. */
  function lockCell(root: string, id: string, host = hostname()): void {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    mkdirSync(cellDir(root, id), { recursive: true });
    writeFileSync(join(cellDir(root, id), '.lock'), JSON.stringify({ pid: child.pid, host, started: new Date().toISOString() }) + '\n');
  }

  it('status busy, nothing trained or stored; once the lock is gone the cell runs', async () => {
    const root = tempDir();
    const [a, b] = [snnCell('sbp', 1), snnCell('sbp', 2)];
    lockCell(root, a.id);
    lockCell(root, b.id, 'another-node');
    const outcomes = await runSweep('reproduce', [a, b], root, { executor: 'inline' });
    expect(outcomes.get(a.id)).toMatchObject({ status: 'busy', history: [] });
    expect(outcomes.get(a.id)!.error).toMatch(new RegExp(`in use by process \\d+ on ${hostname()}`));
    expect(outcomes.get(b.id)!.error).toMatch(/in use by process \d+ on another-node/);
    for (const c of [a, b]) {
      for (const file of ['config.json', 'metrics.jsonl', 'checkpoint.safetensors', 'outcome.json']) expect(existsSync(join(cellDir(root, c.id), file))).toBe(false);
      expect(finishedOutcome(root, c.id)).toBeUndefined();
    }
    // the process on this host is gone (a dead PID in its lock): a rerun takes the stale lock over
    // and runs the cell, once; a lock of another host cannot be judged stale, so its cell stays busy
    writeFileSync(join(cellDir(root, a.id), '.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), started: 'then' }) + '\n');
    const rerun = await runSweep('reproduce', [a, b], root, { executor: 'inline' });
    expect(rerun.get(a.id)!.status).toBe('done');
    expect(rerun.get(a.id)!.history.map((m) => m.epoch)).toEqual([1, 2]);
    expect(rerun.get(b.id)!.status).toBe('busy');
    expect(existsSync(join(cellDir(root, b.id), 'config.json'))).toBe(false);
  });
});
