import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/train/npy.js';
import { readNpy, writeNpy } from '../../src/node/weights-files.js';

const dir = mkdtempSync(join(tmpdir(), 'selfprop-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.npy', () => {
  it('round-trips float32 exactly, with the header numpy writes (64-byte aligned)', () => {
    const data = Float32Array.from([1.5, -2, 3.25, Math.fround(0.1), 0, 7]);
    const bytes = encodeNpy(data, [2, 3]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(Buffer.from(bytes.subarray(10, 10 + headerLength)).toString()).toContain("'shape': (2, 3)");
    writeNpy(join(dir, 'a.npy'), data, [2, 3]);
    const back = readNpy(join(dir, 'a.npy'));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('reads float64 arrays written by numpy (converted to float32)', () => {
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const bytes = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([padded.length]).buffer), Buffer.from(padded), Buffer.from(new Float64Array([0.5, -1]).buffer)]);
    expect(Array.from(decodeNpy(bytes, 'x.npy').data)).toEqual([0.5, -1]);
  });

  it('rejects bad files with the file named', () => {
    writeFileSync(join(dir, 'bad.npy'), 'hello world, not numpy');
    expect(() => readNpy(join(dir, 'bad.npy'))).toThrow(/bad\.npy.*not a NumPy/);
    const full = encodeNpy(new Float32Array(4), [4]);
    const truncated = full.subarray(0, full.length - 6);
    expect(() => decodeNpy(truncated, 't.npy')).toThrow(/t\.npy: shape \(4\) needs 16 data bytes, found 10/);
    expect(() => readNpy(join(dir, 'missing.npy'))).toThrow(/missing\.npy/);
  });
});
