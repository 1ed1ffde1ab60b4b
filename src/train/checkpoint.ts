/**
 * Checkpoints: everything needed to continue a run bit for bit — the resolved config, every array
 * the model names (parameters and persistent state: V, g, particles, STP, per-example states, Adam
 * moments, …) with its shape and dtype, the random stream's state, the number of finished epochs,
 * the metrics of every finished epoch, and the rows of each split. Stored as a safetensors file
 * (safetensors.ts) whose metadata carries the rest as JSON strings, with a format name and version.
 *
 * Arrays are restored by name: a missing, extra or reshaped array is an error that names it.
 * Checkpoints of version 3 (selfprop 0.1: JSON with positional base64 arrays) are still read.
 */
import { decodeBase64 } from '../encoding.js';
import { ConfigError, DataFormatError, oneLine, quoteJson, quoteText } from '../errors.js';
import { NO_ROWS, SPLITS, type Model, type NamedArray, type SplitRows } from '../models/model.js';
import { RandomStream } from '../tensor/index.js';
import { batchRows, createModel, type EpochMetrics, type ResumePoint } from './loop.js';
import { modelLayers, resolveRunConfig, type RunConfig } from './run-config.js';
import { bytesOf, decodeSafetensors, decodeSafetensorsHeader, encodeSafetensors, type Tensor } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'selfprop-checkpoint';
export const CHECKPOINT_VERSION = 4;

export interface Checkpoint extends ResumePoint {
  readonly config: RunConfig;
  /** Rows of each split the run used (sizes the per-example state of §2 models). */
  readonly rows: SplitRows;
}

export interface CheckpointContents {
  readonly epoch: number;
  readonly config: RunConfig;
  readonly model: Model;
  readonly rngState: readonly number[];
  readonly history: readonly EpochMetrics[];
  readonly rows: SplitRows;
}

const dtypeOf = (a: NamedArray): 'F32' | 'U8' => (a.data instanceof Float32Array ? 'F32' : 'U8');

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const tensors: Tensor[] = c.model.stateArrays().map((a) => ({ name: a.name, dtype: dtypeOf(a), shape: a.shape, bytes: bytesOf(a.data) }));
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    epoch: String(c.epoch),
    config: JSON.stringify(c.config),
    rows: JSON.stringify(c.rows),
    rngState: JSON.stringify(c.rngState),
    history: JSON.stringify(c.history),
  });
}

/** What the start of a checkpoint file says, without its arrays (its first bytes are enough). */
export interface CheckpointSummary {
  readonly epoch: number;
  readonly history: EpochMetrics[];
  readonly config: unknown;
}

/** The summary from the first bytes of a checkpoint (`size` = the whole file's length). */
export function readCheckpointSummary(head: Uint8Array, file: string, size: number): CheckpointSummary {
  if (head[0] === 0x7b /* '{' */) throw new DataFormatError(file, 'a version-3 checkpoint (JSON): read it whole with decodeCheckpoint');
  const { metadata } = decodeSafetensorsHeader(head, file, size);
  checkFormat(metadata, file);
  return { epoch: intField(metadata, 'epoch', file), history: readHistory(file, jsonField(metadata, 'history', file)), config: jsonField(metadata, 'config', file) };
}

/**
 * Decode a checkpoint file's bytes. `expectedRows`, when given (a resumed run), must equal the rows
 * the run was made with: per-example state is indexed by row.
 */
export function decodeCheckpoint(bytes: Uint8Array, file: string, expectedRows?: SplitRows): Checkpoint {
  if (bytes[0] === 0x7b /* '{' */) return decodeVersion3(bytes, file, expectedRows);
  const { metadata, tensors } = decodeSafetensors(bytes, file);
  checkFormat(metadata, file);
  const config = storedConfig(jsonField(metadata, 'config', file), file);
  const rows = readRows(file, jsonField(metadata, 'rows', file));
  checkRows(file, rows, expectedRows);
  checkStateFits(file, config, rows, [...tensors.values()].reduce((sum, t) => sum + t.bytes.length, 0));
  const model = createModel(config, RandomStream.fromSeed(config.seed), rows);
  const wanted = model.stateArrays();
  for (const a of wanted) {
    const t = tensors.get(a.name);
    if (!t) throw new DataFormatError(file, `array "${a.name}" missing: not a checkpoint of this model (${config.model} [${model.layers.join(',')}])`);
    if (t.dtype !== dtypeOf(a) || t.shape.length !== a.shape.length || t.shape.some((d, i) => d !== a.shape[i])) {
      throw new DataFormatError(file, `array "${a.name}" is ${t.dtype} [${shortShape(t.shape)}], the model needs ${dtypeOf(a)} [${a.shape.join(',')}]`);
    }
    bytesOf(a.data).set(t.bytes);
  }
  const extra = [...tensors.keys()].filter((name) => !wanted.some((a) => a.name === name));
  if (extra.length > 0) throw new DataFormatError(file, `array ${quoteText(extra[0])} is not part of this model (${config.model} [${model.layers.join(',')}])`);
  const rngState = readRngState(file, jsonField(metadata, 'rngState', file));
  const history = readHistory(file, jsonField(metadata, 'history', file));
  return { epoch: intField(metadata, 'epoch', file), config, model, rngState, history, rows };
}

