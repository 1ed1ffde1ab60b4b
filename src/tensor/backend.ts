/**
 * Backend choice for the dense math. Only src/tensor imports TensorFlow.js (DESIGN.md), so the
 * engine can be swapped in one folder.
 *
 * - `wasm` (default): XNNPACK SIMD kernels, single thread (deterministic). In a browser its .wasm
 *   files must be served; `wasmPaths` says where (TF.js's `setWasmPaths`).
 * - `cpu`: the plain-JavaScript backend, a slow fallback that runs everywhere.
 * - In a browser page, any other backend a page has registered (`webgl`, `webgpu` from their TF.js
 *   packages) can be selected too; a run config names `wasm` or `cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ConfigError } from '../errors.js';

export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendOptions {
  /** Where the TF.js WASM backend's .wasm files are served (a URL prefix ending in '/', or one URL per file). */
  readonly wasmPaths?: string | Record<string, string>;
  /** Threads of the TF.js WASM backend (default 1: deterministic; more need a cross-origin-isolated page or Node). */
  readonly wasmThreads?: number;
}

let silenced = false;

/** Select and initialise a backend; resolves once it is ready. */
export async function useBackend(name: BackendName | (string & {}), options: BackendOptions = {}): Promise<void> {
  if (!silenced) {
    // PROD silences TF.js's console warnings (an advert for tfjs-node on first use of `cpu`).
    tf.env().set('PROD', true);
    silenced = true;
  }
  if (!(BACKENDS as readonly string[]).includes(name) && !tf.findBackendFactory(name)) {
    throw new ConfigError(`unknown backend "${name}" (expected one of: ${BACKENDS.join(', ')}, or one a page has registered)`);
  }
  if (tf.getBackend() === name) return;
  if (name === 'wasm') {
    if (options.wasmPaths) setWasmPaths(options.wasmPaths as string);
    setThreadsCount(options.wasmThreads ?? 1);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new ConfigError(`backend "${name}" could not be initialised`);
  await tf.ready();
}

/** The backend currently in use. */
export function currentBackend(): string {
  return tf.getBackend();
}

/** Number of tensors alive in the engine (for leak tests). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
