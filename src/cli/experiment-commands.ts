/** `selfprop grid`, `selfprop curve`: sweeps of training runs in parallel, with their reports. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SelfpropError } from '../errors.js';
import { finishedOutcome, finishedWithConfig, type Cell, type CellOutcome } from '../experiments/cell.js';
import { curveCells, PAPER_CURVE_FRACTIONS } from '../experiments/curve.js';
import { gridCells, PAPER_GRID_ITERATIONS } from '../experiments/grid.js';
import { parseShard, runSweep, shardCells, type Shard } from '../experiments/sweep.js';

import { writeCurveReport, writeGridReport } from '../experiments/sweep-report.js';
import { redrawFigures } from '../experiments/redraw.js';
import { EXPERIMENT_SETS, reproduceCells, runnableSets, SCALES, type ExperimentSet, type Scale } from '../experiments/reproduce.js';
import { writeReproduceReport } from '../experiments/reproduce-report.js';
import { writeFileAtomic } from '../node/files.js';
import { BACKENDS } from '../tensor/index.js';
import type { RunConfigInput } from '../train/run-config.js';
import { SweepProgress } from './sweep-progress.js';
import { readJson } from './train-command.js';

const positiveInt = (name: string) => (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
  return Number(value);
};
const list = (name: string, integer: boolean) => (value: string): number[] =>
  value.split(',').map((v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name}: "${v}" is not ${integer ? 'an integer' : 'a number'}`);
    return n;
  });
/** "5" = seeds 1…5; "1,7,9" = those seeds. */
export const seedsOption = (value: string): number[] => (/^\d+$/.test(value) ? Array.from({ length: Number(value) }, (_, i) => i + 1) : list('--seeds', true)(value));

export interface SweepFlags {
  task?: string;
  data?: string;
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
  validationRows?: number;
  seeds?: number[];
  config?: string;
  backend?: string;
  out?: string;
  parallel?: number;
  shard?: string;
}

/** The options every sweep command shares. */
export function addSweepOptions(command: Command, defaults: { epochs: string; seeds: string }): Command {
  return command
    .option('--data <dir>', 'dataset directory (default: the embedded MNIST default)')
    .option('--epochs <n>', `epochs per run (default ${defaults.epochs})`, positiveInt('--epochs'))
    .option('--train-limit <n>', 'first N training rows only', positiveInt('--train-limit'))
    .option('--test-limit <n>', 'first N test rows only', positiveInt('--test-limit'))
    .option('--seeds <n|list>', `seeds: a count (1…n) or a list, e.g. 1,2,3 (default ${defaults.seeds})`, seedsOption)
    .option('--config <file>', 'JSON run config shared by every cell (fields of OUT/config.json); the sweep sets what it varies')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .option('--out <dir>', 'output directory (cells, report, figures); rerunning continues it')
    .option('--parallel <n>', `worker threads (default: the ${availableParallelism()} cores available)`, positiveInt('--parallel'))
    .option('--shard <i/n>', 'run only shard i of n (cells in id order, every n-th); all shards write to the same --out');
}

/** The run fields shared by every cell of a sweep. */
export function sweepBase(flags: SweepFlags): RunConfigInput {
  const base = (flags.config ? readJson(flags.config) : {}) as Record<string, unknown>;
  const set = (key: string, value: unknown) => value !== undefined && (base[key] = value);
  set('data', flags.data);
  set('epochs', flags.epochs);
  set('trainLimit', flags.trainLimit);
  set('testLimit', flags.testLimit);
  set('validationRows', flags.validationRows);
  set('backend', flags.backend);
  return base as RunConfigInput;
}

