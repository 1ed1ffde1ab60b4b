/**
 * Checkpoints: everything needed to continue a run bit for bit — the resolved config, the
 * parameters, the persistent network state (V, g, particles, STP), the random stream's state and
 * the number of finished epochs. Float arrays are stored as base64 of their little-endian bytes,
 * so they round-trip exactly. Written atomically at each epoch end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';
import type { SnnNetwork } from '../models/snn/network.js';
import { initState, stateArrays, type SnnState } from '../models/snn/state.js';
import { writeFileAtomic } from './atomic.js';
import { resolveRunConfig, type RunConfig } from './run-config.js';

export const CHECKPOINT_FORMAT = 'selfprop-checkpoint';

export interface Checkpoint {
  /** Epochs finished. */
  readonly epoch: number;
  readonly config: RunConfig;
  readonly network: SnnNetwork;
  readonly state: SnnState;
  readonly rngState: number[];
}

const encode = (a: Float32Array | Uint8Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function decodeFloats(text: string, expected: number, file: string, what: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expected * 4) throw new DataFormatError(file, `${what}: ${bytes.length / 4} values, expected ${expected}`);
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  const { network, state } = ckpt;
  const body = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    epoch: ckpt.epoch,
    config: ckpt.config,
    weights: network.weights.map((w) => encode(w.data)),
    biases: network.biases.map((b) => encode(b)),
    inhibitory: network.inhibitory.map((f) => encode(f)),
    stateBatchSize: state.batchSize,
    state: stateArrays(state).map((a) => encode(a)),
    rngState: ckpt.rngState,
  };
  writeFileAtomic(path, JSON.stringify(body));
}

export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new DataFormatError(path, 'checkpoint not found');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataFormatError(path, `not a readable checkpoint (${(err as Error).message})`);
  }
  if (body.format !== CHECKPOINT_FORMAT) throw new DataFormatError(path, `not a selfprop checkpoint (format "${String(body.format)}")`);
  const config = resolveRunConfig(body.config, path);
  const { layers } = config.snn;
  const weightsText = body.weights as string[];
  const biasesText = body.biases as string[];
  const inhibitoryText = body.inhibitory as string[];
  const weights = layers.slice(0, -1).map((n, k) => ({
    rows: n,
    cols: layers[k + 1],
    data: decodeFloats(weightsText[k], n * layers[k + 1], path, `W${k + 1}`),
  }));
  const biases = layers.map((n, k) => decodeFloats(biasesText[k], k === 0 ? 0 : n, path, `b${k + 1}`));
  const inhibitory = layers.map((n, k) => {
    const bytes = Buffer.from(inhibitoryText[k], 'base64');
    if (bytes.length !== n) throw new DataFormatError(path, `inhibitory flags of layer ${k + 1}: ${bytes.length}, expected ${n}`);
    return new Uint8Array(bytes);
  });
  const state = initState(config.snn, body.stateBatchSize as number);
  const arrays = stateArrays(state);
  const stored = body.state as string[];
  if (!Array.isArray(stored) || stored.length !== arrays.length) throw new DataFormatError(path, 'state arrays missing or of the wrong count');
  arrays.forEach((a, i) => a.set(decodeFloats(stored[i], a.length, path, `state array ${i}`)));
  return {
    epoch: body.epoch as number,
    config,
    network: { config: config.snn, weights, biases, inhibitory },
    state,
    rngState: body.rngState as number[],
  };
}
