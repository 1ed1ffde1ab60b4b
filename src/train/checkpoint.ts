/**
 * Checkpoints: everything needed to continue a run bit for bit — the resolved config, every array
 * the model lists (parameters and persistent state: V, g, particles, STP, …), the random stream's
 * state and the number of finished epochs. Arrays are stored as base64 of their little-endian
 * bytes, so they round-trip exactly. Written atomically at each epoch end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';
import { NO_ROWS, type Model, type SplitRows } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { RandomStream } from '../tensor/index.js';
import { writeFileAtomic } from './atomic.js';
import { resolveRunConfig, type RunConfig } from './run-config.js';

export const CHECKPOINT_FORMAT = 'selfprop-checkpoint';
const VERSION = 3;

export interface Checkpoint {
  /** Epochs finished. */
  readonly epoch: number;
  readonly config: RunConfig;
  readonly model: Model;
  readonly rngState: number[];
  /** Rows of each split the run used (sizes the per-example state of §2 models). */
  readonly rows: SplitRows;
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
    rows: ckpt.rows,
  };
  writeFileAtomic(path, JSON.stringify(body));
}

/**
 * Read a checkpoint. `expectedRows`, when given (a resumed run), must equal the rows the run was
 * made with: per-example state is indexed by row.
 */
export function loadCheckpoint(path: string, expectedRows?: SplitRows): Checkpoint {
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
  const rows = readRows(path, body.rows);
  if (expectedRows && (['train', 'validation', 'test'] as const).some((k) => expectedRows[k] !== rows[k])) {
    throw new DataFormatError(path, `made on ${describeRows(rows)}, but the data now has ${describeRows(expectedRows)}; resume with the run's own data and limits`);
  }
  const model = createModel(config, RandomStream.fromSeed(config.seed), false, rows);
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
  return { epoch: Number(body.epoch), config, model, rngState, rows };
}

function readRows(path: string, value: unknown): SplitRows {
  if (value === undefined) return NO_ROWS;
  const v = value as Record<string, unknown>;
  const ok = (['train', 'validation', 'test'] as const).every((k) => Number.isInteger(v[k]) && (v[k] as number) >= 0);
  if (!ok) throw new DataFormatError(path, 'row counts ("rows") are not three non-negative integers');
  return { train: v.train as number, validation: v.validation as number, test: v.test as number };
}

const describeRows = (r: SplitRows) => `${r.train} training / ${r.validation} validation / ${r.test} test rows`;