/** Run the cells with progress bars, then write the report; prints where it is. */
export async function runSweepCommand(
  name: string,
  cells: Cell[],
  root: string,
  flags: SweepFlags,
  report: (root: string, cells: Cell[], outcomes: Map<string, CellOutcome>) => Promise<{ markdownPath: string; figures: string[] }>,
): Promise<void> {
  const shard: Shard | undefined = flags.shard ? parseShard(flags.shard) : undefined;
  const mine = shardCells(cells, shard);
  const done = mine.filter((c) => finishedWithConfig(root, c)).length;
  console.log(`selfprop ${name}: ${cells.length} cells${shard ? `, shard ${shard.index}/${shard.count}: ${mine.length} cells` : ''}, ${done} already finished; output ${root}`);
  const progress = new SweepProgress(mine.length, done);
  let ran: Map<string, CellOutcome>;
  try {
    ran = await runSweep(name, cells, root, { parallel: flags.parallel, shard, events: progress });
  } finally {
    progress.stop();
  }
  const outcomes = new Map([...cells].flatMap((c) => {
    const o = finishedOutcome(root, c.id);
    return o ? [[c.id, o] as const] : [];
  }));
  const written = await report(root, cells, outcomes);
  console.log(`report: ${written.markdownPath} (${outcomes.size}/${cells.length} cells finished); ${written.figures.length} figures in ${join(root, 'figures')}`);
  // A cell that diverged has finished (its outcome is a result); one that could not run has not.
  const broken = [...ran.values()].filter((o) => o.status === 'failed' && !outcomes.has(o.id));
  if (broken.length > 0) {
    throw new SelfpropError(`${broken.length} of ${mine.length} cells could not run; the first, ${broken[0].id}: ${broken[0].error}`);
  }
}

export function registerExperimentCommands(program: Command): void {
  addSweepOptions(
    program
      .command('grid')
      .description('the §2 sleep/wake grid: the energy ANN with and without SBP over N_s × N_w; writes OUT/grid.md and heat maps of Δ accuracy and Δ cost')
      .addOption(new Option('--model <name>', 'model family (the grid is defined for the energy ANN)').choices(['ann']).default('ann'))
      .addOption(new Option('--task <name>', 'task').choices(['mnist', 'nettalk']).default('mnist'))
      .option('--sleep <list>', `N_s values (default ${PAPER_GRID_ITERATIONS.join(',')})`, list('--sleep', true))
      .option('--wake <list>', `N_w values (default ${PAPER_GRID_ITERATIONS.join(',')})`, list('--wake', true))
      .option('--validation-rows <n>', 'training rows held out for validation (default for MNIST: the last sixth, the paper\'s 10,000)', positiveInt('--validation-rows')),
    { epochs: '20', seeds: '1' },
  ).action(async (flags: SweepFlags & { task: 'mnist' | 'nettalk'; sleep?: number[]; wake?: number[] }) => {
    const iterations = (v: number[] | undefined, name: string) => {
      const values = v ?? [...PAPER_GRID_ITERATIONS];
      if (values.some((n) => n < 1)) throw new ConfigError(`${name}: iteration counts must be ≥ 1`);
      return values;
    };
    const cells = gridCells({ task: flags.task, sleep: iterations(flags.sleep, '--sleep'), wake: iterations(flags.wake, '--wake'), seeds: flags.seeds ?? [1], base: { epochs: 20, ...sweepBase(flags) } });
    await runSweepCommand('grid', cells, flags.out ?? `runs/grid-ann-${flags.task}`, flags, writeGridReport);
  });

  addSweepOptions(
    program
      .command('curve')
      .description('the §3 replacement curve: the spiking MLP with SBP in a fraction p of batches, p = 0, 0.1, …, 1; writes OUT/curve.md and plots of accuracy and backward MACs')
      .addOption(new Option('--model <name>', 'model family (the curve is defined for the spiking MLP)').choices(['smlp']).default('smlp'))
      .addOption(new Option('--task <name>', 'task').choices(['mnist', 'nettalk']).default('mnist'))
      .option('--fractions <list>', `SBP fractions p (default ${PAPER_CURVE_FRACTIONS.join(',')})`, list('--fractions', false)),
    { epochs: '20', seeds: '1' },
  ).action(async (flags: SweepFlags & { task: 'mnist' | 'nettalk'; fractions?: number[] }) => {
    const fractions = flags.fractions ?? [...PAPER_CURVE_FRACTIONS];
    if (fractions.some((p) => p < 0 || p > 1)) throw new ConfigError('--fractions: every p must lie in [0, 1]');
    const cells = curveCells({ task: flags.task, fractions, seeds: flags.seeds ?? [1], base: { epochs: 20, ...sweepBase(flags) } });
    await runSweepCommand('curve', cells, flags.out ?? `runs/curve-smlp-${flags.task}`, flags, writeCurveReport);
  });
}

