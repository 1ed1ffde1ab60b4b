/**
 * Run the cells of a sweep in parallel, one worker thread per core, each worker running its cells
 * one after another with its own single-threaded TF.js engine (so results equal a serial run's).
 *
 * - Resumable: a finished cell is never run again; an interrupted one resumes from its checkpoint.
 * - Shardable: `shard: { index, count }` takes every count-th cell (in id order) starting at
 *   index − 1, so a job-array scheduler can spread one sweep over machines sharing ROOT (the
 *   shards are disjoint by construction; a cell's lock covers overlaps, e.g. a requeued task while
 *   another still runs: the second process finds the cell busy and skips it; see docs/cluster.md).
 * - ROOT/sweep.json lists every cell of the sweep (all shards), so a report can be redrawn later.
 *
 * When the compiled worker script is not there (the library running from its TypeScript sources,
 * as in the tests), cells run in this thread, one after another.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../node/files.js';
import { releaseLockFile, RunDirectory } from '../node/run-directory.js';
import type { ProgressInfo } from '../train/loop.js';
import { cellDir, DataCache, finishedWithConfig, runCell, type Cell, type CellOutcome } from './cell.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export interface SweepEvents {
  /** A cell started (or resumed). */
  onCellStart?(cell: Cell): void;
  onBatch?(cell: Cell, info: ProgressInfo): void;
  onCellEnd?(cell: Cell, outcome: CellOutcome): void;
}

export interface SweepOptions {
  /** Worker threads (default: the cores available, at most the cells to run). */
  readonly parallel?: number;
  readonly shard?: Shard;
  /** "threads" (default when the compiled worker exists) or "inline" (this thread, serial). */
  readonly executor?: 'threads' | 'inline';
  readonly events?: SweepEvents;
}

export interface SweepManifest {
  readonly name: string;
  readonly cells: Cell[];
}

/** Parse "i/n" (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new ConfigError(`--shard: expected i/n with 1 ≤ i ≤ n, or auto, got "${text}"`);
  return { index, count };
}

/** The cells of one shard, in id order. */
export function shardCells(cells: readonly Cell[], shard?: Shard): Cell[] {
  const sorted = [...cells].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index - 1) : sorted;
}

export function readManifest(root: string): SweepManifest {
  const path = join(root, 'sweep.json');
  if (!existsSync(path)) throw new ConfigError(`${root}: no sweep.json (not a selfprop grid, curve or reproduce directory)`);
  return JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
}

/** The outcomes of every cell of ROOT's sweep that has finished (any shard). */
export function finishedOutcomes(root: string): Map<string, CellOutcome> {
  const outcomes = new Map<string, CellOutcome>();
  for (const cell of readManifest(root).cells) {
    const o = finishedWithConfig(root, cell); // a cell still running towards more epochs is not finished
    if (o) outcomes.set(cell.id, o);
  }
  return outcomes;
}

const workerScript = fileURLToPath(new URL('./cell-worker.js', import.meta.url));

/** Run the sweep `name` (its cells) in ROOT; resolves with the outcome of every cell of the shard. */
export async function runSweep(name: string, cells: readonly Cell[], root: string, options: SweepOptions = {}): Promise<Map<string, CellOutcome>> {
  const ids = new Set<string>();
  for (const c of cells) {
    if (ids.has(c.id)) throw new ConfigError(`sweep ${name}: two cells have the id "${c.id}"`);
    ids.add(c.id);
  }
  writeManifest(root, name, cells);
  const mine = shardCells(cells, options.shard);
  const outcomes = new Map<string, CellOutcome>();
  const pending: Cell[] = [];
  for (const cell of mine) {
    const done = finishedWithConfig(root, cell);
    if (done) outcomes.set(cell.id, done);
    else pending.push(cell);
  }
  const executor = options.executor ?? (existsSync(workerScript) ? 'threads' : 'inline');
  const events = options.events ?? {};
  if (executor === 'inline' || pending.length === 0) {
    const cache = new DataCache();
    for (const cell of pending) {
      events.onCellStart?.(cell);
      const outcome = await runCell(cell, root, cache, (info) => events.onBatch?.(cell, info));
      outcomes.set(cell.id, outcome);
      events.onCellEnd?.(cell, outcome);
    }
    return outcomes;
  }
  const parallel = Math.max(1, Math.min(options.parallel ?? availableParallelism(), pending.length));
  await Promise.all(Array.from({ length: parallel }, () => workLoop(pending, root, events, outcomes)));
  return outcomes;
}

