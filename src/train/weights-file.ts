/**
 * Weights in formats other tools read. Numbering follows the spec: W<l> connects layer l to
 * layer l+1 (l = 1 … L−1) and b<l> is the bias of layer l (l = 2 … L).
 *  - JSON: { "format": "selfprop-weights", "layers": [...], "weights": [{ "shape": [r, c],
 *    "data": [...] }], "biases": [[...], ...] } (flat row-major; biases of layers 2..L)
 *  - a directory of NumPy files W1.npy … and b2.npy … (`numpy.load` reads them)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataFormatError } from '../errors.js';
import type { SnnParameters } from '../models/snn/network.js';
import { writeFileAtomic } from './atomic.js';
import { readNpy, writeNpy } from './npy.js';

export function saveWeightsJson(path: string, layers: number[], params: SnnParameters): void {
  const body = {
    format: 'selfprop-weights',
    layers,
    weights: params.weights.map((w) => ({ shape: [w.rows, w.cols], data: Array.from(w.data) })),
    biases: params.biases.slice(1).map((b) => Array.from(b)),
  };
  writeFileAtomic(path, JSON.stringify(body));
}

export function saveWeightsNpy(dir: string, params: SnnParameters): void {
  params.weights.forEach((w, k) => writeNpy(join(dir, `W${k + 1}.npy`), w.data, [w.rows, w.cols]));
  params.biases.forEach((b, k) => {
    if (k > 0) writeNpy(join(dir, `b${k + 1}.npy`), b, [b.length]);
  });
}

/** Load weights (and biases, when given) for a network with these layer sizes. */
export function loadWeights(path: string, layers: number[]): SnnParameters {
  if (!existsSync(path)) throw new DataFormatError(path, 'initial weights not found');
  const params = statSync(path).isDirectory() ? loadNpyDir(path, layers) : loadJson(path, layers);
  return params;
}

function loadJson(path: string, layers: number[]): SnnParameters {
  let body: { weights?: { shape?: number[]; data?: number[] }[]; biases?: number[][] };
  try {
    body = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataFormatError(path, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(body.weights)) throw new DataFormatError(path, 'no "weights" array');
  const weights = body.weights.map((w, k) => {
    const [rows, cols] = w.shape ?? [];
    if (!Array.isArray(w.data) || rows * cols !== w.data.length) {
      throw new DataFormatError(path, `weights[${k}]: shape and data length disagree`);
    }
    return { rows, cols, data: Float32Array.from(w.data) };
  });
  const biases = [new Float32Array(0), ...layers.slice(1).map((n, k) => (body.biases?.[k] ? Float32Array.from(body.biases[k]) : new Float32Array(n)))];
  return checked({ weights, biases }, layers, path);
}

function loadNpyDir(dir: string, layers: number[]): SnnParameters {
  const weights = layers.slice(0, -1).map((_, k) => {
    const file = join(dir, `W${k + 1}.npy`);
    const { shape, data } = readNpy(file);
    if (shape.length !== 2) throw new DataFormatError(file, `expected a 2-d array, found shape (${shape.join(',')})`);
    return { rows: shape[0], cols: shape[1], data };
  });
  const biases = layers.map((n, k) => {
    if (k === 0) return new Float32Array(0);
    const file = join(dir, `b${k + 1}.npy`);
    return existsSync(file) ? readNpy(file).data : new Float32Array(n);
  });
  return checked({ weights, biases }, layers, dir);
}

function checked(params: SnnParameters, layers: number[], source: string): SnnParameters {
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