export function registerReproduceCommands(program: Command): void {
  program
    .command('reproduce')
    .description("the paper's experiments (docs/algorithms.md §6) with seeds, cost and figures; writes OUT/report.md with a verdict per claim")
    .addOption(new Option('--scale <scale>', 'quick: subsets and 3 epochs (minutes); paper: full data and the paper\'s epochs').choices([...SCALES]).default('quick'))
    .option('--sets <list>', `experiment sets (default all): ${EXPERIMENT_SETS.join(', ')}`, (v: string) => v.split(','))
    .option('--seeds <n|list>', 'seeds: a count (1…n) or a list (default 5, the paper\'s count)', seedsOption)
    .option('--mnist <dir>', 'MNIST IDX directory (quick scale: default the embedded MNIST default; paper scale: required)')
    .option('--nettalk <dir>', 'NETtalk corpus directory (nettalk.data, nettalk.list); sets on NETtalk are skipped without it')
    .option('--epochs <n>', 'override the epochs of every set', positiveInt('--epochs'))
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .option('--out <dir>', 'output directory (default runs/reproduce-<scale>); rerunning continues it, never redoing a finished run')
    .option('--parallel <n>', `worker threads (default: the ${availableParallelism()} cores available)`, positiveInt('--parallel'))
    .option('--shard <i/n>', 'run only shard i of n (all shards write to the same --out; the report covers what has finished)')
    .action(async (flags: { scale: Scale; sets?: string[]; seeds?: number[]; mnist?: string; nettalk?: string; epochs?: number; backend?: 'wasm' | 'cpu'; out?: string; parallel?: number; shard?: string }) => {
      const unknown = (flags.sets ?? []).filter((s) => !(EXPERIMENT_SETS as readonly string[]).includes(s));
      if (unknown.length) throw new ConfigError(`--sets: unknown set "${unknown[0]}" (expected some of: ${EXPERIMENT_SETS.join(', ')})`);
      const options = { scale: flags.scale, sets: (flags.sets ?? [...EXPERIMENT_SETS]) as ExperimentSet[], seeds: flags.seeds ?? [1, 2, 3, 4, 5], mnist: flags.mnist, nettalk: flags.nettalk, epochs: flags.epochs, backend: flags.backend };
      const cells = reproduceCells(options);
      const { skipped } = runnableSets(options);
      for (const s of skipped) console.log(`  skipping ${s.set}: ${s.why}`);
      const root = flags.out ?? `runs/reproduce-${flags.scale}`;
      writeFileAtomic(join(root, 'reproduce.json'), JSON.stringify({ scale: flags.scale, seeds: options.seeds.length, skipped }, null, 1) + '\n');
      const started = performance.now();
      await runSweepCommand('reproduce', cells, root, flags, (r, c, o) => writeReproduceReport(r, c, o, { scale: flags.scale, seeds: options.seeds.length, skipped }));
      console.log(`selfprop reproduce: ${((performance.now() - started) / 60000).toFixed(1)} min`);
    });

  program
    .command('plot')
    .description('redraw the report and figures of a grid, curve or reproduce directory, or the figures of one training run')
    .argument('<dir>', 'a run directory (OUT of train, grid, curve or reproduce)')
    .action(async (dir: string) => {
      const written = await redrawFigures(dir);
      console.log(`${written.markdownPath}: ${written.figures.length} figures (${written.figures.join(', ')})`);
    });
}
