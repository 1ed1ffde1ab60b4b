/**
 * Checkpoints: everything needed to continue a run bit for bit — the resolved config, every array
 * the model lists (parameters and persistent state: V, g, particles, STP, …), the random stream's
 * state and the number of finished epochs. Arrays are stored as base64 of their little-endian
 * bytes, so they round-trip exactly. Written atomically at each epoch end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';
import type { Model } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { RandomStream } from '../tensor/index.js';
import { writeFileAtomic } from './atomic.js';
import { resolveRunConfig, type RunConfig } from './run-config.js';

export const CHECKPOINT_FORMAT = 'selfprop-checkpoint';
const VERSION = 2;

export interface Checkpoint {
  /** Epochs finished. */
  readonly epoch: number;
  readonly config: RunConfig;
  readonly model: Model;
  readonly rngState: number[];
}

const encode = (a: Float32Array | Uint8Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  const body = {
    format: CHECKPOINT_FORMAT,
    version: VERSION,
    epoch: ckpt.epoch,
    config: ckpt.config,
    arrays: ckpt.model.checkpointArrays().map(encode),
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
  if (body.version !== VERSION) throw new DataFormatError(path, `checkpoint version ${String(body.version)}, this selfprop reads version ${VERSION}`);
  const config = resolveRunConfig(body.config, path);
  const model = createModel(config, RandomStream.fromSeed(config.seed), false);
  const arrays = model.checkpointArrays();
  const stored = body.arrays;
  if (!Array.isArray(stored) || stored.length !== arrays.length) {
    throw new DataFormatError(path, `${Array.isArray(stored) ? stored.length : 'no'} arrays stored, the model needs ${arrays.length}`);
  }
  arrays.forEach((target, i) => {
    const bytes = Buffer.from(String(stored[i]), 'base64');
    if (bytes.length !== target.byteLength) throw new DataFormatError(path, `array ${i}: ${bytes.length} bytes, expected ${target.byteLength}`);
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes);
  });
  const rngState = body.rngState;
  if (!Array.isArray(rngState) || !rngState.every((v) => Number.isInteger(v))) throw new DataFormatError(path, 'random stream state missing');
  return { epoch: Number(body.epoch), config, model, rngState };
}
