/**
 * `npm run test:web`: the built playground (web/dist, `npm run build:web`) in real Chromium —
 * Debian's /usr/bin/chromium driven by playwright-core, no browser download. Skips with one line
 * when Chromium is absent.
 *
 * 1. Node side first (nothing else running): the same session code the page's worker runs
 *    (web/src/session.ts) trains the default SBP network for 40 batches of 50 on the same embedded
 *    subset (web/dist/data), on the same engine (TF.js WASM, one thread, the WebAssembly kernels).
 *    `npm run test:web` bundles this file with esbuild, `selfprop` aliased to src/index.ts as in the
 *    page's build, so that both sides run the same source (not a possibly older dist/).
 * 2. The page, served from a sub-folder of a plain static server (relative base): it loads with no
 *    console error; a bad MNIST file shows the loader's error; `?autorun=1&batches=40` trains and
 *    writes JSON into #result (accuracy > 0.6, samples/s, backend, kernels); the raster and the
 *    receptive fields are drawn; W1.npy downloads and reads back with the core's decodeNpy; a
 *    screenshot goes to test/web/output/playground.png.
 * 3. Speed: samples/s in Chromium within 1.5× of Node (one retry of both when it is not, since the
 *    two cores are shared).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { decodeNpy } from 'selfprop';
import type { RunResult } from '../../web/src/protocol.js';
import { Session } from '../../web/src/session.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`test:web skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);
  process.exit(0);
}

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const dist = join(root, 'web', 'dist');
const output = join(root, 'test', 'web', 'output');
const BATCHES = 40;
const SPEED_RATIO = 1.5;

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function finish(): never {
  console.log(`web: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (!existsSync(join(dist, 'index.html'))) {
  check('web/dist is built', false, 'run `npm run build:web` first');
  finish();
}
mkdirSync(output, { recursive: true });

// ---------------------------------------------------------------- bundle size

function sizes(): string {
  const assets = join(dist, 'assets');
  const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  const raw = files.reduce((n, f) => n + statSync(join(assets, f)).size, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).length, 0);
  const all = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? all(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
  const parts = files.map((f) => `${f.replace(/-[\w-]{8}\./, '.')} ${(statSync(join(assets, f)).size / 1024).toFixed(0)} KiB`).join(', ');
  return `JS + CSS ${(raw / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped: ${parts}); whole site with data and TF.js .wasm ${(all(dist) / 1024).toFixed(0)} KiB`;
}
console.log(`bundle: ${sizes()}`);

// ---------------------------------------------------------------- Node side

async function nodeRun(): Promise<{ result: RunResult; w1: Float32Array }> {
  const session = new Session({ post: () => {}, yieldNow: () => new Promise((r) => setImmediate(r)) });
  await session.load({ kind: 'embedded', bytes: new Uint8Array(readFileSync(join(dist, 'data', 'mnist-embedded.idx.gz'))), url: 'mnist-embedded.idx.gz' });
  const result = await session.start({ input: { model: 'snn' }, engine: 'wasm', maxBatches: BATCHES, views: false });
  return { result, w1: decodeNpy(session.weights()['W1.npy'], 'W1.npy').data };
}

// ---------------------------------------------------------------- a static host

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** web/dist served under /some/folder/, as a plain static host would (no special headers unless given). */
function serve(prefix: string, headers: Record<string, string> = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(prefix)) return void res.writeHead(404).end('not found');
    const rel = normalize(path.slice(prefix.length) || 'index.html');
    const file = join(dist, rel.endsWith(sep) || rel === '.' ? join(rel, 'index.html') : rel);
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', ...headers });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// ---------------------------------------------------------------- the page

