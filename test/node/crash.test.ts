/**
 * Crash safety of a run directory, with real kills: the built CLI is killed with SIGKILL (as
 * `kill -9`) at every write step of an epoch's end — the checkpoint, metrics.jsonl, weights.json,
 * every .npy, each at three stages: temporary file opened, written, renamed — at the first write
 * (config.json), during the figures, and at random moments; then the run is resumed. Every time the
 * final weights must be byte-identical to an uninterrupted run's, metrics.jsonl must hold every
 * epoch exactly once, and no temporary file may be left. Also: a sweep killed mid-run completes
 * identically when rerun; a second process is refused the directory while the first holds it; a
 * stale lock of a dead process is reported and taken over; a finished run is never overwritten
 * without --overwrite.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/temp-dirs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/src/cli/main.js');
const tempDir = tempDirs('crash');
const EPOCHS = 3;
/** A tiny run of the §1 network on the embedded MNIST default: a few hundred milliseconds an epoch. */
const trainArgs = (out: string, more: string[] = []) => [
  cli, 'train', '--train-limit', '60', '--test-limit', '20', '--layers', '784,8,10', '--batch-size', '20', '--epochs', String(EPOCHS), '--out', out, ...more,
];
let config = '';
let smlpConfig = '';
beforeAll(() => {
  config = join(tempDir(), 'tiny.json');
  writeFileSync(config, JSON.stringify({ snn: { lif: { tMs: 1 } }, shuffle: true }));
  smlpConfig = join(tempDir(), 'smlp.json');
  writeFileSync(smlpConfig, JSON.stringify({ model: 'smlp', smlp: { layers: [784, 8, 10], timeSteps: 3 } }));
});

/** Run the CLI in a child process (asynchronously: the test's worker keeps answering vitest meanwhile). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
  });
}

/** SHA-256 of a run's weight files, in name order. */
function weightsHash(out: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(join(out, 'weights')).sort()) h.update(readFileSync(join(out, 'weights', f)));
  h.update(readFileSync(join(out, 'weights.json')));
  return h.digest('hex');
}

/** Every file below `dir` whose name marks an unfinished write. */
function temporaryFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tmp-|\.draft-\d+$|\.takeover$|\.partial$/.test(name)) found.push(path);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

const epochsLogged = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch as number);

/** Kill a run at a fault point (or let it finish), then resume it to the end; the run directory. */
async function killAndResume(fault: string | undefined, extra: string[] = []): Promise<{ out: string; killed: boolean }> {
  const out = join(tempDir(), 'run');
  const first = await run(trainArgs(out, ['--config', config, ...extra]), fault ? { SELFPROP_FAULT: fault } : {});
  const killed = first.signal === 'SIGKILL';
  if (!killed) expect(first.status, first.stderr).toBe(0);
  if (killed) {
    // a kill before config.json existed leaves no run: start it again; otherwise continue it
    const resume = existsSync(join(out, 'config.json')) ? ['--resume'] : ['--config', config, ...extra];
    const second = await run(trainArgs(out, resume));
    expect(second.status, `${fault}: ${second.stderr}`).toBe(0);
  }
  return { out, killed };
}

