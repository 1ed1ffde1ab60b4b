/** IDX, gzip and MNIST: `readIdxHeader`, `parseIdx`, `maybeGunzip`, `parseMnistPair`, `mnistFromFiles`. */
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { IDX_TYPES, parseIdx, readIdxHeader, type IdxExpect } from '../../../src/data/idx.js';
import { mnistFromFiles, parseMnistPair, type MnistFiles, type NamedBytes } from '../../../src/data/mnist.js';
import { isGzip, maybeGunzip } from '../../../src/data/source.js';
import { elementCount, expectTypedError, expectTypedOrOk, fuzzParameters, offsetView } from '../harness.js';
import { bytesInputs, concat, type Field } from '../mutations.js';

/** Bytes of an IDX file: 00 00 type ndims, u32 BE dims, then the data. */
export function idxBytes(type: number, dims: readonly number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return concat(head, data);
}

const TYPE_CODES = Object.keys(IDX_TYPES).map(Number);

/** A valid IDX file of any element type, 0–4 small dimensions. */
export const validIdx: fc.Arbitrary<Uint8Array> = fc
  .record({ type: fc.oneof({ weight: 3, arbitrary: fc.constant(0x08) }, fc.constantFrom(...TYPE_CODES)), dims: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }) })
  .chain(({ type, dims }) => {
    const n = elementCount(dims) * IDX_TYPES[type].bytes;
    return fc.uint8Array({ minLength: n, maxLength: n }).map((data) => idxBytes(type, dims, data));
  });

/** Header fields: type code, ndims, every dimension. */
export function idxFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [
    { offset: 2, width: 1, endian: 'be' },
    { offset: 3, width: 1, endian: 'be' },
  ];
  for (let i = 0; i < (bytes[3] ?? 0); i++) fields.push({ offset: 4 + 4 * i, width: 4, endian: 'be' });
  return fields;
}

/** An IDX header claiming a huge array (up to 255 dimensions of 2^32 − 1), with few bytes after it. */
const hugeClaims: fc.Arbitrary<Uint8Array> = fc
  .record({
    ndims: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(32, 33, 255)),
    size: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff),
    zeroAt: fc.option(fc.nat(), { nil: undefined }),
    tail: fc.uint8Array({ maxLength: 16 }),
  })
  .map(({ ndims, size, zeroAt, tail }) => {
    const dims = Array<number>(ndims).fill(size);
    if (zeroAt !== undefined) dims[zeroAt % ndims] = 0;
    return concat(idxBytes(0x08, dims, new Uint8Array(0)), tail);
  });

const idxInputs = fc.oneof({ weight: 6, arbitrary: bytesInputs(validIdx, idxFields) }, { weight: 1, arbitrary: hugeClaims });

const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

const expects: fc.Arbitrary<IdxExpect> = fc.constantFrom<IdxExpect>({}, { magic: 0x803, dims: [null, 28, 28] }, { magic: 0x801, dims: [null] }, { dims: [null, null] }, { magic: 0x803 });

function checkParsed(bytes: Uint8Array, expect: IdxExpect) {
  return (a: ReturnType<typeof parseIdx>) => {
    const ndims = bytes[3];
    if (a.dims.length !== ndims) throw new Error(`dims ${a.dims} but byte 3 says ${ndims}`);
    a.dims.forEach((d, i) => {
      if (d !== u32be(bytes, 4 + 4 * i)) throw new Error(`dim ${i} is ${d}`);
    });
    if (a.data.length !== elementCount(a.dims)) throw new Error(`data length ${a.data.length} ≠ product of dims ${a.dims}`);
    if (4 + 4 * ndims + a.data.length !== bytes.length) throw new Error('header + data ≠ file length');
    if (a.data.byteOffset !== bytes.byteOffset + 4 + 4 * ndims || a.data.buffer !== bytes.buffer) throw new Error('data is not the bytes after the header');
    if (a.magic !== u32be(bytes, 0) || bytes[2] !== 0x08 || a.dtype !== 'uint8') throw new Error('magic or type');
    if (expect.magic !== undefined && a.magic !== expect.magic) throw new Error('expected magic not enforced');
    if (expect.dims && (expect.dims.length !== a.dims.length || expect.dims.some((w, i) => w !== null && w !== a.dims[i]))) throw new Error('expected dims not enforced');
  };
}

// ---------------------------------------------------------------- gzip

/** One gzip member: an IDX file or random bytes, at any level. */
const validGzip: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.oneof(validIdx, fc.uint8Array({ maxLength: 200 })), fc.integer({ min: 0, max: 9 }))
  .map(([raw, level]) => new Uint8Array(gzipSync(raw, { level })));

/** Also two members back to back (zlib reads both; maybeGunzip may refuse, with a typed error). */
const gzipStreams = fc.oneof({ weight: 4, arbitrary: validGzip }, fc.tuple(validGzip, validGzip).map(([a, b]) => concat(a, b)));

