/**
 * `selfprop train` and `selfprop eval`: parse, validate through the one schema, call the library.
 * Each model family's flags come from its descriptor (models/<family>/family.ts); every input is
 * checked — and the run directory locked — before any data is loaded.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataFormatError } from '../errors.js';
import { KERNEL_SETTINGS, type FamilyOption } from '../models/family.js';
import { getFamily, MODEL_FAMILIES } from '../models/registry.js';
import { loadTaskData } from '../node/datasets/index.js';
import { readBytes } from '../node/files.js';
import { CHECKPOINT_FILE, LEGACY_CHECKPOINT_FILE } from '../node/run-directory.js';
import { prepareRun, trainPrepared } from '../node/train-run.js';
import { getTask, TASK_NAMES } from '../tasks/registry.js';
import { BACKENDS, useBackend } from '../tensor/index.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { identity, runSplit, type EpochMetrics } from '../train/loop.js';
import { checkNetworkFitsTask, familyConfig, MODEL_NAMES, modelLayers, resolveRunConfig, type RunConfig } from '../train/run-config.js';
import { EpochProgress } from './progress.js';

const integer = (name: string) => (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
  return Number(value);
};
const number = (name: string) => (value: string): number => {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a number, got "${value}"`);
  return v;
};
const numberList = (name: string) => (value: string): number[] => value.split(',').map((v) => number(name)(v));
const onOff = (value: string): boolean => {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError(`expected "on" or "off", got "${value}"`);
  return value === 'on';
};

/** A JSON file's contents; a one-line error naming the file when it is missing or not JSON. */
export function readJson(path: string): unknown {
  if (!existsSync(path)) throw new DataFormatError(path, 'config file not found');
  if (statSync(path).isDirectory()) throw new DataFormatError(path, 'a directory, not a config file');
  try {
    return JSON.parse(new TextDecoder().decode(readBytes(path)));
  } catch (err) {
    throw new DataFormatError(path, `not valid JSON (${(err as Error).message})`);
  }
}

/** The flags every run shares, by their key in commander's result. */
interface CommonFlags {
  task?: string;
  model?: string;
  epochs?: number;
  data?: string;
  split?: string;
  trainLimit?: number;
  validationRows?: number;
  testLimit?: number;
  seed?: number;
  batchSize?: number;
  shuffle?: boolean;
  backend?: string;
  kernels?: string;
  config?: string;
  out?: string;
  resume?: boolean;
  overwrite?: boolean;
  initWeights?: string;
  threads?: number;
}

type TrainFlags = CommonFlags & Record<string, unknown>;

const COMMON_KEYS = ['task', 'model', 'epochs', 'data', 'split', 'trainLimit', 'validationRows', 'testLimit', 'seed', 'batchSize', 'shuffle', 'backend', 'kernels', 'initWeights'] as const;

/** Commander's key for a flag: "--spread-fraction <f>" → "spreadFraction". */
const keyOf = (flags: string): string => flags.split(/[ ,]/)[0].replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Every family's options, one entry per flag, with the families that take it. */
function familyOptions(): { option: FamilyOption; families: string[] }[] {
  const byFlag = new Map<string, { option: FamilyOption; families: string[] }>();
  for (const family of Object.values(MODEL_FAMILIES)) {
    for (const option of family.options) {
      const entry = byFlag.get(option.flags);
      if (entry) entry.families.push(family.name);
      else byFlag.set(option.flags, { option, families: [family.name] });
    }
  }
  return [...byFlag.values()];
}

function parserOf(option: FamilyOption): ((value: string) => unknown) | undefined {
  const name = option.flags.split(' ')[0];
  switch (option.parse) {
    case 'integer':
      return integer(name);
    case 'number':
      return number(name);
    case 'numbers':
      return numberList(name);
    case 'on-off':
      return onOff;
    default:
      return undefined;
  }
}

/** Set `value` at `path` inside `target` (copying the objects on the way). */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = { ...((target[head] as Record<string, unknown>) ?? {}) };
  setPath(inner, rest, value);
  target[head] = inner;
}

