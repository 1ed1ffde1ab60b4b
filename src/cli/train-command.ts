/** `selfprop train` and `selfprop eval`: parse, validate through the one schema, call the library. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataFormatError } from '../errors.js';
import { SBP_ENERGIES } from '../models/energy/config.js';
import { SNN_RULES } from '../models/snn/config.js';
import { getTask, TASK_NAMES } from '../tasks/registry.js';
import { BACKENDS, macCounter, RandomStream, useBackend } from '../tensor/index.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { MODEL_NAMES, modelLayers, resolveRunConfig, type RunConfig } from '../train/run-config.js';
import { train, type EpochMetrics } from '../train/trainer.js';
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
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataFormatError(path, `not valid JSON (${(err as Error).message})`);
  }
}

interface TrainFlags {
  task?: string;
  model?: string;
  rule?: string;
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
  config?: string;
  out?: string;
  resume?: boolean;
  initWeights?: string;
  layers?: number[];
  learningRates?: number[];
  feedforward?: boolean;
  drive?: string;
  resetEachBatch?: boolean;
  spreadFraction?: number;
  sbpFraction?: number;
  lr?: number;
  noise?: string;
  stp?: boolean;
  dale?: boolean;
  sbp?: boolean;
  sbpEnergy?: string;
  sleep?: number;
  wake?: number;
  theta?: number;
  beta?: number;
  epsilon?: number;
}

/** Flags of one model family only, with the family they belong to. */
const SNN_ONLY = { rule: '--rule', feedforward: '--feedforward', drive: '--drive', resetEachBatch: '--reset-each-batch', spreadFraction: '--spread-fraction', noise: '--noise', stp: '--stp', dale: '--dale' } as const;
const SMLP_ONLY = { sbpFraction: '--sbp-fraction', lr: '--lr' } as const;
const ANN_ONLY = { sbp: '--sbp', sbpEnergy: '--sbp-energy', sleep: '--sleep', wake: '--wake', theta: '--theta', beta: '--beta', epsilon: '--epsilon' } as const;
const FAMILY = { snn: 'the spiking network (--model snn)', smlp: 'the spiking MLP (--model smlp)', ann: 'the energy ANN (--model ann)' } as const;

function rejectFlags(flags: TrainFlags, only: Readonly<Record<string, string>>, family: keyof typeof FAMILY, model: string): void {
  for (const [key, flag] of Object.entries(only)) {
    if (flags[key as keyof TrainFlags] !== undefined) throw new ConfigError(`${flag} applies to ${FAMILY[family]}, not to --model ${model}`);
  }
}

/** Config file (or, with --resume, the run's own config.json), overlaid by the flags given. */
export function configFromFlags(flags: TrainFlags, outDir: string): RunConfig {
  const base = (flags.resume ? readJson(join(outDir, 'config.json')) : flags.config ? readJson(flags.config) : {}) as Record<string, unknown>;
  if (flags.resume) return resolveRunConfig({ ...base, ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}) }, join(outDir, 'config.json'));
  const snn = { ...((base.snn as Record<string, unknown>) ?? {}) };
  const smlp = { ...((base.smlp as Record<string, unknown>) ?? {}) };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  const ann = { ...((base.ann as Record<string, unknown>) ?? {}) };
  const model = flags.model ?? (typeof base.model === 'string' ? base.model : 'snn');
  if (model === 'smlp') {
    rejectFlags(flags, SNN_ONLY, 'snn', model);
    rejectFlags(flags, ANN_ONLY, 'ann', model);
    if (flags.learningRates !== undefined) throw new ConfigError('--learning-rates applies to the spiking network and the energy ANN, not to --model smlp (it takes --lr)');
    set(smlp, 'layers', flags.layers);
  } else if (model === 'ann') {
    rejectFlags(flags, SNN_ONLY, 'snn', model);
    rejectFlags(flags, SMLP_ONLY, 'smlp', model);
    set(ann, 'layers', flags.layers);
    set(ann, 'learningRates', flags.learningRates);
    set(ann, 'sbp', flags.sbp);
    set(ann, 'sbpEnergy', flags.sbpEnergy);
    set(ann, 'sleepIterations', flags.sleep);
    set(ann, 'wakeIterations', flags.wake);
    set(ann, 'theta', flags.theta);
    set(ann, 'beta', flags.beta);
    set(ann, 'epsilon', flags.epsilon);
  } else {
    if (flags.sbpFraction !== undefined) throw new ConfigError('--sbp-fraction applies to the spiking MLP (--model smlp); the SNN\'s spread fraction is --spread-fraction');
    if (flags.lr !== undefined) throw new ConfigError('--lr applies to the spiking MLP (--model smlp); the SNN takes --learning-rates');
    rejectFlags(flags, ANN_ONLY, 'ann', model);
    set(snn, 'layers', flags.layers);
    set(snn, 'learningRates', flags.learningRates);
  }
  set(smlp, 'sbpFraction', flags.sbpFraction);
  set(smlp, 'learningRate', flags.lr);
  set(snn, 'rule', flags.rule);
  set(snn, 'feedforward', flags.feedforward);
  set(snn, 'drive', flags.drive);
  set(snn, 'resetEachBatch', flags.resetEachBatch);
  set(snn, 'noise', flags.noise);
  if (flags.spreadFraction !== undefined) snn.sbp = { ...((snn.sbp as object) ?? {}), fraction: flags.spreadFraction };
  if (flags.stp !== undefined) snn.stp = { ...((snn.stp as object) ?? {}), enabled: flags.stp };
  if (flags.dale !== undefined) snn.dale = { ...((snn.dale as object) ?? {}), enabled: flags.dale };
  const run: Record<string, unknown> = { ...base, snn, smlp, ann };
  for (const key of ['task', 'model', 'epochs', 'data', 'split', 'trainLimit', 'validationRows', 'testLimit', 'seed', 'batchSize', 'shuffle', 'backend', 'initWeights'] as const) {
    set(run, key, flags[key]);
  }
  return resolveRunConfig(run, flags.config ?? 'command line');
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

