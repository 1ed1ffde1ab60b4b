/**
 * Sweeps on a Slurm cluster (`selfprop grid|curve|reproduce … --slurm FILE`): a cost model sizing
 * each array task, the two sbatch scripts — a job array with one task per shard, and a report job
 * that waits for every task to succeed (`--dependency=afterok`) — and their submission
 * (`--submit`). docs/cluster.md describes the whole.
 *
 * The cost model (every constant in COST_MODEL and FAMILY_COSTS; all pure functions):
 *
 *   cell seconds  = setup + epochs × (training rows + ½ × evaluated rows) × weights × (s + b / batch)
 *                   [× 3 with kernels: js] [× 10 for the SNN's spike-driven layers, drive: spikes]
 *
 *   with the network's weights (Σ layer sizes' products), the rows the cell really uses (its limits,
 *   else the dataset's size; validation rows count as evaluated), and per family s = seconds per
 *   weight per training sample and b = seconds per weight per batch (the weight update, paid once
 *   per batch: batch 1 makes it dominant). The constants are fitted to the README's measurements
 *   (one core: SNN 24 s per MNIST epoch at batch 50 and 17 s per NETtalk epoch at batch 1, the
 *   energy ANN 35 s and 13 s, the spiking MLP 14 s per 6,000 images at batch 100).
 *
 *   task seconds  = the largest shard's cells spread over its `--parallel` worker threads (longest
 *                   first, each to the least loaded worker: the makespan)
 *   --time        = max(5 min, 1 min + 3 × task seconds), rounded up to the minute
 *   --mem         = 1.5 × (200 MiB + per worker: 160 MiB + every distinct dataset it loads as
 *                   float32 + 32 bytes per weight of its largest network), rounded up to 256 MiB,
 *                   at least 1 GiB
 *   report job    = --time from 1 min + 1 s per cell; --mem from one worker and the largest
 *                   dataset, plus 256 MiB for the figures; same safety, rounding and floors.
 */
import { spawnSync } from 'node:child_process';
import { parse as parsePath, join } from 'node:path';
import { EMBEDDED_TRAIN_ROWS } from '../data/mnist.js';
import { ConfigError, oneLine, SelfpropError } from '../errors.js';
import type { ModelName } from '../models/registry.js';
import { getTask } from '../tasks/registry.js';
import { modelLayers, resolveRunConfig, validationRowsFor, type RunConfig } from '../train/run-config.js';
import type { Cell } from './cell.js';
import { shardCells } from './sweep.js';

/** Seconds per network weight: per training sample, and per batch (the update). */
export interface FamilyCost {
  readonly perSample: number;
  readonly perBatch: number;
}

export const FAMILY_COSTS: Readonly<Record<ModelName, FamilyCost>> = {
  snn: { perSample: 0.4e-9, perBatch: 32e-9 },
  ann: { perSample: 0.3e-9, perBatch: 23e-9 },
  smlp: { perSample: 4.5e-9, perBatch: 50e-9 },
};

export const COST_MODEL = {
  /** An evaluated row (test, validation) costs this fraction of a training sample. */
  evalWeight: 0.5,
  /** Per cell: loading its config, writing its directory. */
  cellSetupSeconds: 5,
  /** The JS reference kernels (`kernels: js`) against the WebAssembly ones. */
  jsKernelsFactor: 3,
  /** The SNN's spike-driven layers (`drive: spikes`, JS loops, Bernoulli draws) against the analog drive. */
  spikeDriveFactor: 10,
  /**
   * Seconds per multiply-accumulate of the dense hidden → hidden products of deeper nets (see
   * hiddenProductMacs), which the per-weight costs above do not cover: measured 4-layer MNIST epochs
   * (one seed, 3 epochs, two runs sharing the two cores) took 244 s for the SNN and 146–162 s for
   * the energy ANN, against 16–31 s and 9 s with 3 layers.
   */
  hiddenMacSeconds: 1.2e-10,
  /** Per task (and for the report job): starting Node and TF.js, reading the data. */
  taskSetupSeconds: 60,
  timeSafety: 3,
  timeFloorSeconds: 300,
  reportSecondsPerCell: 1,
  processMiB: 200,
  workerMiB: 160,
  /** Weights, their checkpoint copy, an optimiser's moments, gradients, the weights files. */
  bytesPerWeight: 32,
  reportFigureMiB: 256,
  memorySafety: 1.5,
  memoryStepMiB: 256,
  memoryFloorMiB: 1024,
} as const;