/** Config file (or, with --resume, the run's own config.json), overlaid by the flags given. */
export function configFromFlags(flags: TrainFlags, outDir: string): RunConfig {
  const storedPath = join(outDir, 'config.json');
  if (flags.resume && !existsSync(storedPath)) throw new ConfigError(`--resume: ${outDir} holds no run (no config.json)`);
  const base = (flags.resume ? readJson(storedPath) : flags.config ? readJson(flags.config) : {}) as Record<string, unknown>;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new ConfigError(`${flags.config}: a run config is a JSON object, found ${base === null ? 'null' : Array.isArray(base) ? 'an array' : typeof base}`);
  }
  const model = flags.model ?? (typeof base.model === 'string' ? base.model : 'snn');
  const family = getFamily(model);
  const run: Record<string, unknown> = { ...base };
  if (flags.resume) for (const other of MODEL_NAMES) if (other !== model) delete run[other]; // selfprop 0.1 stored every family's section
  const section = { ...((base[model] as Record<string, unknown>) ?? {}) };
  for (const { option, families } of familyOptions()) {
    const value = flags[keyOf(option.flags)];
    if (value === undefined) continue;
    const flag = option.flags.split(' ')[0];
    if (!families.includes(model)) {
      const owners = families.map((f) => `${getFamily(f).title} (--model ${f})`).join(' and ');
      throw new ConfigError(`${flag} applies to ${owners}, not to --model ${model}${option.elsewhere ? `; ${option.elsewhere}` : ''}`);
    }
    const own = family.options.find((o) => o.flags === option.flags) as FamilyOption;
    setPath(section, own.path, value);
  }
  run[model] = section;
  for (const key of COMMON_KEYS) if (flags[key] !== undefined) run[key] = flags[key];
  const source = flags.resume ? storedPath : flags.config ?? 'command line';
  return resolveRunConfig(run, source, { stored: flags.resume });
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

function epochLine(config: RunConfig, m: EpochMetrics, evalName: string): string {
  const epochs = config.epochs;
  return [
    `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`,
    `train ${pct(m.trainAccuracy)}`,
    ...(typeof m.validationAccuracy === 'number' ? [`validation ${pct(m.validationAccuracy)}`] : []),
    `${evalName} ${pct(m.testAccuracy)}`,
    ...getTask(config.task).epochParts(m, evalName),
    ...getFamily(config.model).epochParts(m),
    `${m.macs.toExponential(3)} MACs`,
    `§4 ops/sample ${m.paperOpsPerSample}`,
    `${m.seconds.toFixed(1)} s`,
  ].join(' | ');
}

/** runs/<task>-<model>-<variant>[-seed<S>], with -2, -3 … when that already holds a run. */
function defaultOutDir(config: RunConfig, flags: TrainFlags): string {
  const variant = getFamily(config.model).runName(familyConfig(config));
  const base = join('runs', `${config.task}-${config.model}-${variant}${config.seed === 1 ? '' : `-seed${config.seed}`}`);
  if (flags.resume || flags.overwrite) return base;
  const taken = (dir: string) => existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'metrics.jsonl'));
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

export const EXIT_CODES_HELP = `
Exit codes: 0 done; 1 a data file is missing, truncated or corrupt, or a download failed; 2 an invalid
flag, config value or request (e.g. --out holds a run and neither --resume nor --overwrite was given);
3 training diverged (NaN/Inf; the last good checkpoint is kept); 4 the run directory is in use by
another process; 70 an internal error (a bug: please report it, with SELFPROP_DEBUG=1 output).`;

