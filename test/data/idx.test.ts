import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/errors.js';
import { parseIdx } from '../../src/data/idx.js';
import { idxCandidates, readIdx } from '../../src/node/datasets/index.js';

/** Bytes of an IDX file: magic 00 00 type ndims, u32 BE dims, then the data. */
function idx(dims: number[], data: Uint8Array | number[], type = 0x08): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

const dir = mkdtempSync(join(tmpdir(), 'selfprop-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` to `name` in the temp dir and returns the path. */
function put(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The DataFormatError thrown by `fn` (fails the test if it throws anything else or nothing). */
function formatError(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFormatError);
    const e = err as DataFormatError;
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected a DataFormatError, nothing was thrown');
}

const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
const cube = idx([2, 3, 4], pixels);

describe('readIdx: valid files', () => {
  it('reads a raw ubyte file: magic, dims, data', () => {
    const a = readIdx(put('raw-idx3-ubyte', cube));
    expect(a.magic).toBe(0x803);
    expect(a.dtype).toBe('uint8');
    expect(a.dims).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(pixels));
  });

  it('gunzips by magic, whatever the name', () => {
    const gz = gzipSync(cube);
    for (const name of ['a.gz', 'gz-without-suffix']) {
      const a = readIdx(put(name, gz));
      expect(a.dims).toEqual([2, 3, 4]);
      expect(Array.from(a.data)).toEqual(Array.from(pixels));
    }
    // A raw file that is named .gz is read as raw.
    expect(readIdx(put('not-really.gz', cube)).dims).toEqual([2, 3, 4]);
  });

  it('finds name.gz for name, and name for name.gz', () => {
    const gzOnly = put('only-gz.gz', gzipSync(cube));
    expect(readIdx(join(dir, 'only-gz')).file).toBe(gzOnly);
    const rawOnly = put('only-raw', cube);
    expect(readIdx(join(dir, 'only-raw.gz')).file).toBe(rawOnly);
    expect(idxCandidates('x')).toEqual(['x', 'x.gz']);
    expect(idxCandidates('x.gz')).toEqual(['x.gz', 'x']);
  });

  it('takes a list of candidate names, first existing wins', () => {
    const second = put('second', cube);
    expect(readIdx([join(dir, 'nope'), second, join(dir, 'raw-idx3-ubyte')]).file).toBe(second);
  });

  it('checks expected magic and dims, with null as a wildcard', () => {
    const a = readIdx(join(dir, 'raw-idx3-ubyte'), { magic: 0x803, dims: [null, 3, 4] });
    expect(a.dims).toEqual([2, 3, 4]);
  });

  it('reads a 1-d labels file and an empty one', () => {
    expect(Array.from(parseIdx(idx([3], [7, 0, 9], 0x08), 'l').data)).toEqual([7, 0, 9]);
    expect(parseIdx(idx([0], []), 'empty').dims).toEqual([0]);
  });
});

describe('readIdx: errors name the file and what is wrong', () => {
  it('missing file: lists the names tried', () => {
    const missing = join(dir, 'missing-idx1-ubyte');
    const e = formatError(() => readIdx(missing));
    expect(e.file).toBe(missing);
    expect(e.message).toContain('file not found');
    expect(e.message).toContain(`${missing}, ${missing}.gz`);
  });

  it('truncated header: shorter than the 4-byte magic', () => {
    const f = put('tiny', Uint8Array.from([0, 0, 8]));
    const e = formatError(() => readIdx(f));
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/truncated header: expected at least 4 bytes, found 3/);
  });

  it('truncated header: fewer dimension bytes than ndims says', () => {
    const f = put('short-header', cube.subarray(0, 10));
    const e = formatError(() => readIdx(f));
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/truncated header: expected 16 bytes for 3 dimensions, found 10/);
  });

  it('truncated data: expected vs found bytes', () => {
    const f = put('short-data', gzipSync(idx([10, 28, 28], new Uint8Array(1000))));
    const e = formatError(() => readIdx(f));
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/truncated data: dims 10×28×28 imply 7,840 data bytes, found 1,000/);
  });

  it('trailing bytes after the data', () => {
    const f = put('long-data', idx([2], [1, 2, 3]));
    expect(formatError(() => readIdx(f)).message).toMatch(/trailing bytes after data: dims 2 imply 2 data bytes, found 3/);
  });

  it('wrong magic', () => {
    const f = put('labels-not-images', idx([3], [1, 2, 3]));
    const e = formatError(() => readIdx(f, { magic: 0x803 }));
    expect(e.message).toContain(f);
    expect(e.message).toContain('IDX magic 0x00000803 expected, found 0x00000801');
    expect(e.message).not.toContain('gzipped');
  });

  it('a file gzipped twice: magic error that asks whether it is still gzipped', () => {
    const f = put('double.gz', gzipSync(gzipSync(cube)));
    const withExpect = formatError(() => readIdx(f, { magic: 0x803 }));
    expect(withExpect.message).toContain(f);
    expect(withExpect.message).toMatch(/IDX magic 0x00000803 expected, found 0x1f8b08[0-9a-f]{2} — is the file still gzipped\?/);
    const without = formatError(() => readIdx(f));
    expect(without.message).toMatch(/not an IDX file: magic 0x1f8b08.*still gzipped/);
  });

  it('a garbled gzip stream is reported as corrupted gzip', () => {
    const data = Uint8Array.from({ length: 64 * 784 }, (_, i) => (i * 31) % 251);
    const gz = Buffer.from(gzipSync(idx([64, 28, 28], data)));
    const garbled = Buffer.from(gz);
    for (let i = 20; i < garbled.length - 20; i += 7) garbled[i] ^= 0x5a;
    const f = put('garbled.gz', garbled);
    const e = formatError(() => readIdx(f));
    expect(e.message).toContain(f);
    expect(e.message).toContain('corrupted gzip stream');

    const cut = put('cut-gzip', gz.subarray(0, gz.length >> 1));
    expect(formatError(() => readIdx(cut)).message).toMatch(/cut-gzip: corrupted gzip stream/);
  });

  it('unsupported type code', () => {
    const f = put('floats', idx([1], [0, 0, 0, 0], 0x0d));
    const e = formatError(() => readIdx(f));
    expect(e.message).toContain(f);
    expect(e.message).toContain('IDX type code 0x0d (float32) is not supported; only 0x08 (unsigned byte)');
  });

  it('wrong dimensions', () => {
    const f = put('odd-dims', idx([2, 28, 27], new Uint8Array(2 * 28 * 27)));
    const e = formatError(() => readIdx(f, { magic: 0x803, dims: [null, 28, 28] }));
    expect(e.message).toContain(f);
    expect(e.message).toContain('wrong dimensions: expected N×28×28, found 2×28×27');
    const flat = put('flat', idx([2, 784], new Uint8Array(2 * 784)));
    expect(formatError(() => readIdx(flat, { dims: [null, 28, 28] })).message).toContain('found 2×784');
  });
});