/** The rows of a task's whole dataset (a cell's limits cut them). */
export function datasetRows(config: RunConfig): { train: number; test: number } {
  switch (config.task) {
    case 'mnist':
      return config.data ? { train: 60_000, test: 10_000 } : { train: EMBEDDED_TRAIN_ROWS, test: 10_000 - EMBEDDED_TRAIN_ROWS };
    case 'nettalk':
      // paper: the paper's 5,033 / 500 windows; full: ≈ 20,000 words split by word, 90 / 10
      return config.split === 'paper' ? { train: 5_033, test: 500 } : { train: 132_000, test: 15_000 };
    case 'dvsgesture':
      return { train: 1_176, test: 288 };
  }
}

export interface CellCost {
  readonly id: string;
  /** Estimated seconds on one core. */
  readonly seconds: number;
  readonly trainRows: number;
  /** Test and validation rows, evaluated every epoch. */
  readonly evalRows: number;
  readonly weights: number;
  /** The data it loads (cells with the same key share one copy in a worker) and its size. */
  readonly dataKey: string;
  readonly dataMiB: number;
  readonly modelMiB: number;
}

const MiB = 1024 * 1024;

/**
 * Multiply-accumulates per sample of the products between two hidden layers, which a 3-layer net
 * does not have and which no kernel shortens: the SNN multiplies every LIF step's activity of a
 * hidden layer by the weights into the next hidden layer (K = T/dt steps; the output layer's
 * product is fused into the LIF loop and in the per-weight cost); the energy ANN multiplies each
 * hidden state by the weights on both sides at every free and nudged iteration. The spiking MLP's
 * per-weight cost already covers its K steps.
 */
export function hiddenProductMacs(config: RunConfig): number {
  const layers = modelLayers(config);
  let hiddenPairs = 0;
  for (let k = 1; k + 2 < layers.length; k++) hiddenPairs += layers[k] * layers[k + 1];
  if (config.model === 'snn') return (config.snn.lif.tMs / config.snn.lif.dtMs) * hiddenPairs;
  if (config.model === 'ann') return (config.ann.sleepIterations + config.ann.wakeIterations) * 2 * hiddenPairs;
  return 0;
}

/** The estimated cost of one cell. */
export function cellCost(cell: Cell): CellCost {
  const config = resolveRunConfig(cell.config, `cell ${cell.id}`);
  const task = getTask(config.task);
  const full = datasetRows(config);
  const available = Math.min(config.trainLimit ?? full.train, full.train);
  const test = Math.min(config.testLimit ?? full.test, full.test);
  const validation = Math.min(validationRowsFor(config, available), available);
  const trainRows = available - validation;
  const evalRows = test + validation;
  const layers = modelLayers(config);
  const weights = layers.slice(1).reduce((sum, n, i) => sum + n * layers[i], 0);
  const family = FAMILY_COSTS[config.model];
  const slower = (config.kernels === 'js' ? COST_MODEL.jsKernelsFactor : 1) * (config.model === 'snn' && config.snn.drive === 'spikes' ? COST_MODEL.spikeDriveFactor : 1);
  const perSample = (weights * (family.perSample + family.perBatch / config.batchSize) + hiddenProductMacs(config) * COST_MODEL.hiddenMacSeconds) * slower;
  const seconds = COST_MODEL.cellSetupSeconds + config.epochs * (trainRows + COST_MODEL.evalWeight * evalRows) * perSample;
  return {
    id: cell.id,
    seconds,
    trainRows,
    evalRows,
    weights,
    dataKey: JSON.stringify([config.task, config.data, config.split, config.trainLimit, config.testLimit]),
    dataMiB: ((available + test) * (task.inputSize + task.outputSize) * 4) / MiB,
    modelMiB: (weights * COST_MODEL.bytesPerWeight) / MiB,
  };
}

