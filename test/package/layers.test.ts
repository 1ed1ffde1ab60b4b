/**
 * The one-way layers: the core (everything under src/ but node/, cli/, plot/ and experiments/)
 * imports no Node built-in, no Node-only package and no file of the Node ring, and uses neither
 * `process` nor `Buffer`; so that `selfprop` bundles for a browser (entry-points.test.ts).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const NODE_RING = ['node', 'cli', 'plot', 'experiments'];
/** Packages only the Node ring may use. */
const NODE_ONLY = ['vega', 'vega-lite', '@resvg/resvg-js', 'cli-progress', 'commander', 'dejavu-fonts-ttf', 'mnist'];
const BUILTINS = ['fs', 'path', 'os', 'url', 'zlib', 'crypto', 'worker_threads', 'module', 'child_process', 'util', 'stream', 'http', 'https', 'net', 'events', 'buffer', 'process'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'assembly' || name === 'generated' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const core = files(src).filter((f) => !NODE_RING.includes(relative(src, f).split('/')[0]));

/** Every module a file imports (static, re-exports and dynamic), type-only imports included. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
}

/** What is wrong with one core file (empty when nothing is). */
function violations(file: string, root = src): string[] {
  const name = relative(root, file);
  const problems: string[] = [];
  for (const spec of imports(file)) {
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec));
      if (NODE_RING.includes(target.split('/')[0])) problems.push(`${name} imports the Node ring: ${spec}`);
    } else if (spec.startsWith('node:') || BUILTINS.includes(spec)) problems.push(`${name} imports the Node built-in ${spec}`);
    else if (NODE_ONLY.some((p) => spec === p || spec.startsWith(`${p}/`))) problems.push(`${name} imports the Node-only package ${spec}`);
  }
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  if (/\bprocess\.|\bBuffer\b/.test(code)) problems.push(`${name} uses process or Buffer`);
  return problems;
}

describe('the core imports nothing from Node', () => {
  it(`${core.length} core files, none importing a Node built-in, a Node-only package or the Node ring`, () => {
    expect(core.length).toBeGreaterThan(60);
    expect(core.flatMap((file) => violations(file))).toEqual([]);
  });

  it('the check catches planted violations', () => {
    const root = join(src, '..', '.tmp', `layers-${process.pid}`);
    mkdirSync(join(root, 'models'), { recursive: true });
    const planted = join(root, 'models', 'planted.ts');
    writeFileSync(planted, "import { readFileSync } from 'node:fs';\nimport type { A } from 'vega';\nexport { x } from '../node/files.js';\nconst b = await import('zlib');\nexport const y = Buffer.from('');\n");
    try {
      expect(violations(planted, root)).toHaveLength(5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
