/** Weights on disk: a weights JSON file or a directory of W<k>.npy / b<k>.npy (train/weights.ts holds the formats). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from '../errors.js';
import type { ModelParameters } from '../models/model.js';
import { decodeNpy, encodeNpy, type NpyArray } from '../train/npy.js';
import { decodeWeightsJson, decodeWeightsNpy, encodeWeightsJson, encodeWeightsNpy } from '../train/weights.js';
import { readBytes, writeFileAtomic } from './files.js';

/** Load weights (and biases, when given) for a network with these layer sizes. */
export function loadWeights(path: string, layers: readonly number[]): ModelParameters {
  if (!existsSync(path)) throw new DataFormatError(path, 'initial weights not found');
  if (!statSync(path).isDirectory()) return decodeWeightsJson(new TextDecoder().decode(readBytes(path, 'weights file')), layers, path);
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(path)) if (/^[Wb]\d+\.npy$/.test(name)) files.set(name, readBytes(join(path, name), '.npy file'));
  return decodeWeightsNpy(files, layers, path);
}

export function saveWeightsJson(path: string, layers: readonly number[], params: ModelParameters): void {
  writeFileAtomic(path, encodeWeightsJson(layers, params));
}

export function saveWeightsNpy(dir: string, params: ModelParameters): void {
  for (const [name, bytes] of encodeWeightsNpy(params)) writeFileAtomic(join(dir, name), bytes);
}

export function readNpy(path: string): NpyArray {
  return decodeNpy(readBytes(path, '.npy file'), path);
}

export function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