export interface TaskCost {
  readonly cells: number;
  /** Estimated wall seconds of the cells on `parallel` workers (no safety factor). */
  readonly seconds: number;
  /** Estimated peak memory (no safety factor). */
  readonly memoryMiB: number;
}

/** One array task: its cells on `parallel` worker threads (longest first, each to the least loaded worker). */
export function taskCost(cells: readonly CellCost[], parallel: number): TaskCost {
  const workers = Array.from({ length: Math.max(1, Math.min(parallel, cells.length)) }, () => ({ seconds: 0, data: new Map<string, number>(), modelMiB: 0 }));
  for (const c of [...cells].sort((a, b) => b.seconds - a.seconds)) {
    const w = workers.reduce((least, x) => (x.seconds < least.seconds ? x : least));
    w.seconds += c.seconds;
    w.data.set(c.dataKey, c.dataMiB);
    w.modelMiB = Math.max(w.modelMiB, c.modelMiB);
  }
  const seconds = Math.max(0, ...workers.map((w) => w.seconds));
  const memoryMiB = COST_MODEL.processMiB + (cells.length === 0 ? 0 : workers.reduce((sum, w) => sum + COST_MODEL.workerMiB + [...w.data.values()].reduce((s, d) => s + d, 0) + w.modelMiB, 0));
  return { cells: cells.length, seconds, memoryMiB };
}

export interface SlurmLimits {
  /** --time, seconds (whole minutes). */
  readonly timeSeconds: number;
  /** --mem, MiB. */
  readonly memoryMiB: number;
}

/** The limits asked for a task: safety factors, rounding, floors. */
export function limitsFor(cost: { readonly seconds: number; readonly memoryMiB: number }): SlurmLimits {
  const m = COST_MODEL;
  const timeSeconds = Math.max(m.timeFloorSeconds, Math.ceil((m.taskSetupSeconds + m.timeSafety * cost.seconds) / 60) * 60);
  const memoryMiB = Math.max(m.memoryFloorMiB, Math.ceil((m.memorySafety * cost.memoryMiB) / m.memoryStepMiB) * m.memoryStepMiB);
  return { timeSeconds, memoryMiB };
}

export interface SweepEstimate {
  /** The limits of every array task (those of the largest shard). */
  readonly array: SlurmLimits;
  readonly report: SlurmLimits;
  /** The most expensive shard (1-based) and its cost, for the script's comments. */
  readonly largestShard: number;
  readonly largest: TaskCost;
}

/**
 * The limits of a sweep split into `shards` array tasks of `parallel` workers each. `pending`: the
 * cells still to run (finished ones cost nothing); default all.
 */
export function estimateSweep(cells: readonly Cell[], shards: number, parallel: number, pending: (cell: Cell) => boolean = () => true): SweepEstimate {
  const costs = new Map(cells.map((c) => [c.id, cellCost(c)]));
  let largestShard = 1;
  let largest: TaskCost = { cells: 0, seconds: 0, memoryMiB: COST_MODEL.processMiB };
  let memoryMiB = 0;
  for (let index = 1; index <= shards; index++) {
    const cost = taskCost(shardCells(cells, { index, count: shards }).filter(pending).map((c) => costs.get(c.id)!), parallel);
    if (cost.seconds > largest.seconds) (largest = cost), (largestShard = index);
    memoryMiB = Math.max(memoryMiB, cost.memoryMiB);
  }
  const all = [...costs.values()];
  const report = {
    seconds: COST_MODEL.reportSecondsPerCell * cells.length,
    memoryMiB: COST_MODEL.processMiB + COST_MODEL.workerMiB + COST_MODEL.reportFigureMiB + Math.max(0, ...all.map((c) => c.dataMiB)),
  };
  return { array: limitsFor({ seconds: largest.seconds, memoryMiB }), report: limitsFor(report), largestShard, largest };
}

