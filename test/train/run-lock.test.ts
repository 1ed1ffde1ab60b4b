/**
 * The run directory's lock across hosts: a lock of another host is live while its holder's
 * heartbeat keeps the file fresh, and stale (taken over) once it is STALE_LOCK_MS old; the holder
 * refreshes it at most every LOCK_HEARTBEAT_MS, and training does so after its batches.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_HEARTBEAT_MS, RunDirectory, RunLockedError, STALE_LOCK_MS } from '../../src/node/run-directory.js';
import { loadEmbeddedMnist } from '../../src/node/datasets/index.js';
import { trainRun } from '../../src/node/train-run.js';
import { resolveRunConfig } from '../../src/train/run-config.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('lock');
const otherHost = { pid: 4242, host: `not-${hostname()}`, started: '2026-01-01T00:00:00.000Z' };
const age = (path: string, ms: number) => utimesSync(path, (Date.now() - ms) / 1000, (Date.now() - ms) / 1000);

describe('the lock of a run directory on a shared file system', () => {
  it("another host's lock is live while fresh, stale once not refreshed for STALE_LOCK_MS", () => {
    const dir = new RunDirectory(tempDir());
    dir.lock();
    dir.unlock();
    const lockPath = dir.path('.lock');
    writeFileSync(lockPath, JSON.stringify(otherHost));
    age(lockPath, STALE_LOCK_MS - 60_000);
    expect(() => new RunDirectory(dir.dir).lock()).toThrow(RunLockedError);
    age(lockPath, STALE_LOCK_MS + 1_000);
    const taker = new RunDirectory(dir.dir);
    expect(taker.lock()).toEqual({ replaced: otherHost, staleBecause: `whose heartbeat stopped over ${STALE_LOCK_MS / 60_000} minutes ago` });
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    taker.unlock();
  });

  it('the holder refreshes its lock at most every LOCK_HEARTBEAT_MS', () => {
    const dir = new RunDirectory(tempDir());
    dir.lock();
    const lockPath = dir.path('.lock');
    age(lockPath, STALE_LOCK_MS);
    const before = statSync(lockPath).mtimeMs;
    dir.heartbeat(Date.now() + LOCK_HEARTBEAT_MS / 2);
    expect(statSync(lockPath).mtimeMs).toBe(before);
    dir.heartbeat(Date.now() + LOCK_HEARTBEAT_MS + 1);
    expect(Date.now() - statSync(lockPath).mtimeMs).toBeLessThan(LOCK_HEARTBEAT_MS * 2);
    dir.unlock();
  });

  it('training beats the heartbeat after its batches', async () => {
    const out = tempDir();
    const config = resolveRunConfig({ task: 'mnist', trainLimit: 40, testLimit: 20, epochs: 1, batchSize: 20, snn: { layers: [784, 8, 10], lif: { tMs: 1 } } });
    const beats: number[] = [];
    const original = RunDirectory.prototype.heartbeat;
    RunDirectory.prototype.heartbeat = function (now?: number) {
      beats.push(now ?? Date.now());
      original.call(this, now);
    };
    try {
      await trainRun(config, loadEmbeddedMnist({ trainLimit: 40, testLimit: 20 }), { out });
    } finally {
      RunDirectory.prototype.heartbeat = original;
    }
    expect(beats.length).toBe(3); // two training batches and one test batch
  });
});