describe('a run killed at any write, then resumed', () => {
  let reference = '';
  /** How long the uninterrupted run took: the random kills land inside it. */
  let runMs = 0;
  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error('run `npm run build` first: the crash tests drive the built CLI');
    const started = performance.now();
    const { out } = await killAndResume(undefined);
    runMs = performance.now() - started;
    reference = weightsHash(out);
    expect(epochsLogged(out)).toEqual([1, 2, 3]);
  });

  // Atomic writes, in order: 1 config.json; then per epoch: checkpoint, metrics.jsonl, weights.json,
  // W1.npy, W2.npy, b2.npy, b3.npy (7); then the figures. Epoch 2's end is writes 9 … 15.
  const EPOCH_END_2 = [9, 10, 11, 12, 13, 14, 15];
  const cases: string[] = [];
  for (const n of [1, ...EPOCH_END_2, 2 + 7 * EPOCHS, 2 + 7 * EPOCHS + 2]) for (const stage of ['open', 'written', 'renamed']) cases.push(`${n}:${stage}`);

  it(`${cases.length} kills at the write steps (config, epoch 2's checkpoint, metrics, weights, every .npy, the figures): same weights, every epoch logged once, no temporary file`, async () => {
    let kills = 0;
    const queue = [...cases];
    // Two runs at a time (each is one process, mostly starting up).
    const worker = async () => {
      for (let fault = queue.shift(); fault !== undefined; fault = queue.shift()) {
        const { out, killed } = await killAndResume(fault);
        if (killed) kills++;
        expect(weightsHash(out), fault).toBe(reference);
        expect(epochsLogged(out), fault).toEqual([1, 2, 3]);
        expect(temporaryFiles(out), fault).toEqual([]);
        expect(existsSync(join(out, '.lock')), fault).toBe(false);
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(`crash test: ${cases.length} fault points, ${kills} kills, all resumed to byte-identical weights with every epoch logged once`);
    expect(kills).toBe(cases.length);
  }, 900_000);

  it('kills at random moments (SIGKILL from outside): the same', async () => {
    // At 20 %, 50 % and 80 % of an uninterrupted run's time, jittered: inside start-up, the epochs and their writes.
    const delays = [0.2, 0.5, 0.8].map((f) => Math.round(runMs * (f + 0.1 * (Math.random() - 0.5))));
    let interrupted = 0;
    for (const ms of delays) {
      const out = join(tempDir(), 'run');
      const child = spawn(process.execPath, trainArgs(out, ['--config', config]), { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGKILL');
      if ((await exited) === 'SIGKILL') interrupted++;
      const resume = existsSync(join(out, 'config.json')) ? ['--resume'] : ['--config', config];
      const second = await run(trainArgs(out, resume));
      expect(second.status, second.stderr).toBe(0);
      expect(weightsHash(out), `killed after ${ms} ms`).toBe(reference);
      expect(epochsLogged(out)).toEqual([1, 2, 3]);
      expect(temporaryFiles(out)).toEqual([]);
    }
    console.log(`crash test: ${interrupted} of ${delays.length} kills at ${delays.join(', ')} ms (of a ${Math.round(runMs)} ms run) interrupted it; all resumed to byte-identical weights`);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});

describe('a sweep killed mid-run, then rerun', () => {
  it('completes with the same cells as an uninterrupted sweep', async () => {
    const sweep = (out: string, env: Record<string, string> = {}) =>
      run([cli, 'curve', '--fractions', '0,1', '--epochs', '2', '--train-limit', '60', '--test-limit', '20', '--config', smlpConfig, '--parallel', '1', '--out', out], env);
    const whole = join(tempDir(), 'whole');
    const ok = await sweep(whole);
    expect(ok.status, ok.stderr).toBe(0);
    const base = join(tempDir(), 'killed');
    // the 9th write of the worker thread: inside the first cell's second epoch
    const killed = await sweep(base, { SELFPROP_FAULT: '9:written' });
    expect(killed.signal).toBe('SIGKILL');
    expect((await sweep(base)).status).toBe(0);
    for (const cell of readdirSync(join(whole, 'cells'))) {
      expect(weightsHash(join(base, 'cells', cell)), cell).toBe(weightsHash(join(whole, 'cells', cell)));
      expect(epochsLogged(join(base, 'cells', cell)), cell).toEqual([1, 2]);
    }
    expect(temporaryFiles(base)).toEqual([]);
  }, 300_000);
});

describe('one process per run directory', () => {
  const lockOf = (out: string) => join(out, '.lock');

  it('a second run on the same --out is refused while the first holds it (exit 4), and gets it afterwards', async () => {
    const out = join(tempDir(), 'run');
    const first = spawn(process.execPath, trainArgs(out, ['--config', config, '--epochs', '6']), { stdio: 'ignore' });
    while (!existsSync(join(out, 'config.json'))) await new Promise((r) => setTimeout(r, 20));
    const second = await run(trainArgs(out, ['--resume']));
    expect(second.status).toBe(4);
    expect(second.stderr).toMatch(new RegExp(`is in use by process ${first.pid} on .* since .*\\.lock`));
    await new Promise((r) => first.on('exit', r));
    expect(existsSync(lockOf(out))).toBe(false);
    expect((await run(trainArgs(out, ['--resume', '--epochs', '7']))).status).toBe(0);
    expect(epochsLogged(out)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a stale lock of a dead process is reported and taken over', async () => {
    const out = join(tempDir(), 'run');
    mkdirSync(out, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const host = execFileSync(process.execPath, ['-e', "process.stdout.write(require('node:os').hostname())"], { encoding: 'utf8' });
    writeFileSync(lockOf(out), JSON.stringify({ pid: dead, host, started: '2026-01-01T00:00:00.000Z' }));
    const r = await run(trainArgs(out, ['--config', config]));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`took over the stale lock of process ${dead} on ${host} \\(started 2026-01-01T00:00:00.000Z\\), which is gone`));
  });

  it('a finished run is refused without --resume or --overwrite (exit 2); --overwrite replaces it, figures included', async () => {
    const out = join(tempDir(), 'run');
    expect((await run(trainArgs(out, ['--config', config, '--epochs', '1']))).status).toBe(0);
    writeFileSync(join(out, 'figures', 'stale.png'), 'old');
    const again = await run(trainArgs(out, ['--config', config, '--epochs', '1']));
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/holds a run \(1 epoch logged\); --resume continues it, --overwrite replaces it/);
    expect((await run(trainArgs(out, ['--config', config, '--epochs', '2', '--overwrite']))).status).toBe(0);
    expect(epochsLogged(out)).toEqual([1, 2]);
    expect(existsSync(join(out, 'figures', 'stale.png'))).toBe(false);
    const both = await run(trainArgs(out, ['--resume', '--overwrite']));
    expect(both.status).toBe(2);
  });
});

