/**
 * Training into a run directory (run-directory.ts): the core loop (train/loop.ts) with its
 * checkpoints, logs and weights on disk. `prepareRun` takes the directory's lock and decides, before
 * any data is loaded, whether this is a new run, a continued one or a replacement; `trainPrepared`
 * then trains; `trainRun` does both.
 */
import { join } from 'node:path';
import type { TaskData } from '../data/dataset.js';
import { ConfigError, DivergenceError } from '../errors.js';
import { canonicalJson, differingField, rowsOf, runData, train, type TrainingHooks, type TrainingResult } from '../train/loop.js';
import { modelLayers, resolveRunConfig, type RunConfig } from '../train/run-config.js';
import { readMetricsFile, RunDirectory, type LockResult } from './run-directory.js';
import { lifThreads } from './threads/worker-threads.js';
import { loadWeights } from './weights-files.js';

export interface RunOptions {
  /** The run directory. */
  readonly out: string;
  /** Continue the run in `out` (from its checkpoint; with only its config, from the start). */
  readonly resume?: boolean;
  /** Replace the run in `out`. Without it (or `resume`), a directory holding a run is refused. */
  readonly overwrite?: boolean;
  readonly hooks?: TrainingHooks;
  /** Threads for the run (default 1; see trainPrepared). */
  readonly threads?: number;
}

export interface PreparedRun {
  readonly dir: RunDirectory;
  readonly config: RunConfig;
  readonly lock: LockResult;
  /** A checkpoint is there to continue from. */
  readonly resuming: boolean;
}

/**
 * Lock `out` and check it against the request: refuse to overwrite a run unless asked, refuse to
 * resume with another config than the run's own (only `epochs` may change). Writes config.json.
 */
export function prepareRun(config: RunConfig, options: Pick<RunOptions, 'out' | 'resume' | 'overwrite'>): PreparedRun {
  if (options.resume && options.overwrite) throw new ConfigError('--resume and --overwrite contradict each other: continue the run, or replace it');
  const dir = new RunDirectory(options.out);
  const lock = dir.lock();
  try {
    if (options.resume) {
      const stored = dir.readStoredConfig();
      if (stored === undefined) throw new ConfigError(`--resume: ${options.out} holds no run (no config.json)`);
      const source = join(options.out, 'config.json');
      const own = resolveRunConfig(stored, source, { stored: true });
      const field = differingField(own, config);
      if (field) {
        const given = canonicalJson((config as unknown as Record<string, unknown>)[field]);
        const theirs = canonicalJson((own as unknown as Record<string, unknown>)[field]);
        throw new ConfigError(`--resume: "${field}" ${given} contradicts the run's ${theirs} (${source}); a resumed run keeps its own config (only epochs may change)`);
      }
    } else if (dir.hasRun() && !options.overwrite) {
      const done = readMetricsFile(dir.path('metrics.jsonl')).length;
      throw new ConfigError(`${options.out} holds a run (${done} epoch${done === 1 ? '' : 's'} logged); --resume continues it, --overwrite replaces it`);
    }
    if (options.overwrite) dir.removeRun();
    dir.writeConfig(config);
    return { dir, config, lock, resuming: Boolean(options.resume) && dir.hasCheckpoint() };
  } catch (err) {
    dir.unlock();
    throw err;
  }
}

/**
 * Train a prepared run on `loaded` (the lock stays held; the caller unlocks). With `threads` > 1 the
 * model's threaded loops (the SNN's LIF phase) also run on threads − 1 helper threads, made for the
 * run and ended with it; the results are the same bits as on one thread.
 */
export async function trainPrepared(run: PreparedRun, loaded: TaskData, hooks: TrainingHooks = {}, threads = 1): Promise<TrainingResult> {
  const { dir, config } = run;
  const rows = rowsOf(runData(config, loaded)); // what train() will use: the validation rows held out
  const resumeFrom = run.resuming ? dir.readCheckpoint(rows) : undefined;
  if (resumeFrom) dir.writeDerived(resumeFrom.history, resumeFrom.model); // the log and weights of the checkpoint's epoch
  const initial = !resumeFrom && config.initWeights ? loadWeights(config.initWeights, modelLayers(config)) : undefined;
  const helpers = threads > 1 ? await lifThreads(threads) : undefined;
  try {
    const result = await train(config, loaded, {
      hooks: {
        ...hooks,
        onBatch: (info) => {
          dir.heartbeat(); // keeps the lock fresh for processes on other hosts (run-directory.ts)
          return hooks.onBatch?.(info);
        },
      },
      initial,
      resumeFrom,
      threads: helpers,
      memoryMiB: () => process.resourceUsage().maxRSS / 1024,
      onEpochEnd: ({ epoch, model, rng, history }) => dir.commitEpoch({ epoch, config, model, rngState: rng.state(), history, rows }),
    });
    return result;
  } catch (err) {
    if (err instanceof DivergenceError && dir.hasCheckpoint()) {
      throw new DivergenceError(`${err.message}; the last good checkpoint (${dir.path('checkpoint.safetensors')}) is intact`);
    }
    throw err;
  } finally {
    await helpers?.close();
  }
}

/** Train `config` on `data` into the run directory `options.out`. */
export async function trainRun(config: RunConfig, data: TaskData, options: RunOptions): Promise<TrainingResult> {
  const run = prepareRun(config, options);
  try {
    return await trainPrepared(run, data, options.hooks, options.threads);
  } finally {
    run.dir.unlock();
  }
}
