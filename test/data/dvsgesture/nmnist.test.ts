import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { decodeNmnist } from '../../../src/data/dvsgesture/nmnist.js';
import { readNmnistFile } from '../../../src/node/datasets/index.js';
import { nmnistBytes, sharedFile } from './writers.js';

describe('N-MNIST .bin reader', () => {
  it('decodes x, y, polarity bit 7 and the 23-bit big-endian timestamp', () => {
    const events = [
      { x: 0, y: 33, p: 1, t: 0x7fffff },
      { x: 33, y: 0, p: 0, t: 0x012345 },
      { x: 17, y: 5, p: 1, t: 654 },
    ];
    const e = decodeNmnist(nmnistBytes(events), 'fixture.bin');
    expect(e.sensorSize).toEqual([34, 34, 2]);
    expect(Array.from(e.x)).toEqual([0, 33, 17]);
    expect(Array.from(e.y)).toEqual([33, 0, 5]);
    expect(Array.from(e.p)).toEqual([1, 0, 1]);
    expect(Array.from(e.t)).toEqual([0x7fffff, 0x012345, 654]);
    // The layout by hand: bytes 17, 5, 0x80 | 0, 0x02, 0x8E = t 654, ON.
    expect(Array.from(nmnistBytes([events[2]]))).toEqual([17, 5, 0x80, 0x02, 0x8e]);
  });

  it('rejects a length that is not a multiple of 5, and coordinates off the 34 × 34 sensor', () => {
    expect(() => decodeNmnist(new Uint8Array(12), 'a.bin')).toThrow(DataFormatError);
    expect(() => decodeNmnist(new Uint8Array(12), 'a.bin')).toThrow('a.bin (byte 10): truncated event: file length 12 is not a multiple of 5');
    expect(() => decodeNmnist(nmnistBytes([{ x: 34, y: 0, p: 0, t: 0 }]), 'b.bin')).toThrow('b.bin (byte 0): event at x 34, y 0 lies outside the 34×34 sensor');
  });

  it('rejects an empty file (it used to give 0 events)', () => {
    expect(() => decodeNmnist(new Uint8Array(0), 'empty.bin')).toThrow(DataFormatError);
    expect(() => decodeNmnist(new Uint8Array(0), 'empty.bin')).toThrow('empty.bin (byte 0): empty file: an N-MNIST sample holds 5-byte events');
  });

  const file = sharedFile('data', 'nmnist-sample', 'sample_nmnist.bin');
  it.skipIf(!file)('the real tonic sample: 4,325 events, t 654..311,175 µs, polarity 2,180 / 2,145', async () => {
    const e = await readNmnistFile(file as string);
    expect(e.t.length).toBe(4325);
    expect(Math.min(...e.t)).toBe(654);
    expect(Math.max(...e.t)).toBe(311_175);
    expect([Math.min(...e.x), Math.max(...e.x), Math.min(...e.y), Math.max(...e.y)]).toEqual([0, 33, 0, 33]);
    const on = e.p.reduce((n, p) => n + p, 0);
    expect([4325 - on, on]).toEqual([2180, 2145]);
  });
});
