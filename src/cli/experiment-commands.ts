/**
 * `selfprop grid`, `selfprop curve`, `selfprop reproduce`: sweeps of training runs in parallel, with
 * their reports; on a cluster, one shard per job-array task (`--shard auto`) and the sbatch scripts
 * that run them (`--slurm FILE`, docs/cluster.md).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { chmodSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, SelfpropError } from '../errors.js';
import { finishedOutcome, finishedWithConfig, type Cell, type CellOutcome } from '../experiments/cell.js';
import { curveCells, PAPER_CURVE_FRACTIONS } from '../experiments/curve.js';
import { gridCells, PAPER_GRID_ITERATIONS } from '../experiments/grid.js';
import { resolveShard, SHARD_COUNT_ENV } from '../experiments/shard-env.js';
import { arrayScript, defaultShards, estimateSweep, formatSlurmTime, reportScript, reportScriptPath, slurmLogDir, submitCommand, submitSlurm, type SlurmPlan } from '../experiments/slurm.js';
import { runSweep, shardCells, writeSharedFile, type Shard } from '../experiments/sweep.js';

import { writeCurveReport, writeGridReport } from '../experiments/sweep-report.js';
import { redrawFigures } from '../experiments/redraw.js';
import { EXPERIMENT_SETS, reproduceCells, runnableSets, SCALES, type ExperimentSet, type Scale } from '../experiments/reproduce.js';
import { writeReproduceReport } from '../experiments/reproduce-report.js';
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
  /** --shards N: array tasks of --slurm, or the shard count of --shard auto under a JOB_COMPLETION_INDEX. */
  shards?: number;
  slurm?: string;
  submit?: boolean;
  reportOnly?: boolean;
  /** false with --no-report. */
  report?: boolean;
}

/** The options every sweep command shares. */
export function addSweepOptions(command: Command, defaults: { epochs: string; seeds: string }): Command {
  return addClusterOptions(
    command
      .option('--data <dir>', 'dataset directory (default: the embedded MNIST default)')
      .option('--epochs <n>', `epochs per run (default ${defaults.epochs})`, positiveInt('--epochs'))
      .option('--train-limit <n>', 'first N training rows only', positiveInt('--train-limit'))
      .option('--test-limit <n>', 'first N test rows only', positiveInt('--test-limit'))
      .option('--seeds <n|list>', `seeds: a count (1…n) or a list, e.g. 1,2,3 (default ${defaults.seeds})`, seedsOption)
      .option('--config <file>', 'JSON run config shared by every cell (fields of OUT/config.json); the sweep sets what it varies')
      .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
      .option('--out <dir>', 'output directory (cells, report, figures); rerunning continues it')
      .option('--parallel <n>', `worker threads (default: the ${availableParallelism()} cores available; with --slurm: 1, and each task asks for that many CPUs)`, positiveInt('--parallel')),
  );
}

/** Sharding, the Slurm scripts and the report switches: the same on grid, curve and reproduce. */
export function addClusterOptions(command: Command): Command {
  return command
    .option('--shard <i/n|auto>', `run only shard i of n (cells in id order, every n-th); all shards write to the same --out. auto: from a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of --shards N or ${SHARD_COUNT_ENV})`)
    .option('--shards <n>', `with --slurm: the number of array tasks (default: the cells, at most 8); with --shard auto and JOB_COMPLETION_INDEX: the shard count (else ${SHARD_COUNT_ENV})`, positiveInt('--shards'))
    .option('--slurm <file>', 'run nothing; write an sbatch job-array script to FILE (one task per shard, --time and --mem from the cost model, logs in OUT/slurm/) and FILE-report for the job drawing the report; OUT must be on a file system all nodes share (docs/cluster.md)')
    .option('--submit', 'with --slurm: submit both scripts with sbatch (the report job after the array, afterok) and print their job ids')
    .option('--report-only', 'run no cell: draw the report from the cells of --out that have finished')
    .option('--no-report', 'run the cells but draw no report (the array tasks of --slurm: the report job draws it)');
}

/** The --help text after a sweep command's options: running it on a cluster. */
const clusterHelp = (example: string) => `
On a cluster (docs/cluster.md; OUT on a file system every node shares):
  $ selfprop ${example} --out /shared/x --slurm x.sbatch --shards 4 --submit
    writes x.sbatch (a Slurm job array of 4 tasks, one shard each: --shard auto) and
    x-report.sbatch (the report, once every task succeeded), and submits both with sbatch;
    without --submit it prints the sbatch command instead.
  Kubernetes Indexed Job (completions: 4), in each pod:
  $ selfprop ${example} --out /shared/x --shard auto --shards 4 --no-report
  and once the Job is complete:
  $ selfprop ${example} --out /shared/x --report-only
`;