/** gzip header (flags, mtime, xfl, os) and trailer (CRC-32, ISIZE) fields. */
function gzipFields(bytes: Uint8Array): Field[] {
  const n = bytes.length;
  return [
    { offset: 2, width: 1, endian: 'le' },
    { offset: 3, width: 1, endian: 'le' },
    { offset: 4, width: 4, endian: 'le' },
    { offset: 8, width: 1, endian: 'le' },
    { offset: n - 8, width: 4, endian: 'le' },
    { offset: n - 4, width: 4, endian: 'le' },
  ].filter((f) => f.offset >= 0) as Field[];
}

const gzipInputs = bytesInputs(gzipStreams, gzipFields);

/** zlib must agree with whatever maybeGunzip returns (the same bytes; zlib refuses nothing it accepts). */
function checkGunzip(input: Uint8Array) {
  return (out: Uint8Array) => {
    if (!isGzip(input)) {
      if (out !== input) throw new Error('bytes without the gzip magic must come back unchanged');
      return;
    }
    let reference: Uint8Array;
    try {
      reference = gunzipSync(input);
    } catch (err) {
      // fflate does not compare a stored block's NLEN with its LEN; the output is still CRC-checked.
      if ((err as Error).message === 'invalid stored block lengths') return;
      throw new Error(`maybeGunzip accepted a stream zlib refuses (${(err as Error).message})`);
    }
    if (Buffer.compare(Buffer.from(reference), Buffer.from(out)) !== 0) throw new Error(`maybeGunzip gave ${out.length} bytes, zlib ${reference.length}`);
  };
}

// ---------------------------------------------------------------- MNIST

interface MnistCase {
  files: MnistFiles;
  limits: { trainLimit?: number; testLimit?: number };
}

/** One split's images (n × 28 × 28, magic 0x803) and labels (n, magic 0x801). */
const split = fc.record({ n: fc.integer({ min: 0, max: 2 }), seed: fc.nat(), gz: fc.boolean(), labelGz: fc.boolean() }).map(({ n, seed, gz, labelGz }) => ({
  images: idxBytes(0x08, [n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => (i * 31 + seed) & 0xff)),
  labels: idxBytes(0x08, [n], Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10)),
  gz,
  labelGz,
}));

const limitValue = fc.option(fc.constantFrom(1, 2, 3, 0, -1, 1.5, Number.NaN, 2 ** 53), { nil: undefined, freq: 2 });

function named(file: string, bytes: Uint8Array, gz: boolean): NamedBytes {
  return { file, bytes: gz ? new Uint8Array(gzipSync(bytes)) : bytes };
}

const mnistCases: fc.Arbitrary<MnistCase> = fc
  .record({
    train: split,
    test: split,
    which: fc.integer({ min: 0, max: 4 }),
    trainLimit: limitValue,
    testLimit: limitValue,
    op: fc.integer({ min: 0, max: 7 }),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    value: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ train, test, which, trainLimit, testLimit, op, at, value }) => {
    const parts: Uint8Array[] = [train.images, train.labels, test.images, test.labels].map((b) => b.slice());
    if (which < 4) {
      // One file damaged: truncated, a byte set, or a label pushed out of 0..9.
      const b = parts[which];
      const p = Math.floor(at * b.length);
      if (op === 0) parts[which] = b.slice(0, p);
      else if (op === 1 && b.length > 0) b[p] = value;
      else if (op === 2 && b.length > 0) b[b.length - 1] = 10 + (value % 246);
      else if (op === 3 && b.length >= 8) new DataView(b.buffer).setUint32(4, [0, 1, 3, 0x7fffffff, 0xffffffff][value % 5]);
      else if (op === 4) parts[which] = concat(b, Uint8Array.of(value));
      else if (op === 5 && b.length >= 4) b[2] = value;
    }
    const files: MnistFiles = {
      train: { images: named('train-images', parts[0], train.gz), labels: named('train-labels', parts[1], train.labelGz) },
      t10k: { images: named('t10k-images', parts[2], test.gz), labels: named('t10k-labels', parts[3], test.labelGz) },
    };
    return { files, limits: { trainLimit, testLimit } };
  });

function checkDataset(d: { count: number; inputs: Float32Array; targets: Float32Array; labels?: Uint8Array; inputSize: number; targetSize: number }, limit: number | undefined): void {
  if (!(d.count >= 1) || d.inputSize !== 784 || d.targetSize !== 10) throw new Error(`count ${d.count}`);
  if (limit !== undefined && d.count > limit) throw new Error(`count ${d.count} above the limit ${limit}`);
  if (d.inputs.length !== d.count * 784 || d.targets.length !== d.count * 10 || d.labels?.length !== d.count) throw new Error('array lengths');
  if (!d.inputs.every((v) => v >= 0 && v <= 1)) throw new Error('pixel outside [0, 1]');
  for (let r = 0; r < d.count; r++) {
    const row = d.targets.subarray(r * 10, r * 10 + 10);
    if (row.reduce((a, b) => a + b, 0) !== 1 || row[d.labels![r]] !== 1) throw new Error(`row ${r} target is not one-hot at its label`);
  }
}