/**
 * The run config a checkpoint stores, resolved. A damaged one is a ConfigError naming the file, on
 * one line (the schema's messages quote keys as they are, line breaks included).
 */
function storedConfig(value: unknown, file: string): RunConfig {
  try {
    return resolveRunConfig(value, file, { stored: true });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(oneLine(err.message, 300));
    throw err;
  }
}

function checkFormat(metadata: Readonly<Record<string, string>>, file: string): void {
  if (metadata.format !== CHECKPOINT_FORMAT) throw new DataFormatError(file, `not a selfprop checkpoint (format ${quoteJson(metadata.format ?? null)})`);
  if (metadata.version !== String(CHECKPOINT_VERSION)) {
    throw new DataFormatError(file, `checkpoint version ${quoteJson(metadata.version ?? null)}, this selfprop reads versions 3 and ${CHECKPOINT_VERSION}`);
  }
}

function jsonField(metadata: Readonly<Record<string, string>>, key: string, file: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new DataFormatError(file, `metadata "${key}" missing`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(file, `metadata "${key}" is not JSON (${oneLine((err as Error).message)})`);
  }
}

function intField(metadata: Readonly<Record<string, string>>, key: string, file: string): number {
  const value = Number(metadata[key]);
  if (!Number.isSafeInteger(value) || value < 0) throw new DataFormatError(file, `metadata "${key}" is not a non-negative integer`);
  return value;
}

function readRows(file: string, value: unknown): SplitRows {
  if (value === undefined) return NO_ROWS;
  const v = (value ?? {}) as Record<string, unknown>;
  const ok = SPLITS.every((k) => Number.isSafeInteger(v[k]) && (v[k] as number) >= 0);
  if (!ok) throw new DataFormatError(file, 'row counts ("rows") are not three non-negative integers');
  return { train: v.train as number, validation: v.validation as number, test: v.test as number };
}

function checkRows(file: string, rows: SplitRows, expected?: SplitRows): void {
  if (expected && SPLITS.some((k) => expected[k] !== rows[k])) {
    throw new DataFormatError(file, `made on ${describeRows(rows)}, but the data now has ${describeRows(expected)}; resume with the run's own data and limits`);
  }
}

/** xoroshiro128+'s state as RandomStream.state() gives it: four int32 words. */
const RNG_STATE_WORDS = 4;

function readRngState(file: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new DataFormatError(file, 'random stream state missing');
  if (value.length !== RNG_STATE_WORDS || !value.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
    throw new DataFormatError(file, `random stream state ${quoteJson(value)} is not ${RNG_STATE_WORDS} 32-bit integers (xoroshiro128+)`);
  }
  return value as number[];
}

/** The epochs' metrics: a list of objects, each with its epoch number. */
function readHistory(file: string, value: unknown): EpochMetrics[] {
  if (!Array.isArray(value)) throw new DataFormatError(file, 'metadata "history" is not a list of epochs');
  const bad = value.findIndex((m) => m === null || typeof m !== 'object' || Array.isArray(m) || !Number.isSafeInteger((m as { epoch?: unknown }).epoch));
  if (bad >= 0) throw new DataFormatError(file, `metadata "history" entry ${bad} is not an epoch's metrics (an object with an integer "epoch")`);
  return value as EpochMetrics[];
}

const shortShape = (shape: readonly number[]) => (shape.length <= 8 ? shape.join(',') : `${shape.slice(0, 3).join(',')},…,${shape.slice(-2).join(',')}`);
const fmt = (n: number) => (n > Number.MAX_SAFE_INTEGER ? n.toPrecision(4) : n.toLocaleString('en-US'));