export function registerTrainCommands(program: Command): void {
  const train = program
    .command('train')
    .description('train a model on a task; writes OUT/config.json, OUT/checkpoint.safetensors, OUT/metrics.jsonl, the weights and figures')
    .addOption(new Option('--task <name>', 'task').choices([...TASK_NAMES]))
    .addOption(new Option('--model <name>', 'model family: snn = §1 spiking network, smlp = §3 spiking MLP (pBP + SBP), ann = §2 energy-based ANN').choices([...MODEL_NAMES]))
    .option('--epochs <n>', 'epochs to train (default 20)', integer('--epochs'))
    .option('--data <dir>', 'dataset directory (MNIST: the four IDX files, gzipped or not; NETtalk: nettalk.data + nettalk.list; DVS Gesture: the recordings); default: the embedded MNIST default')
    .addOption(new Option('--split <kind>', "NETtalk: the paper's window split or the full corpus split by word").choices(['paper', 'full']))
    .option('--train-limit <n>', 'use only the first N training rows', integer('--train-limit'))
    .option('--test-limit <n>', 'use only the first N held-out rows', integer('--test-limit'))
    .option('--validation-rows <n>', "hold out the last N training rows, evaluated every epoch (default: energy ANN on MNIST the last sixth, the paper's 10,000; else 0)", integer('--validation-rows'))
    .option('--seed <n>', 'random seed (weights, shuffling, spike encoding, noise)', integer('--seed'))
    .option('--batch-size <n>', 'rows per batch (default, as the paper: SNN MNIST 50, NETtalk 1, DVS Gesture 50; spiking MLP MNIST 100, NETtalk 5; energy ANN MNIST 20, NETtalk 1)', integer('--batch-size'))
    .option('--shuffle', 'shuffle the training rows every epoch (the paper does not, §1.6)')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .addOption(new Option('--kernels <impl>', 'hot loops: the WebAssembly kernels where they apply (default), or the JS reference everywhere').choices([...KERNEL_SETTINGS]))
    .option('--config <file>', 'JSON config file (the fields of OUT/config.json); flags override it')
    .option('--out <dir>', 'output directory (default runs/<task>-<model>-<variant>, with -2, -3 … when taken)')
    .option('--resume', "continue the run in --out from its checkpoint (its own config; only --epochs may change)")
    .option('--overwrite', 'replace the run in --out (without it, a directory holding a run is refused)')
    .option('--init-weights <path>', 'initial weights: a weights JSON file or a directory of W1.npy … (and b2.npy …)')
    .option('--threads <n>', "threads for one run (default 1): the snn model's LIF phase runs as row slices of each batch on n threads, the same bits as on one (batch 1 gains nothing)", integer('--threads'));
  for (const { option, families } of familyOptions()) {
    const only = families.length === Object.keys(MODEL_FAMILIES).length ? '' : `[${families.join(', ')}] `;
    const o = new Option(option.flags, `${only}${option.description}`);
    if (option.choices) o.choices([...option.choices]);
    const parse = parserOf(option);
    if (parse) o.argParser(parse);
    train.addOption(o);
  }
  train.addHelpText('after', EXIT_CODES_HELP);
  train.action(async (flags: TrainFlags) => {
    // Everything the flags say is checked before the data is read or anything is written.
    if (flags.resume && !flags.out) throw new ConfigError('--resume needs --out: the run directory to continue');
    const config = configFromFlags(flags, flags.out ?? '');
    checkNetworkFitsTask(config, flags.config ?? 'command line');
    const threads = flags.threads ?? 1;
    if (threads < 1) throw new ConfigError(`--threads ${threads}: at least 1`);
    if (threads > 1 && config.model !== 'snn') throw new ConfigError(`--threads ${threads}: only the snn model has threaded loops (the ${config.model} model runs on one thread)`);
    const outDir = flags.out ?? defaultOutDir(config, flags);
    const run = prepareRun(config, { out: outDir, resume: flags.resume, overwrite: flags.overwrite });
    try {
      if (run.lock.replaced) console.log(`  note: took over the stale lock of process ${run.lock.replaced.pid} on ${run.lock.replaced.host} (started ${run.lock.replaced.started}), ${run.lock.staleBecause}`);
      const task = getTask(config.task);
      const data = await loadTaskData(config);
      const evalName = data.evalKind === 'test' ? 'test' : 'held-out';
      const family = getFamily(config.model);
      console.log(`selfprop: ${config.model} [${modelLayers(config).join(',')}], ${family.describe(familyConfig(config))}, batch ${config.batchSize}, seed ${config.seed}, backend ${config.backend}`);
      console.log(`  train: ${data.train.description}`);
      console.log(`  ${evalName}: ${data.test.description}`);
      console.log(`  output: ${outDir}`);
      const progress = new EpochProgress();
      let last: EpochMetrics | undefined;
      try {
        const result = await trainPrepared(run, data, {
          onStart: (s) => {
            for (const line of s.model.implementation) console.log(`  loops: ${line}`);
            if (s.validationRows > 0) console.log(`  validation: the last ${s.validationRows} training rows, held out (training on the first ${s.trainRows})`);
            if (s.resumed) console.log(`  resumed after epoch ${s.startEpoch}`);
          },
          onBatch: (info) => progress.update(info),
          onEpoch: (m) => {
            progress.stop();
            last = m;
            console.log(epochLine(config, m, evalName));
          },
        }, threads);
        last = result.history[result.history.length - 1] ?? last;
      } finally {
        progress.stop();
      }
      const { redrawFigures } = await import('../experiments/redraw.js'); // vega loads only here
      const figures = await redrawFigures(outDir);
      if (last) {
        const kind = data.evalKind === 'test' ? `test ${task.primaryName}` : `held-out ${task.primaryName} (NOT a test accuracy: see the data line above)`;
        console.log(`final ${kind}: ${pct(last.testAccuracy)} after ${last.epoch} epochs; peak memory ${(last.peakRssMiB ?? NaN).toFixed(0)} MiB; figures: ${figures.markdownPath}`);
      }
    } finally {
      run.dir.unlock();
    }
  });

  program
    .command('eval')
    .description("evaluate a trained model (a run's checkpoint, or its directory) on its task's held-out rows")
    .requiredOption('--model-file <path>', `a run's ${CHECKPOINT_FILE} (or its directory)`)
    .option('--data <dir>', "dataset directory (default: the run's own)")
    .option('--test-limit <n>', 'use only the first N held-out rows', integer('--test-limit'))
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (flags: { modelFile: string; data?: string; testLimit?: number; backend?: 'wasm' | 'cpu'; json?: boolean }) => {
      const file = checkpointPath(flags.modelFile);
      const ckpt = decodeCheckpoint(readBytes(file, 'checkpoint'), file);
      const config = ckpt.config;
      await useBackend(flags.backend ?? config.backend);
      const task = getTask(config.task);
      const data = await loadTaskData({ ...config, data: flags.data ?? config.data, trainLimit: 1, testLimit: flags.testLimit ?? config.testLimit });
      if (data.test.inputSize !== modelLayers(config)[0]) {
        throw new ConfigError(`the data has ${data.test.inputSize} inputs, the model ${modelLayers(config)[0]}`);
      }
      const { RandomStream } = await import('../tensor/index.js');
      const totals = await runSplit(ckpt.model, task, data.test, {
        split: 'test',
        epochIndex: ckpt.epoch,
        order: identity(data.test.count),
        rng: RandomStream.fromState(ckpt.rngState),
        batchSize: config.batchSize,
      });
      const result = {
        modelFile: file,
        epoch: ckpt.epoch,
        data: data.test.description,
        evalKind: data.evalKind,
        accuracy: totals.score,
        ...totals.extra,
        samples: data.test.count,
        macs: totals.macs,
        seconds: totals.seconds,
      };
      if (flags.json) console.log(JSON.stringify(result));
      else {
        console.log(`${file} (after epoch ${ckpt.epoch}) on ${data.test.description}`);
        console.log(`${data.evalKind === 'test' ? 'test' : 'held-out'} ${task.primaryName} ${pct(totals.score)} | ${result.macs.toExponential(3)} MACs | ${result.seconds.toFixed(1)} s`);
      }
    });
}

/** A checkpoint file, or the checkpoint in a run directory. */
function checkpointPath(path: string): string {
  if (!existsSync(path)) throw new DataFormatError(path, 'checkpoint not found');
  if (!statSync(path).isDirectory()) return path;
  for (const name of [CHECKPOINT_FILE, LEGACY_CHECKPOINT_FILE]) if (existsSync(join(path, name))) return join(path, name);
  throw new DataFormatError(path, `no ${CHECKPOINT_FILE} in this directory`);
}