/** Options that are not the sweep's cells: left out of (or set anew in) the scripts' command lines. */
const CLUSTER_KEYS = new Set(['out', 'parallel', 'shard', 'shards', 'slurm', 'submit', 'reportOnly', 'report']);
/**
 * The arguments of a sweep command as the user gave them (parsed values written back, lists joined
 * with commas), without --out, --parallel and the cluster flags: what every array task and the
 * report job run. Paths stay as given — they are part of the cells' configs, which a later local
 * run into the same OUT must match — and the scripts enter the folder they were written from.
 */
export function sweepArguments(command: Command): string[] {
  const values = command.opts() as Record<string, unknown>;
  const args: string[] = [];
  for (const option of command.options) {
    const key = option.attributeName();
    const value = values[key];
    const source = command.getOptionValueSource(key);
    if (CLUSTER_KEYS.has(key) || value === undefined || source === undefined || source === 'default' || !option.long) continue;
    if (typeof value === 'boolean') {
      if (value === !option.negate) args.push(option.long);
    } else {
      const text = Array.isArray(value) ? value.join(',') : String(value);
      args.push(option.long, text);
    }
  }
  return args;
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

/** Contradicting cluster flags: a ConfigError before anything runs. */
export function checkClusterFlags(flags: SweepFlags, cells: number): void {
  if (flags.submit && !flags.slurm) throw new ConfigError('--submit goes with --slurm FILE (the scripts it submits)');
  if (flags.slurm && flags.shard !== undefined) throw new ConfigError('--slurm writes one array task per shard; leave out --shard (--shards N sets their number)');
  if (flags.slurm && flags.reportOnly) throw new ConfigError('--slurm and --report-only contradict each other: write the scripts, or draw the report');
  if (flags.reportOnly && flags.shard !== undefined) throw new ConfigError('--report-only runs no cell; leave out --shard');
  if (flags.reportOnly && flags.report === false) throw new ConfigError('--report-only and --no-report contradict each other');
  if (flags.shards !== undefined && !flags.slurm && flags.shard?.trim() !== 'auto') throw new ConfigError('--shards N goes with --slurm FILE (array tasks) or --shard auto (the count of a Kubernetes Indexed Job)');
  if (flags.slurm && flags.shards !== undefined && flags.shards > cells) throw new ConfigError(`--shards ${flags.shards}: more array tasks than the sweep's ${cells} cells`);
}

/** The finished cells' outcomes (any shard, any process). */
function finishedOf(root: string, cells: readonly Cell[]): Map<string, CellOutcome> {
  return new Map(cells.flatMap((c) => {
    const o = finishedOutcome(root, c.id);
    return o ? [[c.id, o] as const] : [];
  }));
}

type ReportWriter = (root: string, cells: Cell[], outcomes: Map<string, CellOutcome>) => Promise<{ markdownPath: string; figures: string[] }>;

async function drawReport(root: string, cells: Cell[], report: ReportWriter): Promise<Map<string, CellOutcome>> {
  const outcomes = finishedOf(root, cells);
  const written = await report(root, cells, outcomes);
  console.log(`report: ${written.markdownPath} (${outcomes.size}/${cells.length} cells finished); ${written.figures.length} figures in ${join(root, 'figures')}`);
  return outcomes;
}

/**
 * Run the cells with progress bars, then write the report; prints where it is. With --slurm: write
 * (and with --submit, submit) the scripts instead; with --report-only: only the report.
 */
export async function runSweepCommand(name: string, cells: Cell[], root: string, flags: SweepFlags, report: ReportWriter, command?: Command): Promise<void> {
  checkClusterFlags(flags, cells.length);
  if (flags.slurm) {
    if (!command) throw new ConfigError('--slurm needs the command line of the sweep');
    writeSlurmScripts(name, cells, root, flags, command);
    return;
  }
  if (flags.reportOnly) {
    const outcomes = await drawReport(root, cells, report);
    const missing = cells.filter((c) => !outcomes.has(c.id));
    if (missing.length) console.log(`  ${missing.length} cells have not finished (the first: ${missing[0].id}); run the sweep again to finish them`);
    return;
  }
  const shard: Shard | undefined = resolveShard(flags.shard, process.env, flags.shards);
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
  let outcomes: Map<string, CellOutcome>;
  if (flags.report === false) {
    outcomes = finishedOf(root, cells);
    console.log(`selfprop ${name}: ${outcomes.size}/${cells.length} cells of the sweep finished; no report (--no-report)`);
  } else {
    outcomes = await drawReport(root, cells, report);
  }
  const busy = [...ran.values()].filter((o) => o.status === 'busy');
  if (busy.length > 0) console.log(`  ${busy.length} cells skipped, another process holds their lock (not run twice); the first: ${busy[0].id}: ${busy[0].error}`);
  // A cell that diverged has finished (its outcome is a result); one that could not run has not.
  const broken = [...ran.values()].filter((o) => o.status === 'failed' && !outcomes.has(o.id));
  if (broken.length > 0) {
    throw new SelfpropError(`${broken.length} of ${mine.length} cells could not run; the first, ${broken[0].id}: ${broken[0].error}`);
  }
}

/** The CLI that array tasks run: this installation's. */
const CLI_PATH = fileURLToPath(new URL('./main.js', import.meta.url));

/** --slurm FILE: the job-array script and the report job's, sized by the cost model; --submit submits them. */
function writeSlurmScripts(name: string, cells: Cell[], root: string, flags: SweepFlags, command: Command): void {
  const out = resolve(root);
  const arrayFile = resolve(flags.slurm!);
  const shards = flags.shards ?? defaultShards(cells.length);
  const parallel = flags.parallel ?? 1;
  const pending = (c: Cell) => !finishedWithConfig(out, c);
  const left = cells.filter(pending).length;
  const plan: SlurmPlan = {
    command: name,
    args: sweepArguments(command),
    node: process.execPath,
    cli: CLI_PATH,
    out,
    cwd: process.cwd(),
    shards,
    parallel,
    cells: cells.length,
    estimate: estimateSweep(cells, shards, parallel, pending),
    arrayFile,
    reportFile: reportScriptPath(arrayFile),
  };
  mkdirSync(slurmLogDir(out), { recursive: true }); // sbatch does not create the folder of --output
  for (const [file, text] of [[plan.arrayFile, arrayScript(plan)], [plan.reportFile, reportScript(plan)]] as const) {
    writeSharedFile(file, text);
    chmodSync(file, 0o755);
  }
  const e = plan.estimate;
  console.log(`selfprop ${name}: ${cells.length} cells (${cells.length - left} already finished) in ${shards} array task${shards === 1 ? '' : 's'} of ${parallel} CPU${parallel === 1 ? '' : 's'}: --time ${formatSlurmTime(e.array.timeSeconds)} --mem ${e.array.memoryMiB}M each (largest shard: ${e.largest.cells} cells, estimated ${(e.largest.seconds / 60).toFixed(1)} min); output ${out}`);
  console.log(`  job array:  ${plan.arrayFile}`);
  console.log(`  report job: ${plan.reportFile} (--time ${formatSlurmTime(e.report.timeSeconds)} --mem ${e.report.memoryMiB}M)`);
  console.log(`  logs:       ${slurmLogDir(out)}/`);
  console.log(`  ${out} must be on a file system that every node mounts at that path.`);
  if (!flags.submit) {
    console.log(`submit both: ${submitCommand(plan)}`);
    return;
  }
  const { arrayId, reportId } = submitSlurm(plan);
  console.log(`submitted: job array ${arrayId} (tasks ${arrayId}_0 … ${arrayId}_${shards - 1}), report job ${reportId} (after every task succeeded)`);
  console.log(`  watch: squeue -j ${arrayId},${reportId}`);
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
      .option('--validation-rows <n>', 'training rows held out for validation (default for MNIST: the last sixth, the paper\'s 10,000)', positiveInt('--validation-rows'))
      .addHelpText('after', clusterHelp('grid --data /shared/mnist --seeds 5')),
    { epochs: '20', seeds: '1' },
  ).action(async (flags: SweepFlags & { task: 'mnist' | 'nettalk'; sleep?: number[]; wake?: number[] }, command: Command) => {
    const iterations = (v: number[] | undefined, name: string) => {
      const values = v ?? [...PAPER_GRID_ITERATIONS];
      if (values.some((n) => n < 1)) throw new ConfigError(`${name}: iteration counts must be ≥ 1`);
      return values;
    };
    const cells = gridCells({ task: flags.task, sleep: iterations(flags.sleep, '--sleep'), wake: iterations(flags.wake, '--wake'), seeds: flags.seeds ?? [1], base: { epochs: 20, ...sweepBase(flags) } });
    await runSweepCommand('grid', cells, flags.out ?? `runs/grid-ann-${flags.task}`, flags, writeGridReport, command);
  });

  addSweepOptions(
    program
      .command('curve')
      .description('the §3 replacement curve: the spiking MLP with SBP in a fraction p of batches, p = 0, 0.1, …, 1; writes OUT/curve.md and plots of accuracy and backward MACs')
      .addOption(new Option('--model <name>', 'model family (the curve is defined for the spiking MLP)').choices(['smlp']).default('smlp'))
      .addOption(new Option('--task <name>', 'task').choices(['mnist', 'nettalk']).default('mnist'))
      .option('--fractions <list>', `SBP fractions p (default ${PAPER_CURVE_FRACTIONS.join(',')})`, list('--fractions', false))
      .addHelpText('after', clusterHelp('curve --data /shared/mnist --seeds 5')),
    { epochs: '20', seeds: '1' },
  ).action(async (flags: SweepFlags & { task: 'mnist' | 'nettalk'; fractions?: number[] }, command: Command) => {
    const fractions = flags.fractions ?? [...PAPER_CURVE_FRACTIONS];
    if (fractions.some((p) => p < 0 || p > 1)) throw new ConfigError('--fractions: every p must lie in [0, 1]');
    const cells = curveCells({ task: flags.task, fractions, seeds: flags.seeds ?? [1], base: { epochs: 20, ...sweepBase(flags) } });
    await runSweepCommand('curve', cells, flags.out ?? `runs/curve-smlp-${flags.task}`, flags, writeCurveReport, command);
  });
}