/** Merge this sweep's cells into ROOT/sweep.json (other shards may have written theirs). */
function writeManifest(root: string, name: string, cells: readonly Cell[]): void {
  const path = join(root, 'sweep.json');
  const known = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SweepManifest).cells : [];
  const byId = new Map(known.map((c) => [c.id, c]));
  for (const c of cells) byId.set(c.id, c);
  writeSharedFile(path, JSON.stringify({ name, cells: [...byId.values()] }, null, 1) + '\n');
}

/**
 * Replace a file of ROOT that the shards of one sweep, on several hosts, may write at the same
 * moment (writeFileAtomic's temporary names are unique across hosts); nothing is written when PATH
 * already holds `contents`.
 */
export function writeSharedFile(path: string, contents: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === contents) return;
  writeFileAtomic(path, contents);
}

type WorkerMessage =
  | { type: 'batch'; id: string; info: ProgressInfo }
  | { type: 'outcome'; id: string; outcome: CellOutcome }
  | { type: 'error'; id: string; message: string };

/**
 * The lock files of the cells this process's worker threads are running. A worker releases its
 * locks itself when it exits, but not when the process exits under it (a scheduler's SIGTERM at a
 * time limit: main.ts exits at once); then this thread removes them, so that the cells can resume
 * anywhere at once — another host can take a lock over only once its heartbeat is 10 minutes
 * old (run-directory.ts). Only a lock of this very process (PID and host) is removed.
 */
const inFlight = new Set<string>();
let exitHookInstalled = false;

function trackLock(root: string, id: string): string {
  const path = new RunDirectory(cellDir(root, id)).lockFile();
  inFlight.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const lock of inFlight) releaseLockFile(lock);
    });
  }
  return path;
}

/** One worker thread taking cells from the shared queue until it is empty. */
async function workLoop(queue: Cell[], root: string, events: SweepEvents, outcomes: Map<string, CellOutcome>): Promise<void> {
  let worker: Worker | undefined;
  try {
    for (let cell = queue.shift(); cell; cell = queue.shift()) {
      worker ??= new Worker(workerScript);
      events.onCellStart?.(cell);
      const lock = trackLock(root, cell.id);
      const outcome = await runInWorker(worker, cell, root, events).catch((err: Error) => {
        worker?.terminate();
        worker = undefined;
        return { id: cell!.id, status: 'failed', error: err.message, seconds: 0, history: [] } satisfies CellOutcome;
      });
      inFlight.delete(lock);
      outcomes.set(cell.id, outcome);
      events.onCellEnd?.(cell, outcome);
    }
  } finally {
    await worker?.terminate();
  }
}

function runInWorker(worker: Worker, cell: Cell, root: string, events: SweepEvents): Promise<CellOutcome> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: WorkerMessage) => {
      if (m.id !== cell.id) return;
      if (m.type === 'batch') events.onBatch?.(cell, m.info);
      else if (m.type === 'outcome') (cleanup(), resolve(m.outcome));
      else (cleanup(), reject(new Error(`cell ${cell.id}: ${m.message}`)));
    };
    const onError = (err: Error) => (cleanup(), reject(new Error(`cell ${cell.id}: worker failed: ${err.message}`)));
    const onExit = (code: number) => (cleanup(), reject(new Error(`cell ${cell.id}: worker exited with code ${code}`)));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ cell, root });
  });
}
