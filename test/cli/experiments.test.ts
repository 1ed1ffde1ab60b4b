/**
 * The sweep commands end to end through the built CLI (worker threads need the compiled worker, so
 * these run `dist/`, which `npm install` / `npm ci` build): `curve` in two shards and in parallel,
 * `grid`, `plot`, a thread's weights equal to the same cell run in this thread, and bad flags.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

describe.skipIf(!built)('sweeps on a cluster (built CLI; no Slurm needed)', () => {
  /** The environment without any scheduler's variables, plus `extra`. */
  const env = (extra: Record<string, string> = {}) => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'JOB_COMPLETION_INDEX' && k !== 'SELFPROP_SHARD_COUNT')),
    ...extra,
  });
  const runIn = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, env: env(extra) });
  const curve = ['curve', ...small, '--fractions', '0,1', '--seeds', '2'];

  it('--slurm writes the job array and the report job; run as Slurm would (bash, SLURM_ARRAY_* set), they fill OUT and draw the report', () => {
    const out = join(dir, 'slurm-curve');
    const file = join(dir, 'curve.sbatch');
    const r = runIn([...curve, '--out', 'slurm-curve', '--slurm', 'curve.sbatch', '--shards', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^selfprop curve: 4 cells \(0 already finished\) in 2 array tasks of 1 CPU: --time 00:05:00 --mem 1024M each/);
    expect(r.stdout).toContain(`submit both: jid=$(sbatch --parsable ${file}) && sbatch --dependency=afterok:\${jid%%;*} --kill-on-invalid-dep=yes ${join(dir, 'curve-report.sbatch')}`);
    const script = readFileSync(file, 'utf8');
    expect(script).toContain('#SBATCH --array=0-1\n');
    expect(script).toContain(`#SBATCH --output=${out}/slurm/shard-%A_%a.out\n`);
    expect(script).toContain(`#SBATCH --chdir=${dir}\n`);
    expect(script).toContain(`curve --fractions 0,1 --epochs 1 --train-limit 100 --test-limit 50 --seeds 1,2 --out ${out} --parallel 1 --shard auto --no-report\n`);
    expect(readFileSync(join(dir, 'curve-report.sbatch'), 'utf8')).toContain(`--seeds 1,2 --out ${out} --report-only\n`);
    expect(existsSync(join(out, 'slurm'))).toBe(true);
    // the two array tasks (ids from 1 here: the shard is id − min + 1), then the report job
    for (const id of ['1', '2']) {
      const t = spawnSync('bash', [file], { encoding: 'utf8', cwd: '/', env: env({ SLURM_JOB_ID: `9${id}`, SLURM_ARRAY_JOB_ID: '9', SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '2' }) });
      expect(t.status, t.stderr).toBe(0);
      expect(t.stdout).toContain(`4 cells, shard ${id}/2: 2 cells, 0 already finished; output ${out}`);
      expect(t.stdout).toContain('no report (--no-report)');
    }
    expect(existsSync(join(out, 'curve.md'))).toBe(false);
    const report = spawnSync('bash', [join(dir, 'curve-report.sbatch')], { encoding: 'utf8', cwd: '/', env: env({ SLURM_JOB_ID: '93' }) });
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/report: \S+curve\.md \(4\/4 cells finished\)/);
    expect(readFileSync(join(out, 'curve.md'), 'utf8')).toMatch(/4 of 4 cells finished/);
    // generating again on the finished OUT: nothing left to run
    const again = runIn([...curve, '--out', 'slurm-curve', '--slurm', 'curve.sbatch']);
    expect(again.stdout).toMatch(/4 cells \(4 already finished\) in 4 array tasks/);
  });

  it('--shard auto in a Kubernetes Indexed Job: JOB_COMPLETION_INDEX of SELFPROP_SHARD_COUNT (or --shards); --report-only runs nothing', () => {
    const a = runIn([...curve, '--out', 'k8s', '--shard', 'auto', '--no-report'], { JOB_COMPLETION_INDEX: '1', SELFPROP_SHARD_COUNT: '2' });
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/4 cells, shard 2\/2: 2 cells, 0 already finished/);
    const b = runIn([...curve, '--out', 'k8s', '--shard', 'auto', '--shards', '2'], { JOB_COMPLETION_INDEX: '0' });
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/4 cells, shard 1\/2: 2 cells, 0 already finished/);
    expect(b.stdout).toMatch(/\(4\/4 cells finished\)/);
    const only = runIn([...curve, '--out', 'k8s', '--report-only']);
    expect(only.status, only.stderr).toBe(0);
    expect(only.stdout.trim().split('\n')).toHaveLength(1);
    expect(only.stdout).toMatch(/^report: \S+curve\.md \(4\/4 cells finished\)/);
    const partial = runIn(['curve', ...small, '--fractions', '0,0.5,1', '--seeds', '2', '--out', 'k8s', '--report-only']);
    expect(partial.stdout).toMatch(/\(4\/6 cells finished\)[^]*2 cells have not finished/);
  });

  it('reproduce --slurm keeps the sweep\'s own arguments', () => {
    const r = runIn(['reproduce', '--sets', 'snn-mnist', '--seeds', '1', '--epochs', '1', '--out', 'rep', '--slurm', 'rep.sh', '--parallel', '2']);
    expect(r.status, r.stderr).toBe(0);
    const script = readFileSync(join(dir, 'rep.sh'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-2\n'); // 3 cells: 3 tasks
    expect(script).toContain('#SBATCH --cpus-per-task=2\n');
    expect(script).toContain(`reproduce --sets snn-mnist --seeds 1 --epochs 1 --out ${join(dir, 'rep')} --parallel 2 --shard auto --no-report\n`);
    expect(readFileSync(join(dir, 'rep-report.sh'), 'utf8')).toContain('--report-only\n');
  });

  it('--submit without sbatch on PATH: the scripts are written, then a one-line error, exit 2', () => {
    const r = runIn([...curve, '--out', 'nosbatch', '--slurm', 'nosbatch.sh', '--submit'], { PATH: join(dir, 'no-such-bin') });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^selfprop: --submit: sbatch is not on PATH; the scripts are written, submit them where Slurm runs: jid=\$\(sbatch --parsable /);
    expect(existsSync(join(dir, 'nosbatch.sh'))).toBe(true);
  });

  it('contradicting cluster flags: a one-line error each, exit 2, nothing run', () => {
    for (const [args, message] of [
      [['--submit'], /--submit goes with --slurm FILE/],
      [['--slurm', 'x.sh', '--shard', '1/2'], /leave out --shard/],
      [['--slurm', 'x.sh', '--report-only'], /contradict/],
      [['--slurm', 'x.sh', '--shards', '5'], /--shards 5: more array tasks than the sweep's 4 cells/],
      [['--shards', '2'], /--shards N goes with --slurm FILE .* or --shard auto/],
      [['--report-only', '--shard', '1/2'], /--report-only runs no cell/],
      [['--report-only', '--no-report'], /contradict/],
      [['--shard', 'auto'], /--shard auto: no shard in the environment/],
      [['--shard', 'sometimes'], /expected i\/n with 1 ≤ i ≤ n, or auto/],
    ] as const) {
      const r = runIn([...curve, '--out', 'bad', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(join(dir, 'bad', 'cells'))).toBe(false);
    const slurmNoArray = runIn([...curve, '--out', 'bad', '--shard', 'auto'], { SLURM_JOB_ID: '5' });
    expect(slurmNoArray.stderr).toMatch(/Slurm job 5 is not a job array/);
  });

  it("a scheduler's SIGTERM (time limit, preemption): exit 143, and no cell keeps a lock, so it can resume on any node", async () => {
    const out = join(dir, 'sigterm');
    const child = spawn(process.execPath, [cli, 'curve', '--train-limit', '8000', '--test-limit', '100', '--epochs', '5', '--fractions', '0,1', '--seeds', '1', '--parallel', '2', '--out', out], { cwd: dir, env: env(), stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const locks = () => ['smlp-mnist-p0.00-seed1', 'smlp-mnist-p1.00-seed1'].filter((id) => existsSync(join(out, 'cells', id, '.lock'))).length;
    for (let t = 0; locks() < 2 && t < 600; t++) await new Promise((r) => setTimeout(r, 100));
    expect(locks()).toBe(2); // both worker threads are running a cell
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(locks()).toBe(0);
  }, 120_000);

  it('--help of each sweep command shows the cluster flags with an example', () => {
    for (const command of ['grid', 'curve', 'reproduce']) {
      const help = runIn([command, '--help']).stdout;
      for (const flag of ['--slurm <file>', '--shards <n>', '--submit', '--shard <i/n|auto>', '--report-only', '--no-report']) expect(help, `${command} ${flag}`).toContain(flag);
      expect(help).toMatch(new RegExp(`\\$ selfprop ${command} .*--slurm x\\.sbatch --shards 4 --submit`));
      expect(help).toMatch(/JOB_COMPLETION_INDEX/);
    }
  });
});
