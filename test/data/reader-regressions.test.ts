/**
 * The data-reader bugs the fuzzers (test/fuzz) found, one deterministic case each: IDX, gzip,
 * AEDAT 3.1, DVS labels and NETtalk. (AEDAT 2.0 and N-MNIST: their own test files.)
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAedat3 } from '../../src/data/dvsgesture/aedat3.js';
import { parseGestureLabels } from '../../src/data/dvsgesture/labels.js';
import { parseIdx, readIdxHeader } from '../../src/data/idx.js';
import { parseNettalkData, parseNettalkList } from '../../src/data/nettalk/corpus.js';
import { nettalkFromTexts } from '../../src/data/nettalk/load.js';
import { maybeGunzip } from '../../src/data/source.js';
import { DataFormatError } from '../../src/errors.js';
import { aedat3Bytes } from './dvsgesture/writers.js';

/** The DataFormatError `fn` throws, checked to be one line. */
function formatError(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).not.toMatch(/[\r\n]/);
    return err as DataFormatError;
  }
  throw new Error('expected a DataFormatError, nothing was thrown');
}

async function formatErrorAsync(p: Promise<unknown>): Promise<DataFormatError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFormatError);
  expect((err as Error).message).not.toMatch(/[\r\n]/);
  return err as DataFormatError;
}

function idxHeader(dims: number[]): Uint8Array {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = 0x08;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

describe('IDX', () => {
  it('a zero dimension makes the array empty, whatever the others claim (was: dataBytes NaN)', () => {
    const dims = [...Array<number>(40).fill(0xffffffff), 0];
    expect(readIdxHeader(idxHeader(dims), 'z').dataBytes).toBe(0);
    expect(parseIdx(idxHeader(dims), 'z').data.length).toBe(0);
  });

  it('a 20-byte file whose header claims 4 G elements fails fast, without allocating them', () => {
    const bytes = Uint8Array.from([0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(12)]);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    expect(formatError(() => parseIdx(bytes, 'big.idx')).message).toBe('big.idx (byte 8): truncated data: dims 4294967295 imply 4,294,967,295 data bytes, found 12');
    expect(performance.now() - started).toBeLessThan(100);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('255 huge dimensions give a short message, fast (was: 2,875 characters)', () => {
    const bytes = idxHeader(Array<number>(255).fill(0xffffffff));
    const e = formatError(() => parseIdx(bytes, 'huge.idx'));
    expect(e.message).toBe('huge.idx (byte 1024): truncated data: dims 4294967295×4294967295×4294967295×…×4294967295×4294967295 (255 dimensions) imply Infinity data bytes, found 0');
  });
});

describe('gzip', () => {
  const member = new Uint8Array(gzipSync(Buffer.from('hello')));

  it('a header whose extra field runs past the end (was: read as an empty file)', () => {
    const bytes = Uint8Array.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 0xff, 0x7f, ...new Uint8Array(14)]);
    expect(formatError(() => maybeGunzip(bytes, 'x.gz')).message).toBe('x.gz (byte 10): truncated gzip header: the extra field runs past the end of the stream');
  });

  it('19 bytes cut from the 20-byte gzip of an empty file (was: read as empty)', () => {
    const empty = new Uint8Array(gzipSync(Buffer.alloc(0)));
    expect(formatError(() => maybeGunzip(empty.subarray(0, 19), 'e.gz')).message).toBe('e.gz (byte 0): truncated gzip stream: 19 bytes, a gzip stream has at least 20');
    expect(maybeGunzip(empty, 'e.gz').length).toBe(0);
  });

  it('every member is checked: a damaged CRC in the first of two (was: only the last trailer checked)', () => {
    expect(Buffer.from(maybeGunzip(Buffer.concat([member, member]), 'two.gz')).toString()).toBe('hellohello');
    const bad = Buffer.concat([member, member]);
    bad[member.length - 8] ^= 1;
    expect(formatError(() => maybeGunzip(bad, 'bad.gz')).message).toBe(`bad.gz: corrupted gzip stream (member 1 of 2: CRC-32 mismatch with the trailer at byte ${member.length - 8})`);
  });

  it('bytes after a member that fflate would drop: a second header cut short (was: accepted, the rest ignored)', () => {
    const cut = Buffer.concat([member, Buffer.from([0x1f, 0x8b, 8, 0x1f, 0, 0, 0, 0, 0, 3, 4, 3]), member]);
    expect(formatError(() => maybeGunzip(cut, 'cut.gz')).message).toMatch(/^cut\.gz: corrupted gzip stream/);
  });
});

describe('AEDAT 3.1', () => {
  it('#!END-HEADER cut before its line end (was: an empty recording)', async () => {
    const whole = aedat3Bytes([]);
    const e = await formatErrorAsync(readAedat3({ name: 'c.aedat', bytes: whole.subarray(0, whole.length - 1) }));
    expect(e.message).toBe(`c.aedat (byte ${whole.length - 14}): header line #!END-HEADER is cut short: the file ends before its line end`);
    expect((await readAedat3({ name: 'c.aedat', bytes: whole })).stats.events).toBe(0); // a whole header: an empty recording
  });

  it('an eventTSOverflow whose timestamps pass 2^53 µs (was: inexact timestamps)', async () => {
    const bytes = aedat3Bytes([{ events: [{ x: 1, y: 2, p: 1, t: 5 }], tsOverflow: 2 ** 22 }]);
    const e = await formatErrorAsync(readAedat3({ name: 'o.aedat', bytes }));
    expect(e.message).toContain('eventTSOverflow 4194304, more than 4194303');
    const last = aedat3Bytes([{ events: [{ x: 1, y: 2, p: 1, t: 2 ** 31 - 1 }], tsOverflow: 2 ** 22 - 1 }]);
    expect(Array.from((await readAedat3({ name: 'o.aedat', bytes: last })).events.t)).toEqual([2 ** 53 - 1]);
  });
});

describe('messages quote at most 80 characters of a line', () => {
  const long = 'x'.repeat(3000);

  it('DVS labels', () => {
    const e = formatError(() => parseGestureLabels(long, 'l.csv'));
    expect(e.message).toBe(`l.csv (line 1): header "class,startTime_usec,endTime_usec" expected, found "${'x'.repeat(80)}…"`);
  });

  it('NETtalk corpus and list', () => {
    expect(formatError(() => parseNettalkData(`${long}\ta\t<\t0`, 'c.data')).message.length).toBeLessThan(300);
    expect(formatError(() => parseNettalkList(`(A)${long}`, 'c.list')).message.length).toBeLessThan(200);
  });
});

describe('NETtalk', () => {
  it('a full split that would leave one side empty (was: 0 test rows)', () => {
    const e = formatError(() => nettalkFromTexts({ file: 'one.data', text: 'a\ta\t<\t0' }, undefined, { mode: 'full' }));
    expect(e.message).toBe('one.data: 1 distinct word(s) are too few to split by word with test fraction 0.1: 1 would train and 0 test');
  });
});
