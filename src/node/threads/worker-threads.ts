/**
 * LIF helper threads for one run in Node (`--threads N`: N − 1 helpers besides the main thread):
 * worker_threads running lif-worker.js, spoken to through kernels/lif-transport.ts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LifThreadError, sharedMemoryThreads } from '../../kernels/lif-transport.js';
import type { LifThreads } from '../../kernels/lif-threads.js';

export interface WorkerLifThreads extends LifThreads {
  /** Ends the helper threads (a run's end; they never keep the process alive). */
  close(): Promise<void>;
}

/** Resolves once the helper's kernels have loaded; rejects with its error if it fails first. */
function ready(worker: Worker, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new LifThreadError(`LIF helper thread ${i} could not start: ${why}`));
    worker.once('error', (err) => fail(err.message));
    worker.once('exit', (code) => fail(`it exited (code ${code})`));
    worker.once('message', () => {
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      resolve();
    });
  });
}

/**
 * `threads − 1` helper threads, each with its kernels loaded. `script` is the compiled
 * lif-worker.js (default: beside this file; a test running the TypeScript sources names the built one).
 */
export async function lifThreads(threads: number, script: string | URL = new URL('./lif-worker.js', import.meta.url)): Promise<WorkerLifThreads> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a whole number ≥ 1, got ${threads}`);
  const file = script instanceof URL ? fileURLToPath(script) : script;
  if (threads > 1 && !existsSync(file)) throw new LifThreadError(`the LIF helper thread's script ${file} is missing (npm run build makes it)`);
  const workers = Array.from({ length: threads - 1 }, () => new Worker(file));
  try {
    await Promise.all(workers.map((w, i) => ready(w, i)));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  for (const w of workers) w.unref(); // a run's end, or an error, never waits for them
  return {
    ...sharedMemoryThreads(workers),
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
