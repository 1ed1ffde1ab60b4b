/**
 * The sweep commands end to end through the built CLI (worker threads need the compiled worker, so
 * these run `dist/`, which `npm install` / `npm ci` build): `curve` in two shards and in parallel,
 * `grid`, `plot`, a thread's weights equal to the same cell run in this thread, and bad flags.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellDir } from '../../src/experiments/cell.js';
import { curveCells } from '../../src/experiments/curve.js';
import { runSweep } from '../../src/experiments/sweep.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const cli = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const built = existsSync(join(REPO_ROOT, 'dist', 'src', 'experiments', 'cell-worker.js'));
const dir = mkdtempSync(join(tmpdir(), 'selfprop-sweep-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
const small = ['--train-limit', '100', '--test-limit', '50', '--epochs', '1'];

describe.skipIf(!built)('sweep commands (built CLI)', () => {
  it('curve: two shards fill one directory; the report covers every cell; a rerun runs nothing', () => {
    const out = join(dir, 'curve');
    const a = run(['curve', ...small, '--fractions', '0,0.5,1', '--seeds', '2', '--shard', '1/2', '--out', out]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/6 cells, shard 1\/2: 3 cells, 0 already finished/);
    // no terminal: a line per finished epoch of each cell, then one per finished cell
    expect(a.stdout).toMatch(/^ {2}\S+ epoch 1: train \d+\.\d\d %, test \d+\.\d\d %, \d+ s$/m);
    const b = run(['curve', ...small, '--fractions', '0,0.5,1', '--seeds', '2', '--shard', '2/2', '--parallel', '2', '--out', out]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/6\/6 cells finished/);
    const md = readFileSync(join(out, 'curve.md'), 'utf8');
    expect(md).toMatch(/\| 0 \| \d+\.\d\d ± \d+\.\d\d \| [\d.e+]+ \| 0\.0 % \|/);
    // Backward MACs per sample of 784-500-10, K = 20, dense-equivalent: pBP 8.04 M; SBP as specified
    // (X of every step, Hebbian term) 9.513 M — more than pBP. Executed (event-driven) the SBP
    // batches skip the output-to-hidden backward pass and do fewer: the saving is positive.
    expect(md).toMatch(/\| 0 \| [^|]+ \| [\d.e+]+ \| 0\.0 % \| 8\.040e\+6 \|/);
    expect(md).toMatch(/\| 1 \| [^|]+ \| [\d.e+]+ \| [1-9]\d*\.\d % \| 9\.513e\+6 \|/);
    expect(existsSync(join(out, 'figures', 'accuracy-vs-p.png'))).toBe(true);
    const again = run(['curve', ...small, '--fractions', '0,0.5,1', '--seeds', '2', '--out', out]);
    expect(again.stdout).toMatch(/6 cells, 6 already finished/);
  });

  it('a cell run in a worker thread ends with the same weights as in this thread', async () => {
    const [cell] = curveCells({ task: 'mnist', fractions: [0.5], seeds: [3], base: { trainLimit: 100, testLimit: 50, epochs: 1 } });
    const inline = join(dir, 'inline');
    await runSweep('curve', [cell], inline, { executor: 'inline' });
    execFileSync(process.execPath, [cli, 'curve', ...small, '--fractions', '0.5', '--seeds', '3', '--out', join(dir, 'threads')], { cwd: dir });
    const weights = (root: string) => readFileSync(join(cellDir(root, cell.id), 'weights.json'), 'utf8');
    expect(weights(join(dir, 'threads'))).toBe(weights(inline));
  });

  it('grid: heat maps of Δ accuracy and Δ cost; plot redraws them', () => {
    const out = join(dir, 'grid');
    const r = run(['grid', ...small, '--sleep', '1,3', '--wake', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(join(out, 'grid.md'), 'utf8');
    expect(md).toMatch(/\| 1 \| 1 \| \d+\.\d\d \| \d+\.\d\d \|/);
    for (const f of ['delta-accuracy', 'delta-cost', 'delta-executed-cost']) expect(existsSync(join(out, 'figures', `${f}.png`))).toBe(true);
    rmSync(join(out, 'figures'), { recursive: true });
    const p = run(['plot', out]);
    expect(p.status, p.stderr).toBe(0);
    expect(existsSync(join(out, 'figures', 'delta-accuracy.svg'))).toBe(true);
  });

  it('plot redraws a single training run', () => {
    const out = join(dir, 'train');
    expect(run(['train', ...small, '--out', out]).status).toBe(0);
    const p = run(['plot', out]);
    expect(p.status, p.stderr).toBe(0);
    expect(existsSync(join(out, 'figures', 'accuracy.png'))).toBe(true);
    expect(existsSync(join(out, 'figures', 'weights.png'))).toBe(true);
  });

  it('bad flags get a one-line error and a non-zero exit', () => {
    for (const args of [
      ['grid', '--sleep', '0'],
      ['curve', '--fractions', '1.5'],
      ['curve', '--shard', '3/2'],
      ['reproduce', '--sets', 'snn-cifar'],
      ['reproduce', '--scale', 'paper', '--sets', 'snn-mnist'],
      ['plot', join(dir, 'nothing-here')],
    ]) {
      const r = run(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