function epochLine(m: EpochMetrics, epochs: number, evalName: string): string {
  const phonemes = typeof m.testPhonemeAccuracy === 'number' ? [`${evalName} phonemes ${pct(m.testPhonemeAccuracy)}`] : [];
  return [
    `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`,
    `train ${pct(m.trainAccuracy)}`,
    ...(typeof m.validationAccuracy === 'number' ? [`validation ${pct(m.validationAccuracy)}`] : []),
    `${evalName} ${pct(m.testAccuracy)}`,
    ...phonemes,
    ...(m.trainEnergy !== undefined ? [`E ${m.trainEnergy.toFixed(3)}`] : []),
    ...(m.trainCost !== undefined ? [`C ${m.trainCost.toFixed(4)}`] : []),
    ...(typeof m.trainHiddenActivity === 'number' ? [`|s_hidden| ${m.trainHiddenActivity.toFixed(3)}`] : []),
    ...(typeof m.trainLoss === 'number' ? [`loss ${m.trainLoss.toFixed(4)}`] : []),
    ...(typeof m.trainBackwardMacs === 'number' ? [`backward ${m.trainBackwardMacs.toExponential(3)} MACs/sample`] : []),
    `${m.macs.toExponential(3)} MACs`,
    `§4 ops/sample ${m.paperOpsPerSample}`,
    `${m.seconds.toFixed(1)} s`,
  ].join(' | ');
}

/** runs/<name>: <task>-<model>-<rule> (SNN), <task>-smlp-p<fraction>, <task>-ann-sbp-on|off. */
export function defaultOutName(flags: TrainFlags): string {
  const task = flags.task ?? 'mnist';
  if (flags.model === 'smlp') return `${task}-smlp-p${flags.sbpFraction ?? 0}`;
  if (flags.model === 'ann') return `${task}-ann-sbp-${flags.sbp === false ? 'off' : 'on'}`;
  return `${task}-${flags.model ?? 'snn'}-${flags.rule ?? 'sbp'}`;
}