const node1 = await nodeRun();
{
  // a second start while the first is still loading its backend is refused, and the first run is unharmed
  const session = new Session({ post: () => {}, yieldNow: () => new Promise((r) => setImmediate(r)) });
  await session.load({ kind: 'embedded', bytes: new Uint8Array(readFileSync(join(dist, 'data', 'mnist-embedded.idx.gz'))), url: 'mnist-embedded.idx.gz' });
  const first = session.start({ input: { model: 'snn' }, engine: 'wasm', maxBatches: 2, views: false });
  const second = await session.start({ input: { model: 'snn' }, engine: 'wasm', maxBatches: 2, views: false }).then(
    () => 'started',
    (e: Error) => e.message,
  );
  const done = await first;
  check('a start during a start is refused; the first run ends', second === 'a run is already in progress' && done.batches === 2, `second: ${second}; first: ${done.batches} batches`);
}
console.log(`node: held-out accuracy ${node1.result.accuracy.toFixed(4)} after ${node1.result.batches} batches, ${node1.result.samplesPerSecond.toFixed(0)} samples/s (${node1.result.wasmVariant ?? 'TF.js wasm'}, kernels ${node1.result.kernels})`);

const { chromium } = await import('playwright-core');
const prefix = '/some/folder/playground/';
const server = await serve(prefix);
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
const profile = mkdtempSync(join(tmpdir(), 'selfprop-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const consoleErrors: string[] = [];
context.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
context.on('weberror', (e) => void consoleErrors.push(String(e.error())));

async function pageRun(at = base, extra = ''): Promise<{ result: RunResult & Record<string, unknown>; page: import('playwright-core').Page }> {
  const page = await context.newPage();
  await page.goto(`${at}?autorun=1&batches=${BATCHES}${extra}`);
  await page.waitForFunction(() => (document.getElementById('result')?.textContent ?? '') !== '' || document.querySelector('#run-error:not([hidden])') !== null, undefined, { timeout: 240_000 });
  const runError = await page.locator('#run-error').textContent();
  if (runError) throw new Error(`the page's run failed: ${runError}`);
  return { result: JSON.parse((await page.locator('#result').textContent()) as string), page };
}

/** The page's W1.npy download, read back, and its largest difference from the Node run's W1. */
async function downloadW1(page: import('playwright-core').Page, name: string): Promise<{ w1: ReturnType<typeof decodeNpy>; diff: number }> {
  const link = page.locator('a[download="W1.npy"]');
  await link.waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const saved = join(output, name);
  await download.saveAs(saved);
  const w1 = decodeNpy(new Uint8Array(readFileSync(saved)), saved);
  let diff = 0;
  for (let i = 0; i < w1.data.length; i++) diff = Math.max(diff, Math.abs(w1.data[i] - node1.w1[i]));
  return { w1, diff };
}

try {
  // A plain load: ready, no console error, engines said.
  const page = await context.newPage();
  await page.goto(base);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 120_000 });
  const notes = await page.locator('#engine-notes').innerText();
  check('the page loads and gets ready with no console error', consoleErrors.length === 0, consoleErrors.join(' | ') || notes.split('\n').join('; '));
  // A bad file: the core's loader's error on the page.
  const idx = (name: string, bytes: number[]) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await page.locator('#mnist-files').setInputFiles([
    idx('train-images-idx3-ubyte', [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), // a gzip header and nothing else
    idx('train-labels-idx1-ubyte', [0, 0, 8, 1, 0, 0, 0, 0]),
    idx('t10k-images-idx3-ubyte', [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]),
    idx('t10k-labels-idx1-ubyte', [0, 0, 8, 1, 0, 0, 0, 0]),
  ]);
  await page.locator('#data-error:not([hidden])').waitFor({ timeout: 30_000 });
  const loadError = await page.locator('#data-error').innerText();
  check('a bad MNIST file shows the loader\'s error', /^chosen files\/train-images-idx3-ubyte\b.*gzip/.test(loadError), loadError);
  await page.close();

  // The configuration lives in the address, both ways; controls work from the keyboard.
  const shared = await context.newPage();
  await shared.goto(`${base}?seed=3&spread-fraction=0.1`);
  await shared.waitForFunction(() => document.body.dataset.state === 'ready' && (document.getElementById('resolved')?.textContent ?? '').includes('"seed": 3'), undefined, { timeout: 120_000 });
  const resolved = JSON.parse((await shared.locator('#resolved').textContent()) as string);
  await shared.locator('#seed').focus();
  await shared.keyboard.press('Control+A');
  await shared.keyboard.type('5');
  await shared.keyboard.press('Tab');
  await shared.waitForFunction(() => new URL(location.href).searchParams.get('seed') === '5', undefined, { timeout: 10_000 });
  const address = new URL(shared.url()).search;
  check('the run config lives in the address', resolved.seed === 3 && resolved.snn.sbp.fraction === 0.1 && resolved.snn.rule === 'sbp' && address.includes('spread-fraction=0.1'), `resolved seed ${resolved.seed}, f ${resolved.snn.sbp.fraction}; after typing 5: ${address}`);
  await shared.close();

  // Offline once loaded: SBP and symmetric STDP side by side (two workers), started from the
  // keyboard, paused, resumed, reset.
  const off = await context.newPage();
  await off.goto(`${base}?batches=60&compare=1`);
  await off.waitForFunction(() => document.body.dataset.state === 'ready' && !(document.getElementById('start') as HTMLButtonElement).disabled, undefined, { timeout: 120_000 });
  await context.setOffline(true);
  await off.locator('#start').focus();
  await off.keyboard.press('Enter');
  await off.waitForFunction(() => /samples/.test(document.querySelector('#runs tbody')?.textContent ?? ''), undefined, { timeout: 60_000 });
  await off.locator('#pause').click();
  const pausedAt = await off.waitForFunction(() => document.body.dataset.state === 'paused' && document.getElementById('runs')!.textContent, undefined, { timeout: 30_000 }).then((h) => h.jsonValue());
  await off.waitForTimeout(400);
  const stillAt = await off.locator('#runs').textContent();
  await off.locator('#resume').click();
  await off.waitForFunction(() => (document.getElementById('result')?.textContent ?? '') !== '' || document.querySelector('#run-error:not([hidden])') !== null, undefined, { timeout: 120_000 });
  await context.setOffline(false);
  const sideBySide = JSON.parse((await off.locator('#result').textContent()) || '{}') as { runs?: (RunResult & { label: string })[] };
  const runs = sideBySide.runs ?? [];
  check('offline, two workers train SBP and symmetric STDP on the same seed', runs.length === 2 && runs[0].rule === 'sbp' && runs[1].rule === 'stdp-symmetric' && runs.every((r) => r.batches === 60 && r.seed === 1), (await off.locator('#run-error').textContent()) || runs.map((r) => `${r.label} ${r.accuracy}`).join(', '));
  check('pause holds both runs, resume finishes them', pausedAt === stillAt, `progress while paused: ${pausedAt === stillAt ? 'unchanged' : 'moved'}`);
  await off.locator('#reset').click();
  await off.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('result')!.textContent === '', undefined, { timeout: 10_000 });
  check('reset clears the runs', true);
  await off.close();

  // ?autorun=1&batches=40
  let { result, page: run } = await pageRun();
  console.log(`phases (s): Chromium ${JSON.stringify(result.phaseSeconds)}; Node ${JSON.stringify(node1.result.phaseSeconds)}`);
  check('autorun writes its result', typeof result.accuracy === 'number', JSON.stringify({ accuracy: result.accuracy, samplesPerSecond: result.samplesPerSecond, backend: result.backend, kernels: result.kernels, batches: result.batches }));
  check(`held-out accuracy above 0.6 after ${BATCHES} batches of 50`, result.accuracy > 0.6 && result.batches === BATCHES && result.samples === BATCHES * 50 && result.accuracyKind === 'held-out', `${result.accuracy} (Node: ${node1.result.accuracy})`);
  check('backend wasm and the WebAssembly kernels ran', result.backend === 'wasm' && result.kernels === 'wasm' && result.implementation.some((l) => /WebAssembly/.test(l)), `${result.wasmVariant}; ${result.implementation.join('; ')}`);

  const ink = (id: string) =>
    run.evaluate((canvasId) => {
      const c = document.getElementById(canvasId) as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
      return { inked: n, spikes: Number(c.dataset.spikes ?? 0) };
    }, id);
  const raster = await ink('raster');
  const fields = await ink('fields');
  check('the spike raster is drawn', raster.spikes > 0 && raster.inked > 100, `${raster.spikes} spikes, ${raster.inked} dark pixels`);
  check('the receptive fields are drawn', fields.inked > 1000, `${fields.inked} coloured pixels`);

  const { w1, diff } = await downloadW1(run, 'W1.npy');
  check('the downloaded W1.npy reads back, equal to the Node run\'s', w1.shape.join('×') === '784×500' && w1.data.every(Number.isFinite) && diff <= 1e-6, `shape ${w1.shape.join('×')}; max |W1(page) − W1(Node)| = ${diff.toExponential(2)}${diff > 1e-6 ? ' (was web/dist built from other sources? rerun npm run build:web)' : ''}`);

  // Threads: the same site from a host that sends the isolation headers, threads=2: TF.js WASM on
  // two threads and one LIF helper worker per training worker; the weights of one thread.
  const isolated = await serve(prefix, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
  try {
    const threaded = await pageRun(`http://127.0.0.1:${(isolated.address() as AddressInfo).port}${prefix}`, '&threads=2');
    const slices = threaded.result.implementation.some((l) => /row slices on 2 threads/.test(l));
    const t = await downloadW1(threaded.page, 'W1-threads.npy');
    check('threads=2 in an isolated page: the LIF phase on 2 threads, W1 equal to one thread\'s', slices && t.diff <= 1e-6 && threaded.result.batches === BATCHES, `${threaded.result.wasmVariant}; ${slices ? 'row slices on 2 threads' : `no LIF threads: ${threaded.result.implementation.join('; ')}`}; max |W1(2 threads) − W1(Node, 1 thread)| = ${t.diff.toExponential(2)}; ${threaded.result.samplesPerSecond.toFixed(0)} samples/s against ${result.samplesPerSecond.toFixed(0)} on one`);
    await threaded.page.close();
  } finally {
    isolated.close();
  }

  await run.locator('#curves').scrollIntoViewIfNeeded();
  await run.screenshot({ path: join(output, 'playground.png'), fullPage: true });

  let nodeSpeed = node1.result.samplesPerSecond;
  let pageSpeed = result.samplesPerSecond;
  if (pageSpeed * SPEED_RATIO < nodeSpeed) {
    console.log(`speed: Chromium ${pageSpeed.toFixed(0)} vs Node ${nodeSpeed.toFixed(0)} samples/s: measuring both once more (shared cores)`);
    await run.close();
    ({ result, page: run } = await pageRun());
    pageSpeed = Math.max(pageSpeed, result.samplesPerSecond);
    nodeSpeed = Math.max(nodeSpeed, (await nodeRun()).result.samplesPerSecond);
  }
  console.log(`speed: SBP training, ${BATCHES} batches of 50: Chromium ${pageSpeed.toFixed(0)} samples/s, Node ${nodeSpeed.toFixed(0)} samples/s (Node/Chromium ${(nodeSpeed / pageSpeed).toFixed(2)})`);
  check(`samples/s in Chromium within ${SPEED_RATIO}× of Node`, pageSpeed * SPEED_RATIO >= nodeSpeed, `${pageSpeed.toFixed(0)} vs ${nodeSpeed.toFixed(0)}`);
  check('no console error during the runs', consoleErrors.length === 0, consoleErrors.join(' | '));
  console.log(`screenshot: ${join(output, 'playground.png')}`);
} catch (error) {
  check('the browser test ran to its end', false, (error as Error).stack ?? String(error));
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
finish();
