/**
 * One cell of a sweep: a training run with a fixed config, kept in its own directory
 * `ROOT/cells/<id>/` (config.json, metrics.jsonl, checkpoint.json, weights, and `outcome.json` once
 * it has finished). A finished cell (outcome.json present: done, or diverged) is never run again; an
 * interrupted one resumes from its checkpoint, bit-identical to an uninterrupted run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskData } from '../data/dataset.js';
import { ConfigError, DivergenceError, SelfpropError } from '../errors.js';
import { loadTaskData } from '../node/datasets/index.js';
import { writeFileAtomic } from '../node/files.js';
import { readMetricsFile, RunLockedError } from '../node/run-directory.js';
import { trainRun } from '../node/train-run.js';
import { differingField, type EpochMetrics, type ProgressInfo } from '../train/loop.js';
import { resolveRunConfig, type RunConfig, type RunConfigInput } from '../train/run-config.js';

export interface Cell {
  /** Unique and safe as a directory name, e.g. "ann-mnist-sbp-on-sleep6-wake1-seed1". */
  readonly id: string;
  /** The run's config, validated by the one run schema when the cell runs. */
  readonly config: RunConfigInput;
  /** What the sweep varies, for tables and figures, e.g. { sbp: 'on', sleep: 6, wake: 1, seed: 1 }. */
  readonly labels: Readonly<Record<string, string | number>>;
}

export interface CellOutcome {
  readonly id: string;
  /** busy: another process (a worker, a shard, an array task) holds the cell's lock and runs it. */
  readonly status: 'done' | 'failed' | 'busy';
  /** One entry per finished epoch (metrics.jsonl). */
  readonly history: EpochMetrics[];
  /** Why a failed cell failed (one line). */
  readonly error?: string;
  /** Wall seconds of the cell's own run (0 when it was already finished). */
  readonly seconds: number;
}

export const cellDir = (root: string, id: string): string => join(root, 'cells', id);
const outcomePath = (root: string, id: string): string => join(cellDir(root, id), 'outcome.json');

/**
 * The stored outcome of `cell` if it has finished with this very config; undefined when it still
 * has to run (not started, interrupted, or asked now for more epochs than it ran: it then resumes
 * from its checkpoint). A directory made with another config is an error, never silently reused.
 */
export function finishedWithConfig(root: string, cell: Cell): CellOutcome | undefined {
  const dir = cellDir(root, cell.id);
  const storedPath = join(dir, 'config.json');
  if (!existsSync(storedPath)) return finishedOutcome(root, cell.id);
  const stored = resolveRunConfig(JSON.parse(readFileSync(storedPath, 'utf8')), storedPath, { stored: true });
  const wanted = resolveRunConfig(cell.config, `cell ${cell.id}`);
  const field = differingField(stored, wanted);
  if (field) throw new ConfigError(`${dir} was run with a different "${field}" than this sweep asks for; use another --out, or remove that cell's directory`);
  const outcome = finishedOutcome(root, cell.id);
  if (outcome?.status === 'done' && outcome.history.length < wanted.epochs) return undefined;
  return outcome;
}

/** The outcome of a finished cell, or undefined when it has not finished. */
export function finishedOutcome(root: string, id: string): CellOutcome | undefined {
  const path = outcomePath(root, id);
  if (!existsSync(path)) return undefined;
  const stored = JSON.parse(readFileSync(path, 'utf8')) as { status: 'done' | 'failed'; error?: string; seconds?: number };
  return { id, status: stored.status, error: stored.error, seconds: stored.seconds ?? 0, history: readMetricsFile(join(cellDir(root, id), 'metrics.jsonl')) };
}

/** Loads each task's data once per process (a worker runs many cells on the same data). */
export class DataCache {
  private readonly entries = new Map<string, Promise<TaskData>>();

  load(config: RunConfig): Promise<TaskData> {
    const key = JSON.stringify([config.task, config.data, config.split, config.trainLimit, config.testLimit]);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = loadTaskData(config);
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/**
 * Run a cell to the end (or return its stored outcome). An error a user or the data can cause
 * (a diverging run, a bad config) makes a failed outcome; anything else propagates.
 */
export async function runCell(cell: Cell, root: string, cache: DataCache, onBatch?: (info: ProgressInfo) => void): Promise<CellOutcome> {
  const finished = finishedWithConfig(root, cell);
  if (finished) return finished;
  const dir = cellDir(root, cell.id);
  const started = performance.now();
  try {
    const config = resolveRunConfig(cell.config, `cell ${cell.id}`);
    const data = await cache.load(config);
    const resume = existsSync(join(dir, 'config.json'));
    const { history } = await trainRun(config, data, { out: dir, resume, hooks: { onBatch } });
    const seconds = (performance.now() - started) / 1000;
    writeFileAtomic(outcomePath(root, cell.id), JSON.stringify({ status: 'done', seconds, labels: cell.labels }) + '\n');
    return { id: cell.id, status: 'done', history, seconds };
  } catch (err) {
    if (!(err instanceof SelfpropError)) throw err;
    const seconds = (performance.now() - started) / 1000;
    if (err instanceof RunLockedError) return { id: cell.id, status: 'busy', error: err.message, seconds, history: [] };
    // A diverging run diverges again: it is finished. Other errors (data, config) are not stored,
    // so the cell runs again once they are fixed.
    if (err instanceof DivergenceError) {
      writeFileAtomic(outcomePath(root, cell.id), JSON.stringify({ status: 'failed', error: err.message, seconds, labels: cell.labels }) + '\n');
    }
    return { id: cell.id, status: 'failed', error: err.message, seconds, history: readMetricsFile(join(dir, 'metrics.jsonl')) };
  }
}