/** Slurm's time format: HH:MM:SS, or D-HH:MM:SS from a day on; rounded up to the second. */
export function formatSlurmTime(seconds: number): string {
  const s = Math.ceil(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(s / 86400);
  const hms = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}-${hms}` : hms;
}

/** The default number of array tasks: one per cell, at most 8. */
export const defaultShards = (cells: number): number => Math.max(1, Math.min(cells, 8));

/** A word for a POSIX shell: as it is when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** FILE's report script: `sweep.sh` → `sweep-report.sh`, `sweep` → `sweep-report`. */
export function reportScriptPath(file: string): string {
  const p = parsePath(file);
  return join(p.dir, `${p.name}-report${p.ext}`);
}

export interface SlurmPlan {
  /** The sweep command: grid, curve or reproduce. */
  readonly command: string;
  /** Its arguments (the cells' options), without --out, --parallel, --shard and the cluster flags. */
  readonly args: readonly string[];
  /** Absolute paths: Node, the CLI (dist/src/cli/main.js), the run folder, the working folder. */
  readonly node: string;
  readonly cli: string;
  readonly out: string;
  readonly cwd: string;
  readonly shards: number;
  /** Worker threads per task = --cpus-per-task. */
  readonly parallel: number;
  readonly cells: number;
  readonly estimate: SweepEstimate;
  /** Where the two scripts go (absolute). */
  readonly arrayFile: string;
  readonly reportFile: string;
}

/** The logs of the array tasks and of the report job. */
export const slurmLogDir = (out: string): string => join(out, 'slurm');

/** The command that submits both scripts by hand. */
export function submitCommand(plan: Pick<SlurmPlan, 'arrayFile' | 'reportFile'>): string {
  return `jid=$(sbatch --parsable ${shellQuote(plan.arrayFile)}) && sbatch --dependency=afterok:\${jid%%;*} --kill-on-invalid-dep=yes ${shellQuote(plan.reportFile)}`;
}

function selfpropLine(plan: SlurmPlan, extra: readonly string[]): string {
  return ['exec', plan.node, plan.cli, plan.command, ...plan.args, '--out', plan.out, ...extra].map(shellQuote).join(' ');
}

/** The sbatch job-array script: one task per shard. */
export function arrayScript(plan: SlurmPlan): string {
  const e = plan.estimate;
  const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;
  return [
    '#!/bin/bash',
    `# selfprop ${plan.command} on Slurm: a job array of ${plan.shards} task${plan.shards === 1 ? '' : 's'}, one shard of the sweep's ${plan.cells} cells each`,
    `# (written by \`selfprop ${plan.command} … --slurm\`; the report job is ${plan.reportFile}).`,
    '#',
    '# Submit both (the report job starts once every task has succeeded):',
    `#   ${submitCommand(plan)}`,
    '# or run the same selfprop command with --submit.',
    '#',
    `# The run folder ${plan.out} must be on a file system that every node mounts at`,
    '# that same path (NFS, Lustre, GPFS, …): each task writes its cells there, a cell\'s lock file keeps',
    '# two tasks off one cell, and the report job reads them all. So must this Node and selfprop',
    '# installation, and the datasets.',
    '#',
    `# Limits from selfprop's cost model (docs/cluster.md): the largest shard (${e.largestShard}) has ${e.largest.cells} cells to run,`,
    `# estimated ${minutes(e.largest.seconds)} on ${plan.parallel} worker${plan.parallel === 1 ? '' : 's'} and ${Math.ceil(e.largest.memoryMiB)} MiB; --time = max(5 min, 1 min + 3 × that),`,
    '# --mem = 1.5 × that (at least 1 GiB). Edit them here, or give sbatch other values on its command',
    '# line (or in SBATCH_TIMELIMIT, SBATCH_PARTITION, SBATCH_ACCOUNT, …): those win over these lines.',
    '#',
    `#SBATCH --job-name=selfprop-${plan.command}`,
    `#SBATCH --array=0-${plan.shards - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${plan.parallel}`,
    `#SBATCH --time=${formatSlurmTime(e.array.timeSeconds)}`,
    `#SBATCH --mem=${e.array.memoryMiB}M`,
    `#SBATCH --output=${join(slurmLogDir(plan.out), 'shard-%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    `#SBATCH --chdir=${plan.cwd}`,
    'set -euo pipefail',
    '# --shard auto: shard SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT.',
    '# A rerun (or a requeued task) skips the finished cells and resumes an interrupted one.',
    'echo "selfprop: array job ${SLURM_ARRAY_JOB_ID:-?} task ${SLURM_ARRAY_TASK_ID:-?} on $(hostname) at $(date -Is)"',
    selfpropLine(plan, ['--parallel', String(plan.parallel), '--shard', 'auto', '--no-report']),
    '',
  ].join('\n');
}