export function idxProperties(runs: number): void {
  describe('IDX', () => {
    it('readIdxHeader: a header or a DataFormatError; dataBytes = product of dims × element width', () => {
      fc.assert(
        fc.property(idxInputs, (bytes) => {
          expectTypedOrOk(
            () => readIdxHeader(bytes, 'h.idx'),
            (h) => {
              if (h.headerBytes !== 4 + 4 * h.dims.length || h.dims.length !== bytes[3] || bytes.length < h.headerBytes) throw new Error('headerBytes');
              const expected = elementCount(h.dims) * IDX_TYPES[h.typeCode].bytes;
              if (!Object.is(h.dataBytes, expected)) throw new Error(`dataBytes ${h.dataBytes}, dims ${h.dims.join('×')} imply ${expected}`);
            },
            { file: 'h.idx', inputBytes: bytes.length },
          );
        }),
        fuzzParameters(runs),
      );
    });

    it('parseIdx: data length = product of dims, and the data are the bytes after the header', () => {
      fc.assert(
        fc.property(idxInputs, expects, fc.integer({ min: 0, max: 9 }), (raw, expect, pad) => {
          const bytes = pad ? offsetView(raw, pad) : raw;
          expectTypedOrOk(() => parseIdx(bytes, 'p.idx', expect), checkParsed(bytes, expect), { file: 'p.idx', inputBytes: bytes.length });
        }),
        fuzzParameters(runs),
      );
    });

    it('parseIdx: every truncation of a valid file is refused', () => {
      fc.assert(
        fc.property(validIdx, (bytes) => {
          for (let n = 0; n < bytes.length; n++) {
            expectTypedError(expectTypedOrOk(() => parseIdx(bytes.subarray(0, n), 't.idx'), undefined, { file: 't.idx' }), `cut at ${n} of ${bytes.length}`);
          }
        }),
        fuzzParameters(runs, 0.25),
      );
    });

    it('a header claiming up to 2^32 − 1 elements per dimension fails fast, without allocating', () => {
      fc.assert(
        fc.property(hugeClaims, (bytes) => {
          const started = performance.now();
          expectTypedOrOk(() => parseIdx(bytes, 'huge.idx'), checkParsed(bytes, {}), { file: 'huge.idx', inputBytes: bytes.length });
          if (performance.now() - started > 200) throw new Error('slow');
        }),
        fuzzParameters(runs, 0.25),
      );
    });
  });

  describe('gzip', () => {
    it('maybeGunzip: the bytes zlib gives, or a DataFormatError', () => {
      fc.assert(
        fc.property(fc.oneof({ weight: 4, arbitrary: gzipInputs }, fc.uint8Array({ maxLength: 40 }).map((b) => concat(Uint8Array.of(0x1f, 0x8b), b))), (bytes) => {
          expectTypedOrOk(() => maybeGunzip(bytes, 'g.gz'), checkGunzip(bytes), { file: 'g.gz', inputBytes: bytes.length * 1100 });
        }),
        fuzzParameters(runs),
      );
    });

    it('maybeGunzip: every truncation of a gzip stream is refused', () => {
      fc.assert(
        fc.property(validGzip, (bytes) => {
          for (let n = 2; n < bytes.length; n++) {
            expectTypedError(expectTypedOrOk(() => maybeGunzip(bytes.subarray(0, n), 'tg.gz'), undefined, { file: 'tg.gz' }), `cut at ${n} of ${bytes.length}`);
          }
        }),
        fuzzParameters(runs, 0.1),
      );
    });

    it('parseIdx through gzip: IDX rules after inflating', () => {
      fc.assert(
        fc.property(bytesInputs(validIdx.map((b) => new Uint8Array(gzipSync(b))), gzipFields), (bytes) => {
          expectTypedOrOk(
            () => parseIdx(maybeGunzip(bytes, 'i.gz'), 'i.gz'),
            (a) => {
              if (a.data.length !== elementCount(a.dims)) throw new Error('data length');
            },
            { file: 'i.gz', inputBytes: bytes.length * 1100 },
          );
        }),
        fuzzParameters(runs),
      );
    });
  });

  describe('MNIST', () => {
    it('mnistFromFiles / parseMnistPair: one-hot rows of 784 pixels in [0, 1], or a typed error', () => {
      fc.assert(
        fc.property(mnistCases, ({ files, limits }) => {
          const inputBytes = [files.train.images, files.train.labels, files.t10k.images, files.t10k.labels].reduce((s, f) => s + f.bytes.length, 0);
          expectTypedOrOk(
            () => mnistFromFiles(files, limits),
            (task) => {
              checkDataset(task.train, limits.trainLimit);
              checkDataset(task.test, limits.testLimit);
            },
            { inputBytes: inputBytes * 1100 },
          );
          expectTypedOrOk(
            () => parseMnistPair(files.train.images, files.train.labels),
            ({ images, labels }) => {
              if (images.dims[0] !== labels.dims[0] || images.data.length !== images.dims[0] * 784) throw new Error('counts');
              if (!labels.data.every((v) => v < 10)) throw new Error('label outside 0..9');
            },
            { inputBytes: inputBytes * 1100 },
          );
        }),
        fuzzParameters(runs, 0.5),
      );
    });
  });
}
