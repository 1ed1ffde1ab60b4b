/**
 * A run's directory on disk, and how it stays whole through crashes and concurrent starts.
 *
 *   OUT/.lock                  held while a process works in OUT: {"pid", "host", "started"}
 *   OUT/config.json            the resolved run config (written once, at the start)
 *   OUT/checkpoint.safetensors everything needed to continue, and the metrics of every finished
 *                              epoch: the one record of progress (train/checkpoint.ts)
 *   OUT/metrics.jsonl          one JSON object per finished epoch  ┐ derived from the checkpoint,
 *   OUT/weights.json, weights/ the parameters after the last epoch ┘ rewritten at every epoch end
 *   OUT/figures/               drawn at the end (selfprop/plot)
 *
 * Every file is replaced atomically (files.ts). At an epoch's end the checkpoint is written first,
 * then the files derived from it, so a crash at any point leaves a checkpoint of epoch e or e − 1
 * and derived files of the same epoch or the one before; a resumed run first rewrites the derived
 * files from its checkpoint, so no epoch is ever lost or logged twice, and temporary files a crash
 * left behind are removed under the lock. The lock is created atomically (a hard link of a complete
 * file), so two processes can never both hold it; a lock whose process is gone (same host, dead
 * PID) is reported and taken over. A lock from another host cannot be checked that way (a node of
 * a cluster that died with its job): its holder refreshes the file's modification time at least
 * every LOCK_HEARTBEAT_MS while it trains (`heartbeat`, after every batch), and a lock of another
 * host not refreshed for STALE_LOCK_MS is taken over too.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataFormatError, SelfpropError } from '../errors.js';
import type { Model } from '../models/model.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointSummary, type Checkpoint, type CheckpointContents } from '../train/checkpoint.js';
import type { EpochMetrics } from '../train/loop.js';
import { readBytes, removeTemporaryFiles, writeFileAtomic } from './files.js';
import { saveWeightsJson, saveWeightsNpy } from './weights-files.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** selfprop 0.1 wrote its checkpoints (format version 3) here. */
export const LEGACY_CHECKPOINT_FILE = 'checkpoint.json';
const LOCK_FILE = '.lock';
/** A lock holder refreshes its lock file's modification time this often (at most). */
export const LOCK_HEARTBEAT_MS = 60_000;
/** A lock of another host whose file was not refreshed for this long is stale (ten missed heartbeats). */
export const STALE_LOCK_MS = 10 * LOCK_HEARTBEAT_MS;
/** The files and folders that make a run; --overwrite removes exactly these. */
const RUN_ENTRIES = ['config.json', CHECKPOINT_FILE, LEGACY_CHECKPOINT_FILE, 'metrics.jsonl', 'weights.json', 'weights', 'figures', 'outcome.json'];

/** The directory is in use by another live process (exit code 4). */
export class RunLockedError extends SelfpropError {
  override readonly exitCode = 4;
}

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** True when a process with this PID exists on this host. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Set<string>();
let exitHookInstalled = false;

/** Release every lock this process holds (on exit, and on SIGINT / SIGTERM). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of held) releaseLockFile(path);
  });
}

/** Remove the lock file at `path` if this very process (PID and host) holds it. */
export function releaseLockFile(path: string): void {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (info.pid === process.pid && info.host === hostname()) unlinkSync(path);
  } catch {
    // gone already
  }
  held.delete(path);
}

export interface LockResult {
  /** The stale lock that was taken over, if any. */
  readonly replaced?: LockInfo;
  /** Why it was stale: its process is gone (this host), or its heartbeat stopped (another host). */
  readonly staleBecause?: string;
}