/** The report job's script: draws the report from the finished cells, runs none. */
export function reportScript(plan: SlurmPlan): string {
  return [
    '#!/bin/bash',
    `# selfprop ${plan.command} on Slurm: the report of the sweep in ${plan.out}, drawn from its finished`,
    `# cells once every task of the job array (${plan.arrayFile}) has succeeded:`,
    `#   ${submitCommand(plan)}`,
    '# It runs no cell (--report-only); if a task failed, Slurm cancels it (--kill-on-invalid-dep=yes).',
    '#',
    `#SBATCH --job-name=selfprop-${plan.command}-report`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --time=${formatSlurmTime(plan.estimate.report.timeSeconds)}`,
    `#SBATCH --mem=${plan.estimate.report.memoryMiB}M`,
    `#SBATCH --output=${join(slurmLogDir(plan.out), 'report-%j.out')}`,
    `#SBATCH --chdir=${plan.cwd}`,
    'set -euo pipefail',
    'echo "selfprop: report job ${SLURM_JOB_ID:-?} on $(hostname) at $(date -Is)"',
    selfpropLine(plan, ['--report-only']),
    '',
  ].join('\n');
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error & { code?: string };
}
export type CommandRunner = (command: string, args: readonly string[]) => CommandResult;

const runCommand: CommandRunner = (command, args) => {
  const r = spawnSync(command, [...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error as CommandResult['error'] };
};

/** The job id sbatch --parsable printed ("id" or "id;cluster"). */
export function parseJobId(stdout: string): string | undefined {
  const id = stdout.trim().split('\n').pop()?.split(';')[0].trim();
  return id && /^\d+$/.test(id) ? id : undefined;
}

function sbatch(args: readonly string[], what: string, run: CommandRunner, plan: Pick<SlurmPlan, 'arrayFile' | 'reportFile'>, after = ''): string {
  const r = run('sbatch', args);
  if (r.error?.code === 'ENOENT') throw new ConfigError(`--submit: sbatch is not on PATH; the scripts are written, submit them where Slurm runs: ${submitCommand(plan)}`);
  if (r.error) throw new SelfpropError(`--submit: sbatch could not run (${oneLine(r.error.message)})${after}`);
  if (r.status !== 0) throw new SelfpropError(`--submit: sbatch of the ${what} failed (exit ${r.status}): ${oneLine(r.stderr || r.stdout || 'no message')}${after}`);
  const id = parseJobId(r.stdout);
  if (!id) throw new SelfpropError(`--submit: sbatch of the ${what} printed no job id: ${oneLine(r.stdout || r.stderr || '(nothing)')}${after}`);
  return id;
}

/** Submit the array, then the report job depending on it; the two job ids. */
export function submitSlurm(plan: Pick<SlurmPlan, 'arrayFile' | 'reportFile'>, run: CommandRunner = runCommand): { arrayId: string; reportId: string } {
  const arrayId = sbatch(['--parsable', plan.arrayFile], 'job array', run, plan);
  const reportId = sbatch(
    ['--parsable', `--dependency=afterok:${arrayId}`, '--kill-on-invalid-dep=yes', plan.reportFile],
    'report job',
    run,
    plan,
    ` (the job array ${arrayId} is submitted; submit the report by hand: sbatch --dependency=afterok:${arrayId} --kill-on-invalid-dep=yes ${shellQuote(plan.reportFile)})`,
  );
  return { arrayId, reportId };
}
