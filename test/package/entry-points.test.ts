/**
 * The package's entry points as users get them (after `npm run build`): `selfprop` bundles for a
 * browser with esbuild with no error; `require('selfprop')` and `require('selfprop/node')` work
 * from CommonJS and train a tiny network; a TypeScript consumer of all three entry points
 * type-checks; `npm pack` ships LICENSE and no source map pointing at sources it does not ship.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the package (so that `selfprop` resolves to itself, as it does for a user who installed it).
const work = join(root, '.tmp', `entry-points-${process.pid}`);
mkdirSync(work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('entry points', () => {
  it('selfprop bundles for a browser (esbuild, platform browser) with no error', async () => {
    const entry = join(work, 'browser.js');
    writeFileSync(entry, "import * as selfprop from 'selfprop';\nglobalThis.selfprop = selfprop;\n");
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, logLevel: 'silent', metafile: true });
    expect(result.errors).toEqual([]);
    const bytes = result.outputFiles[0].contents.length;
    console.log(`browser bundle of selfprop: ${(bytes / 1024).toFixed(0)} KiB minified, ${Object.keys(result.metafile.inputs).length} modules`);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => /vega|resvg|commander|cli-progress/.test(i))).toBe(false);
    expect(inputs.some((i) => i.includes('dist/src/node/'))).toBe(false);
  });

  it('require() of selfprop and selfprop/node works and trains a tiny network', () => {
    const script = join(work, 'train.cjs');
    writeFileSync(
      script,
      `const selfprop = require('selfprop');
const { loadEmbeddedMnist } = require('selfprop/node');
const config = selfprop.resolveRunConfig({ epochs: 1, batchSize: 10, snn: { layers: [784, 20, 10], lif: { tMs: 1 } } });
selfprop.train(config, loadEmbeddedMnist({ trainLimit: 100, testLimit: 40 })).then(({ history }) => {
  console.log(JSON.stringify({ epochs: history.length, accuracy: history[0].testAccuracy }));
});
`,
    );
    const out = execFileSync(process.execPath, [script], { cwd: work, encoding: 'utf8' });
    console.log(`CommonJS consumer: ${out.trim()}`);
    const result = JSON.parse(out.trim().split('\n').pop() as string);
    expect(result.epochs).toBe(1);
    expect(result.accuracy).toBeGreaterThan(0);
  });

  it('a TypeScript consumer of selfprop, selfprop/node and selfprop/plot type-checks', () => {
    writeFileSync(
      join(work, 'consumer.ts'),
      `import { resolveRunConfig, train, type EpochMetrics, type RunConfig } from 'selfprop';
import { loadTaskData, trainRun } from 'selfprop/node';
import { charts, writeFigure } from 'selfprop/plot';
export async function run(): Promise<number> {
  const config: RunConfig = resolveRunConfig({ task: 'mnist', model: 'ann', epochs: 1 });
  const data = await loadTaskData(config);
  const last: EpochMetrics | undefined = (await train(config, data)).history.at(-1);
  await trainRun(config, data, { out: 'runs/x' });
  await writeFigure('f', charts.lineChart({ title: 't', xTitle: 'x', yTitle: 'y', series: [] }));
  return last?.testAccuracy ?? 0;
}
`,
    );
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['consumer.ts'] }));
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', work], { cwd: work, encoding: 'utf8' });
  });

  it('npm pack ships LICENSE, README and the entry points, and no source maps', () => {
    const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const [pack] = JSON.parse(json) as { files: { path: string }[]; size: number; unpackedSize: number; entryCount: number }[];
    const paths = pack.files.map((f) => f.path);
    console.log(`npm pack: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node/index.js', 'dist/src/plot/index.js', 'dist/src/cli/main.js']) {
      expect(paths, needed).toContain(needed);
    }
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('test/') || p.startsWith('src/'))).toEqual([]);
  });
});