/** A directory holding (or about to hold) one run. */
export class RunDirectory {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Create the directory if needed and take its lock; a RunLockedError when a live process holds it.
   * A ConfigError when the path is a file or cannot be written.
   */
  lock(): LockResult {
    if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) throw new ConfigError(`--out ${this.dir} is a file, not a directory`);
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw new ConfigError(`cannot create the output directory ${this.dir} (${(err as Error).message})`);
    }
    const lockPath = this.path(LOCK_FILE);
    const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const draft = `${lockPath}.draft-${process.pid}`; // not a temporary-file name: another process's cleanup leaves it alone
    try {
      writeFileSync(draft, JSON.stringify(info) + '\n');
    } catch (err) {
      throw new ConfigError(`cannot write in the output directory ${this.dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let replaced: LockInfo | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(draft, lockPath); // atomic: fails when a lock exists
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          if (attempt > 20) throw new RunLockedError(`${this.dir}: its lock keeps changing hands (${lockPath}); try again`);
        }
        const other = this.readLock();
        if (!other) {
          throw new RunLockedError(`${this.dir} has a lock file that is not selfprop's (${lockPath}); remove it if no process works in this directory`);
        }
        if (other.host === info.host && other.pid === process.pid && held.has(lockPath)) {
          throw new RunLockedError(`${this.dir} is already in use by this process (another run or cell in it)`);
        }
        const alive = other.host === info.host ? pidAlive(other.pid) : !this.lockSilentFor(STALE_LOCK_MS);
        if (alive) {
          throw new RunLockedError(
            `${this.dir} is in use by process ${other.pid} on ${other.host} since ${other.started} (${lockPath}); wait for it, or remove that file if the process is gone`,
          );
        }
        // Stale: its process is gone (or, on another host, silent for STALE_LOCK_MS). Take it over under a second, short-lived lock, so that two
        // processes that both found it stale cannot both remove a lock.
        if (this.takeOver(lockPath, draft, other)) replaced = other;
      }
    } finally {
      rmSync(draft, { force: true });
    }
    held.add(lockPath);
    installExitHook();
    removeTemporaryFiles(this.dir);
    removeTemporaryFiles(this.path('weights'));
    removeTemporaryFiles(this.path('figures'));
    if (!replaced) return {};
    const staleBecause = replaced.host === info.host ? 'which is gone' : `whose heartbeat stopped over ${STALE_LOCK_MS / 60_000} minutes ago`;
    return { replaced, staleBecause };
  }

  /** Remove the stale lock `stale` if it is still there; false when another process is taking it over. */
  private takeOver(lockPath: string, draft: string, stale: LockInfo): boolean {
    const guard = `${lockPath}.takeover`;
    try {
      linkSync(draft, guard);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A taker that died within these few lines leaves its guard: old guards are removed.
      if (Date.now() - statSync(guard).mtimeMs > 30_000) rmSync(guard, { force: true });
      return false;
    }
    try {
      const now = this.readLock();
      if (!now || now.pid !== stale.pid || now.host !== stale.host || now.started !== stale.started) return false;
      unlinkSync(lockPath);
      return true;
    } finally {
      rmSync(guard, { force: true });
    }
  }

  /** The lock file's path. */
  lockFile(): string {
    return this.path(LOCK_FILE);
  }

  unlock(): void {
    releaseLockFile(this.lockFile());
  }

  private lastBeat = Date.now();

  /** Refresh the lock file's modification time if LOCK_HEARTBEAT_MS have passed (a holder calls it often). */
  heartbeat(now = Date.now()): void {
    if (now - this.lastBeat < LOCK_HEARTBEAT_MS) return;
    this.lastBeat = now;
    const lockPath = this.path(LOCK_FILE);
    if (!held.has(lockPath)) return;
    try {
      utimesSync(lockPath, now / 1000, now / 1000);
    } catch {
      // the lock file went away (removed by hand): training goes on; the next lock() sees the directory free
    }
  }

  /** The lock file was not modified for `ms` (by the file system's clock, as its holder's heartbeat sets it). */
  private lockSilentFor(ms: number): boolean {
    try {
      return Date.now() - statSync(this.path(LOCK_FILE)).mtimeMs > ms;
    } catch {
      return false;
    }
  }

  private readLock(): LockInfo | undefined {
    try {
      const info = JSON.parse(readFileSync(this.path(LOCK_FILE), 'utf8')) as LockInfo;
      return Number.isInteger(info.pid) && typeof info.host === 'string' ? info : undefined;
    } catch {
      return undefined;
    }
  }

  /** True when the directory holds (part of) a run. */
  hasRun(): boolean {
    return RUN_ENTRIES.some((name) => existsSync(this.path(name)));
  }

  hasCheckpoint(): boolean {
    return existsSync(this.path(CHECKPOINT_FILE)) || existsSync(this.path(LEGACY_CHECKPOINT_FILE));
  }

  /** Remove the run's files (--overwrite): exactly the entries a run writes, nothing else. */
  removeRun(): void {
    for (const name of RUN_ENTRIES) rmSync(this.path(name), { recursive: true, force: true });
  }

  /** The stored config, as written (undefined when there is none). */
  readStoredConfig(): unknown {
    const path = this.path('config.json');
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new DataFormatError(path, `not valid JSON (${(err as Error).message})`);
    }
  }

  writeConfig(config: unknown): void {
    writeFileAtomic(this.path('config.json'), JSON.stringify(config, null, 2) + '\n');
  }

  /** The run's checkpoint, decoded (the current format, else selfprop 0.1's checkpoint.json). */
  readCheckpoint(expectedRows?: Checkpoint['rows']): Checkpoint {
    const current = this.path(CHECKPOINT_FILE);
    const path = existsSync(current) ? current : this.path(LEGACY_CHECKPOINT_FILE);
    const ckpt = decodeCheckpoint(readBytes(path, 'checkpoint'), path, expectedRows);
    if (ckpt.history.length === ckpt.epoch) return ckpt;
    // A version-3 checkpoint keeps no history: take it from the log, up to the checkpoint's epoch.
    const history = readMetricsFile(this.path('metrics.jsonl')).filter((m) => m.epoch <= ckpt.epoch);
    if (history.length !== ckpt.epoch) throw new DataFormatError(this.path('metrics.jsonl'), `holds ${history.length} of the ${ckpt.epoch} epochs of ${path}`);
    return { ...ckpt, history };
  }

  /**
   * The end of an epoch: the checkpoint (the commit point), then the metrics log and the weights
   * derived from it.
   */
  commitEpoch(contents: CheckpointContents): void {
    writeFileAtomic(this.path(CHECKPOINT_FILE), encodeCheckpoint(contents));
    rmSync(this.path(LEGACY_CHECKPOINT_FILE), { force: true });
    this.writeDerived(contents.history, contents.model);
  }

  /** metrics.jsonl and the weights files from the checkpoint's history and model. */
  writeDerived(history: readonly EpochMetrics[], model: Model): void {
    writeFileAtomic(this.path('metrics.jsonl'), history.map((m) => JSON.stringify(m) + '\n').join(''));
    saveWeightsJson(this.path('weights.json'), model.layers, model.parameters);
    saveWeightsNpy(this.path('weights'), model.parameters);
  }
}

/** The epochs of a metrics.jsonl (empty when there is none). */
export function readMetricsFile(path: string): EpochMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as EpochMetrics;
      } catch (err) {
        throw new DataFormatError(path, `line ${i + 1} is not JSON (${(err as Error).message})`);
      }
    });
}

/**
 * The finished epochs of the run in `dir`: from its checkpoint's header when there is one (the
 * record of progress; only the file's first bytes are read), else from metrics.jsonl.
 */
export async function readRunHistory(dir: string): Promise<EpochMetrics[]> {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return readMetricsFile(join(dir, 'metrics.jsonl'));
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = new Uint8Array(8);
    await handle.read(length, 0, 8, 0);
    const headerBytes = Number(new DataView(length.buffer).getBigUint64(0, true));
    const head = new Uint8Array(Math.min(size, 8 + Math.min(headerBytes, 100_000_000)));
    await handle.read(head, 0, head.length, 0);
    return readCheckpointSummary(head, path, size).history;
  } finally {
    await handle.close();
  }
}
