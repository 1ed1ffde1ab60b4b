/**
 * Weights in formats other tools read, bytes in and out. Numbering follows the spec: W<l> connects
 * layer l to layer l+1 (l = 1 … L−1) and b<l> is the bias of layer l (l = 2 … L).
 *  - JSON: { "format": "selfprop-weights", "layers": [...], "weights": [{ "shape": [r, c],
 *    "data": [...] }], "biases": [[...], ...] } (flat row-major; biases of layers 2..L)
 *  - NumPy files W1.npy … and b2.npy … (`numpy.load` reads them; npy.ts)
 * selfprop/node reads and writes them on disk; a page offers them as downloads.
 */
import { ConfigError, DataFormatError, oneLine } from '../errors.js';
import type { ModelParameters } from '../models/model.js';
import { decodeNpy, encodeNpy } from './npy.js';

export function encodeWeightsJson(layers: readonly number[], params: ModelParameters): string {
  return JSON.stringify({
    format: 'selfprop-weights',
    layers,
    weights: params.weights.map((w) => ({ shape: [w.rows, w.cols], data: Array.from(w.data) })),
    biases: params.biases.slice(1).map((b) => Array.from(b)),
  });
}

/** One .npy file per weight matrix and per bias of layers 2 … L, by file name. */
export function encodeWeightsNpy(params: ModelParameters): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  params.weights.forEach((w, k) => files.set(`W${k + 1}.npy`, encodeNpy(w.data, [w.rows, w.cols])));
  params.biases.forEach((b, k) => {
    if (k > 0) files.set(`b${k + 1}.npy`, encodeNpy(b, [b.length]));
  });
  return files;
}

/** Parameters from a weights JSON text, checked against the network's layer sizes. */
export function decodeWeightsJson(text: string, layers: readonly number[], source: string): ModelParameters {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(source, `not valid JSON (${oneLine((err as Error).message)})`);
  }
  const b = (body ?? {}) as { weights?: unknown; biases?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(b.weights)) throw new DataFormatError(source, 'no "weights" array');
  const weights = (b.weights as unknown[]).map((entry, k) => {
    const w = (entry ?? {}) as { shape?: unknown; data?: unknown };
    const [rows, cols] = Array.isArray(w.shape) ? (w.shape as number[]) : [];
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || !Array.isArray(w.data) || rows * cols !== w.data.length) {
      throw new DataFormatError(source, `weights[${k}]: shape and data length disagree`);
    }
    if (!(w.data as unknown[]).every((v) => typeof v === 'number')) throw new DataFormatError(source, `weights[${k}]: data holds a value that is not a number`);
    return { rows, cols, data: finite(Float32Array.from(w.data as number[]), source, `weights[${k}]`) };
  });
  const biasLists = Array.isArray(b.biases) ? (b.biases as unknown[]) : [];
  const biases = [
    new Float32Array(0),
    ...layers.slice(1).map((n, k) => {
      const list = biasLists[k];
      if (list === undefined) return new Float32Array(n);
      if (!Array.isArray(list) || !list.every((v) => typeof v === 'number')) throw new DataFormatError(source, `biases[${k}] is not a list of numbers`);
      return finite(Float32Array.from(list as number[]), source, `biases[${k}]`);
    }),
  ];
  return checkParameters({ weights, biases }, layers, source);
}

/**
 * Parameters from .npy files by name (W1.npy … required, b2.npy … optional), checked against the
 * network's layer sizes.
 */
export function decodeWeightsNpy(files: ReadonlyMap<string, Uint8Array>, layers: readonly number[], source: string): ModelParameters {
  const weights = layers.slice(0, -1).map((_, k) => {
    const name = `W${k + 1}.npy`;
    const bytes = files.get(name);
    if (!bytes) throw new DataFormatError(`${source}/${name}`, 'file not found');
    const { shape, data } = decodeNpy(bytes, `${source}/${name}`);
    if (shape.length !== 2) throw new DataFormatError(`${source}/${name}`, `expected a 2-d array, found ${shape.length > 8 ? `${shape.length} dimensions` : `shape (${shape.join(',')})`}`);
    return { rows: shape[0], cols: shape[1], data: finite(data, `${source}/${name}`, 'the array') };
  });
  const biases = layers.map((n, k) => {
    if (k === 0) return new Float32Array(0);
    const name = `b${k + 1}.npy`;
    const bytes = files.get(name);
    return bytes ? finite(decodeNpy(bytes, `${source}/${name}`).data, `${source}/${name}`, 'the array') : new Float32Array(n);
  });
  return checkParameters({ weights, biases }, layers, source);
}

/**
 * The values, when every one is finite in float32; a DataFormatError naming the first that is not
 * (NaN, ±Infinity, or a number beyond float32's range such as 1e39), which would make every
 * activity NaN from the first batch on.
 */
function finite(values: Float32Array, file: string, what: string): Float32Array {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new DataFormatError(file, `${what}: value ${bad} is ${values[bad]} in float32; weights must be finite`);
  return values;
}

/** Throws a ConfigError naming the first matrix or bias whose size does not fit `layers`. */
export function checkParameters(params: ModelParameters, layers: readonly number[], source: string): ModelParameters {
  if (params.weights.length !== layers.length - 1) {
    throw new ConfigError(`${source}: ${params.weights.length} weight matrices, the network [${layers.join(',')}] needs ${layers.length - 1}`);
  }
  params.weights.forEach((w, k) => {
    if (w.rows !== layers[k] || w.cols !== layers[k + 1]) {
      throw new ConfigError(`${source}: W${k + 1} is ${w.rows}×${w.cols}, the network [${layers.join(',')}] needs ${layers[k]}×${layers[k + 1]}`);
    }
  });
  params.biases.forEach((b, k) => {
    if (k > 0 && b.length !== layers[k]) throw new ConfigError(`${source}: b${k + 1} has ${b.length} entries, expected ${layers[k]}`);
  });
  return params;
}