function describeRule(config: RunConfig): string {
  if (config.model === 'smlp') return `pBP + SBP in a fraction ${config.smlp.sbpFraction} of batches`;
  if (config.model === 'ann') {
    const a = config.ann;
    const energy = a.sbp ? `SBP energy E_θ (${a.sbpEnergy}, θ ${a.theta})` : 'standard energy (SBP off)';
    return `${energy}, N_s ${a.sleepIterations}, N_w ${a.wakeIterations}, ε ${a.epsilon}, β ±${a.beta}, α [${a.learningRates.join(',')}]`;
  }
  return `rule ${config.snn.rule}`;
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train a model on a task; writes OUT/config.json, OUT/metrics.jsonl, OUT/checkpoint.json and the final weights')
    .addOption(new Option('--task <name>', 'task').choices([...TASK_NAMES]))
    .addOption(new Option('--model <name>', 'model family: snn = §1 spiking network, smlp = §3 spiking MLP (pBP + SBP), ann = §2 energy-based ANN').choices([...MODEL_NAMES]))
    .addOption(new Option('--rule <name>', 'plasticity rule (§1.3)').choices([...SNN_RULES]))
    .option('--epochs <n>', 'epochs to train (default 20)', integer('--epochs'))
    .option('--data <dir>', 'dataset directory (MNIST: the four IDX files, gzipped or not; NETtalk: nettalk.data + nettalk.list; DVS Gesture: the recordings); default: the embedded MNIST default')
    .addOption(new Option('--split <kind>', "NETtalk: the paper's window split or the full corpus split by word").choices(['paper', 'full']))
    .option('--train-limit <n>', 'use only the first N training rows', integer('--train-limit'))
    .option('--test-limit <n>', 'use only the first N held-out rows', integer('--test-limit'))
    .option('--validation-rows <n>', 'hold out the last N training rows, evaluated every epoch (default: energy ANN on MNIST the last sixth, the paper\'s 10,000; else 0)', integer('--validation-rows'))
    .option('--seed <n>', 'random seed (weights, shuffling, spike encoding, noise)', integer('--seed'))
    .option('--batch-size <n>', 'rows per batch (default, as the paper: SNN MNIST 50, NETtalk 1, DVS Gesture 50; spiking MLP MNIST 100, NETtalk 5; energy ANN MNIST 20, NETtalk 1)', integer('--batch-size'))
    .option('--shuffle', 'shuffle the training rows every epoch (the paper does not, §1.6)')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .option('--config <file>', 'JSON config file (same fields as OUT/config.json); flags override it')
    .option('--out <dir>', 'output directory (default runs/<task>-<model>-<rule>)')
    .option('--resume', "continue the run in --out from its checkpoint (uses the run's own config; --epochs may extend it)")
    .option('--init-weights <path>', 'initial weights: a weights JSON file or a directory of W1.npy … (and b2.npy …)')
    .option('--layers <sizes>', 'layer sizes, input first, e.g. 784,500,10 (2 to 6 layers)', numberList('--layers'))
    .option('--learning-rates <rates>', 'SNN and energy ANN: α per weight matrix, e.g. 0.1,0.05', numberList('--learning-rates'))
    .option('--feedforward <on|off>', 'run the LIF feedforward phase (a) (on = paper-exact, §1.6)', onOff)
    .addOption(new Option('--drive <mode>', 'analog (paper-exact) or spike-driven layers (§1.6)').choices(['analog', 'spikes']))
    .option('--reset-each-batch', 'reset V, g and particles at every batch instead of carrying them (§1.6)')
    .option('--sbp-fraction <p>', 'spiking MLP: fraction p of batches whose hidden layers learn by SBP (§3; 0 = pure pBP, 1 = pure SBP)', number('--sbp-fraction'))
    .option('--lr <rate>', 'spiking MLP: Adam learning rate (default 1e-3, ×0.1 at epoch 50)', number('--lr'))
    .option('--spread-fraction <f>', 'SNN: fraction f of the SBP spread (§1.3; 0 = the base change D alone)', number("--spread-fraction"))
    .addOption(new Option('--noise <kind>', 'update noise (§1.4)').choices(['none', 'norm', 'poisson']))
    .option('--stp <on|off>', 'short-term plasticity (§1.4)', onOff)
    .option('--dale <on|off>', "Dale's law (§1.4)", onOff)
    .option('--sbp <on|off>', 'energy ANN: the SBP energy E_θ (on, default) or the standard energy (off) (§2)', onOff)
    .addOption(new Option('--sbp-energy <form>', 'energy ANN: which E_θ with --sbp on: §2 as written (literal, default) or a corrected reading (see src/models/energy/energy.ts)').choices([...SBP_ENERGIES]))
    .option('--sleep <n>', 'energy ANN: free-phase iterations N_s (default 20)', integer('--sleep'))
    .option('--wake <n>', 'energy ANN: nudged-phase iterations N_w (default 4)', integer('--wake'))
    .option('--theta <t>', 'energy ANN: SBP coefficient θ (default 0.5)', number('--theta'))
    .option('--beta <b>', 'energy ANN: nudging strength β₀, its sign drawn per batch (default MNIST 0.2, NETtalk 1)', number('--beta'))
    .option('--epsilon <e>', 'energy ANN: relaxation step ε (default 1)', number('--epsilon'))
    .action(async (flags: TrainFlags) => {
      const outDir = flags.out ?? join('runs', defaultOutName(flags));
      const config = configFromFlags(flags, outDir);
      const task = getTask(config.task);
      const data = await task.load(config.data, { trainLimit: config.trainLimit, testLimit: config.testLimit }, config.split);
      const evalName = data.evalKind === 'test' ? 'test' : 'held-out';
      const layers = modelLayers(config);
      const rule = describeRule(config);
      console.log(`selfprop: ${config.model} [${layers.join(',')}], ${rule}, batch ${config.batchSize}, seed ${config.seed}, backend ${config.backend}`);
      console.log(`  train: ${data.train.description}`);
      console.log(`  ${evalName}: ${data.test.description}`);
      console.log(`  output: ${outDir}`);
      const progress = new EpochProgress();
      let last: EpochMetrics | undefined;
      try {
        const result = await train(config, data, {
          outDir,
          resume: flags.resume,
          hooks: {
            onStart: (s) => {
              if (s.validationRows > 0) console.log(`  validation: the last ${s.validationRows} training rows, held out (training on the first ${s.trainRows})`);
              if (s.resumed) console.log(`  resumed after epoch ${s.startEpoch}`);
            },
            onBatch: (info) => progress.update(info),
            onEpoch: (m) => {
              progress.stop();
              last = m;
              console.log(epochLine(m, config.epochs, evalName));
            },
          },
        });
        last = result.history[result.history.length - 1] ?? last;
      } finally {
        progress.stop();
      }
      if (last) {
        const kind = data.evalKind === 'test' ? `test ${task.primaryName}` : `held-out ${task.primaryName} (NOT a test accuracy: see the data line above)`;
        console.log(`final ${kind}: ${pct(last.testAccuracy)} after ${last.epoch} epochs; peak memory ${last.peakRssMiB.toFixed(0)} MiB`);
      }
    });

  program
    .command('eval')
    .description("evaluate a trained model (a run's checkpoint.json) on its task's held-out rows")
    .requiredOption('--model-file <file>', 'checkpoint.json of a run')
    .option('--data <dir>', "dataset directory (default: the run's own)")
    .option('--test-limit <n>', 'use only the first N held-out rows', integer('--test-limit'))
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKENDS]))
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: { modelFile: string; data?: string; testLimit?: number; backend?: 'wasm' | 'cpu'; json?: boolean }) => {
      const ckpt = loadCheckpoint(flags.modelFile);
      const config = ckpt.config;
      await useBackend(flags.backend ?? config.backend);
      const task = getTask(config.task);
      const data = await task.load(flags.data ?? config.data, { trainLimit: 1, testLimit: flags.testLimit ?? config.testLimit }, config.split);
      if (data.test.inputSize !== modelLayers(config)[0]) {
        throw new ConfigError(`the data has ${data.test.inputSize} inputs, the model ${modelLayers(config)[0]}`);
      }
      const rng = RandomStream.fromState(ckpt.rngState);
      const test = data.test;
      const b = config.batchSize;
      const outputs = new Float32Array(test.count * test.targetSize);
      const macsBefore = macCounter.total;
      const started = performance.now();
      for (let start = 0; start < test.count; start += b) {
        const rows = Math.min(b, test.count - start);
        const x = { rows, cols: test.inputSize, data: test.inputs.subarray(start * test.inputSize, (start + rows) * test.inputSize) };
        const y = { rows, cols: test.targetSize, data: test.targets.subarray(start * test.targetSize, (start + rows) * test.targetSize) };
        const rowsOf = Int32Array.from({ length: rows }, (_, i) => start + i);
        outputs.set(ckpt.model.evaluateBatch(x, y, { rng, epochIndex: ckpt.epoch, rows: rowsOf, split: 'test' }).output.data, start * test.targetSize);
      }
      const rows = Int32Array.from({ length: test.count }, (_, i) => i);
      const scores = task.score(outputs, test, rows);
      const result = {
        modelFile: flags.modelFile,
        epoch: ckpt.epoch,
        data: test.description,
        evalKind: data.evalKind,
        accuracy: scores.primary,
        ...scores.extra,
        samples: test.count,
        macs: macCounter.total - macsBefore,
        seconds: (performance.now() - started) / 1000,
      };
      if (flags.json) console.log(JSON.stringify(result));
      else {
        console.log(`${flags.modelFile} (after epoch ${ckpt.epoch}) on ${test.description}`);
        console.log(`${data.evalKind === 'test' ? 'test' : 'held-out'} ${task.primaryName} ${pct(scores.primary)} | ${result.macs.toExponential(3)} MACs | ${result.seconds.toFixed(1)} s`);
      }
    });
}