/**
 * Bytes of arrays a checkpoint of this config and these rows surely holds: the parameters (weights
 * W1 … and biases b2 …, float32) and, per family, one array of the state that grows with the run:
 * the SNN's V per batch row (it keeps g and the particles too), one Adam moment of the spiking MLP
 * (it keeps two), the energy ANN's per-example states of every split. A lower bound with a margin,
 * checked against the bytes the file's arrays actually hold BEFORE the model is built, so that a
 * damaged config or row count (layers of 10^9 neurons, 2^40 rows) is a DataFormatError instead of
 * an attempt to allocate what the file does not hold; what the model then allocates is a small
 * multiple of it.
 */
function minimumStateBytes(config: RunConfig, rows: SplitRows): number {
  const layers = modelLayers(config);
  let weights = 0;
  let neurons = 0; // every layer but the input
  for (let k = 0; k + 1 < layers.length; k++) {
    weights += layers[k] * layers[k + 1];
    neurons += layers[k + 1];
  }
  const parameters = weights + neurons;
  switch (config.model) {
    case 'snn':
      // createModel sizes the per-batch state for the largest batch the run makes.
      return 4 * (parameters + batchRows(config.batchSize, rows) * neurons);
    case 'smlp':
      return 4 * 2 * parameters;
    case 'ann':
      return 4 * (parameters + (rows.train + rows.validation + rows.test) * neurons);
  }
}

function checkStateFits(file: string, config: RunConfig, rows: SplitRows, storedBytes: number): void {
  const needed = minimumStateBytes(config, rows);
  if (needed > storedBytes) {
    throw new DataFormatError(
      file,
      `its config (${config.model} [${modelLayers(config).join(',')}], batch ${config.batchSize}) and ${describeRows(rows)} need at least ${fmt(needed)} bytes of arrays, the file holds ${fmt(storedBytes)}`,
    );
  }
}

const describeRows = (r: SplitRows) => `${r.train} training / ${r.validation} validation / ${r.test} test rows`;

/** selfprop 0.1's checkpoints: JSON, arrays as positional base64 in the model's (unchanged) order, no history. */
function decodeVersion3(bytes: Uint8Array, file: string, expectedRows?: SplitRows): Checkpoint {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new DataFormatError(file, `not a readable checkpoint (${oneLine((err as Error).message)})`);
  }
  if (body === null || typeof body !== 'object' || body.format !== CHECKPOINT_FORMAT) throw new DataFormatError(file, `not a selfprop checkpoint (format ${quoteJson(body?.format ?? null)})`);
  if (body.version !== 3) throw new DataFormatError(file, `checkpoint version ${quoteJson(body.version ?? null)}, this selfprop reads versions 3 and ${CHECKPOINT_VERSION}`);
  const config = storedConfig(body.config, file);
  const rows = readRows(file, body.rows);
  checkRows(file, rows, expectedRows);
  // Base64 holds at most 3 bytes per 4 characters.
  const storedBytes = Array.isArray(body.arrays) ? body.arrays.reduce((sum: number, a: unknown) => sum + (typeof a === 'string' ? Math.ceil((a.length * 3) / 4) : 0), 0) : 0;
  checkStateFits(file, config, rows, storedBytes);
  const model = createModel(config, RandomStream.fromSeed(config.seed), rows);
  const arrays = model.stateArrays();
  const stored = body.arrays;
  if (!Array.isArray(stored) || stored.length !== arrays.length) {
    throw new DataFormatError(file, `${Array.isArray(stored) ? stored.length : 'no'} arrays stored, the model needs ${arrays.length}`);
  }
  arrays.forEach((target, i) => {
    let raw: Uint8Array;
    try {
      raw = decodeBase64(String(stored[i]));
    } catch {
      throw new DataFormatError(file, `array ${i} (${target.name}) is not base64`);
    }
    if (raw.length !== target.data.byteLength) throw new DataFormatError(file, `array ${i} (${target.name}): ${raw.length} bytes, expected ${target.data.byteLength}`);
    bytesOf(target.data).set(raw);
  });
  const epoch = Number(body.epoch);
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new DataFormatError(file, '"epoch" is not a non-negative integer');
  return { epoch, config, model, rngState: readRngState(file, body.rngState), history: [], rows };
}
