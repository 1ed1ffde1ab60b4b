/**
 * Backend choice for the dense math. Only src/tensor imports TensorFlow.js (DESIGN.md), so the
 * engine can be swapped in one folder.
 *
 * - `wasm` (default in Node): XNNPACK SIMD kernels, single thread (deterministic).
 * - `cpu`: the plain-JavaScript backend, a slow fallback that runs everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { ConfigError } from '../errors.js';

export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

let silenced = false;

/** Select and initialise a backend; resolves once it is ready. */
export async function useBackend(name: BackendName): Promise<void> {
  if (!silenced) {
    // PROD silences TF.js's console warnings (an advert for tfjs-node on first use of `cpu`).
    tf.env().set('PROD', true);
    silenced = true;
  }
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new ConfigError(`unknown backend "${name}" (expected one of: ${BACKENDS.join(', ')})`);
  }
  if (tf.getBackend() === name) return;
  if (name === 'wasm') setThreadsCount(1);
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
