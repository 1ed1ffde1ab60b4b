/**
 * The training worker: one Session (session.ts) behind the page's messages. Here, off the page's
 * main thread, engines allow synchronous WebAssembly compilation; the core's kernels are compiled
 * ahead anyway (`compileKernels`) so that a failure is reported at start, not in the first batch.
 *
 * TF.js backends: the core brings wasm and cpu; WebGL and WebGPU are registered here by importing
 * their packages, and offered only where this worker can create their contexts.
 */
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { compileKernels, currentBackend, sharedMemoryThreads, useBackend, type LifThreads } from 'selfprop';
import type { Capabilities, Engine, FromWorker, ToWorker } from './protocol.js';
import { buildCatalog, errorMessage, Session } from './session.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  readonly crossOriginIsolated?: boolean;
  readonly navigator: Navigator & { gpu?: { requestAdapter(): Promise<unknown> } };
}
const scope = self as unknown as WorkerScope;

const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

/** Yields to the message loop through a MessageChannel task (no timer clamping). */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

// The smallest module with a SIMD instruction (i8x16.splat of i32.const 0, then i8x16.popcnt): the feature test TF.js relies on.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

async function probeWebGpu(): Promise<string | null> {
  const gpu = scope.navigator.gpu;
  if (!gpu) return 'WebGPU is not available in this browser (no navigator.gpu in the worker)';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? null : 'WebGPU is present but found no GPU adapter (navigator.gpu.requestAdapter() gave null)';
  } catch (error) {
    return `WebGPU adapter request failed (${errorMessage(error)})`;
  }
}

function probeWebGl(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return 'WebGL needs OffscreenCanvas in workers, which this browser lacks';
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    return gl ? null : 'WebGL 2 is not available here (OffscreenCanvas gave no webgl2 context: no GPU, or GPU access is disabled)';
  } catch (error) {
    return `WebGL 2 context creation failed (${errorMessage(error)})`;
  }
}

let session: Session | undefined;

/**
 * `count` LIF helper threads (lif-helper.ts) for the SNN's LIF phase, once each has loaded its
 * kernels; a helper that fails to start is an error here, not a hang later.
 */
async function startLifHelpers(count: number): Promise<LifThreads | undefined> {
  if (count < 1) return undefined;
  const helpers = Array.from({ length: count }, (_, i) => new Worker(new URL('./lif-helper.ts', import.meta.url), { type: 'module', name: `selfprop LIF helper ${i + 1}` }));
  await Promise.all(
    helpers.map(
      (helper, i) =>
        new Promise<void>((resolve, reject) => {
          helper.onerror = (event) => reject(new Error(`LIF helper thread ${i + 1} could not start (${event.message || 'no message'})`));
          helper.onmessage = (event: MessageEvent<{ ready: boolean; error?: string }>) => {
            helper.onmessage = null;
            helper.onerror = null;
            if (event.data.ready) resolve();
            else reject(new Error(`LIF helper thread ${i + 1} could not start (${event.data.error})`));
          };
        }),
    ),
  );
  return sharedMemoryThreads(helpers);
}

async function init(wasmPaths: string, threads: number): Promise<void> {
  const isolated = scope.crossOriginIsolated === true;
  if (threads > 1 && !isolated) throw new Error(`${threads} TF.js WASM threads need a cross-origin-isolated page (COOP/COEP headers); this one is not`);
  const simd = WebAssembly.validate(SIMD_PROBE);
  const wasmFile = isolated && typeof SharedArrayBuffer !== 'undefined' ? (simd ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm.wasm') : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  const wasmVariant = `${wasmFile}, ${threads} thread${threads === 1 ? '' : 's'}${simd ? '' : ' (no WebAssembly SIMD here: the slow plain build)'}`;
  const backendOptions = { wasmPaths, wasmThreads: threads };
  let kernels: string | null = null;
  try {
    await compileKernels();
  } catch (error) {
    kernels = errorMessage(error);
  }
  // Initialise the WASM backend now: its .wasm files are fetched while the page loads (offline afterwards).
  let wasm: string | null = null;
  try {
    await useBackend('wasm', backendOptions);
    if (currentBackend() !== 'wasm') wasm = `TF.js runs "${currentBackend()}" instead of wasm`;
  } catch (error) {
    wasm = `the TF.js WASM backend did not start (${errorMessage(error)})`;
  }
  const engines: Record<Engine, string | null> = { wasm, cpu: null, webgl: probeWebGl(), webgpu: await probeWebGpu() };
  const capabilities: Capabilities = {
    wasmSimd: simd,
    crossOriginIsolated: isolated,
    hardwareConcurrency: scope.navigator.hardwareConcurrency ?? 1,
    kernels,
    engines,
    wasmVariant,
  };
  // the same threads for the SNN's LIF phase: threads − 1 helpers beside this worker (the page is isolated when threads > 1)
  const lifThreads = kernels === null ? await startLifHelpers(threads - 1) : undefined;
  session = new Session({ post, yieldNow, backendOptions, wasmVariant, lifThreads });
  post({ type: 'ready', capabilities, catalog: buildCatalog() });
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'init') {
    try {
      await init(message.wasmPaths, message.threads);
    } catch (error) {
      post({ type: 'error', scope: 'init', message: errorMessage(error) });
    }
    return;
  }
  const s = session;
  if (!s) return post({ type: 'error', scope: 'init', message: 'the worker has not started yet' });
  switch (message.type) {
    case 'load':
      try {
        post({ type: 'loaded', id: message.id, summary: await s.load(message.data) });
      } catch (error) {
        post({ type: 'error', scope: 'load', id: message.id, message: errorMessage(error) });
      }
      return;
    case 'resolve':
      try {
        post({ type: 'resolved', id: message.id, config: s.resolve(message.input) });
      } catch (error) {
        post({ type: 'error', scope: 'resolve', id: message.id, message: errorMessage(error) });
      }
      return;
    case 'start':
      try {
        await s.start(message.request);
      } catch (error) {
        post({ type: 'error', scope: 'run', message: errorMessage(error) });
      }
      return;
    case 'pause':
      return s.pause();
    case 'resume':
      return s.resume();
    case 'stop':
      return s.stop();
    case 'views':
      return s.requestViews(message.want);
    case 'weights':
      try {
        const files = s.weights();
        post({ type: 'weights', id: message.id, files }, Object.values(files).map((f) => f.buffer as ArrayBuffer));
      } catch (error) {
        post({ type: 'error', scope: 'weights', id: message.id, message: errorMessage(error) });
      }
      return;
  }
}

scope.onmessage = (event) => void handle(event.data);