export function registerReproduceCommands(program: Command): void {
  addClusterOptions(
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
      .option('--out <dir>', 'output directory (default runs/reproduce-<scale>); rerunning continues it, never redoing a finished run; the report covers what has finished')
      .option('--parallel <n>', `worker threads (default: the ${availableParallelism()} cores available; with --slurm: 1, and each task asks for that many CPUs)`, positiveInt('--parallel'))
      .addHelpText('after', clusterHelp('reproduce --scale paper --mnist /shared/mnist')),
  ).action(
    async (
      flags: SweepFlags & { scale: Scale; sets?: string[]; seeds?: number[]; mnist?: string; nettalk?: string; epochs?: number; backend?: 'wasm' | 'cpu' },
      command: Command,
    ) => {
      const unknown = (flags.sets ?? []).filter((s) => !(EXPERIMENT_SETS as readonly string[]).includes(s));
      if (unknown.length) throw new ConfigError(`--sets: unknown set "${unknown[0]}" (expected some of: ${EXPERIMENT_SETS.join(', ')})`);
      const options = { scale: flags.scale, sets: (flags.sets ?? [...EXPERIMENT_SETS]) as ExperimentSet[], seeds: flags.seeds ?? [1, 2, 3, 4, 5], mnist: flags.mnist, nettalk: flags.nettalk, epochs: flags.epochs, backend: flags.backend };
      const cells = reproduceCells(options);
      const { skipped } = runnableSets(options);
      for (const s of skipped) console.log(`  skipping ${s.set}: ${s.why}`);
      const root = flags.out ?? `runs/reproduce-${flags.scale}`;
      checkClusterFlags(flags, cells.length);
      // every shard writes it (the same contents): `selfprop plot` and the report read it
      writeSharedFile(join(root, 'reproduce.json'), JSON.stringify({ scale: flags.scale, seeds: options.seeds.length, skipped }, null, 1) + '\n');
      const started = performance.now();
      await runSweepCommand('reproduce', cells, root, flags, (r, c, o) => writeReproduceReport(r, c, o, { scale: flags.scale, seeds: options.seeds.length, skipped }), command);
      if (!flags.slurm && !flags.reportOnly) console.log(`selfprop reproduce: ${((performance.now() - started) / 60000).toFixed(1)} min`);
    },
  );

  program
    .command('plot')
    .description('redraw the report and figures of a grid, curve or reproduce directory, or the figures of one training run')
    .argument('<dir>', 'a run directory (OUT of train, grid, curve or reproduce)')
    .action(async (dir: string) => {
      const written = await redrawFigures(dir);
      console.log(`${written.markdownPath}: ${written.figures.length} figures (${written.figures.join(', ')})`);
    });
}
