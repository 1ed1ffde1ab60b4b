import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { openAedat3File, readAedat3File } from '../../../src/node/datasets/index.js';
import { eventCount, type Events } from '../../../src/data/dvsgesture/events.js';
import { DEFAULT_AEDAT3_HEADER, aedat3Bytes, packetBytes, polarityPackets, tempDir, type PolarityEvent } from './writers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

function asList(e: Events): PolarityEvent[] {
  return Array.from({ length: eventCount(e) }, (_, i) => ({ x: e.x[i], y: e.y[i], p: e.p[i], t: e.t[i] }));
}

/** A deterministic stream of events with increasing time, some around the 2^31 µs overflow. */
function someEvents(n: number, t0 = 0): PolarityEvent[] {
  const out: PolarityEvent[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += (i * 7919) % 13;
    out.push({ x: (i * 37) % 128, y: (i * 101) % 128, p: i % 3 === 0 ? 1 : 0, t });
  }
  return out;
}

async function expectFormatError(p: Promise<unknown>, text: string): Promise<DataFormatError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFormatError);
  expect((err as Error).message).toContain(text);
  return err as DataFormatError;
}

describe('AEDAT 3.1 reader', () => {
  it('round-trips polarity events written in the cAER layout', async () => {
    const events = someEvents(2500);
    const file = await tmp.write('round.aedat', aedat3Bytes(polarityPackets(events, 300)));
    const { events: read, stats, headerLines } = await readAedat3File(file);
    expect(asList(read)).toEqual(events);
    expect(read.sensorSize).toEqual([128, 128, 2]);
    expect(headerLines).toEqual(DEFAULT_AEDAT3_HEADER);
    expect(stats).toMatchObject({ packets: 9, polarityPackets: 9, skippedPackets: 0, events: 2500, invalidSkipped: 0, backwardsSteps: 0 });
    expect(stats.minUs).toBe(events[0].t);
    expect(stats.maxUs).toBe(events[2499].t);
  });

  it('decodes the data word bit by bit: valid bit 0, polarity bit 1, y bits 2-16, x bits 17-31', async () => {
    // data = x 127 << 17 | y 5 << 2 | ON << 1 | valid = 0x00FE0017, timestamp 1234
    const body = Buffer.alloc(8);
    body.writeUInt32LE(0x00fe0017, 0);
    body.writeInt32LE(1234, 4);
    const file = await tmp.write('bits.aedat', aedat3Bytes([{ number: 1, tsOverflow: 3, body }]));
    const { events } = await readAedat3File(file);
    expect(asList(events)).toEqual([{ x: 127, y: 5, p: 1, t: 3 * 2 ** 31 + 1234 }]);
  });

  it('adds eventTSOverflow · 2^31 to the 31-bit timestamp (times beyond 2^31 µs)', async () => {
    const events = someEvents(400, 2 ** 31 - 1000);
    expect(events[events.length - 1].t).toBeGreaterThan(2 ** 31);
    const file = await tmp.write('overflow.aedat', aedat3Bytes(polarityPackets(events, 1000)));
    const { events: read, stats } = await readAedat3File(file);
    expect(stats.polarityPackets).toBe(2);
    expect(Array.from(read.t)).toEqual(events.map((e) => e.t));
  });

  it('skips packets of other event types by eventCapacity × eventSize', async () => {
    const a = someEvents(10);
    const b = someEvents(10, 1000);
    const special = { type: 0, eventSize: 8, capacity: 3, number: 3, body: Buffer.alloc(24, 0xff) };
    const imu = { type: 3, eventSize: 36, capacity: 2, number: 1, body: Buffer.alloc(72, 0xab) };
    const file = await tmp.write('mixed.aedat', aedat3Bytes([special, { events: a }, imu, { events: b }]));
    const { events, stats } = await readAedat3File(file);
    expect(asList(events)).toEqual([...a, ...b]);
    expect(stats).toMatchObject({ packets: 4, polarityPackets: 2, skippedPackets: 2 });
  });

  it('decodes eventNumber events and moves on by capacity', async () => {
    const a = someEvents(4);
    const b = someEvents(2, 100);
    const file = await tmp.write('capacity.aedat', aedat3Bytes([{ events: a, capacity: 10 }, { events: b }]));
    expect(asList((await readAedat3File(file)).events)).toEqual([...a, ...b]);
  });

  it('skips events whose valid mark is 0 unless includeInvalid', async () => {
    const events = someEvents(6).map((e, i) => ({ ...e, valid: i !== 2 && i !== 4 }));
    const file = await tmp.write('invalid.aedat', aedat3Bytes([{ events }]));
    const strip = ({ valid: _v, ...e }: PolarityEvent): PolarityEvent => e;
    const skipped = await readAedat3File(file);
    expect(asList(skipped.events)).toEqual(events.filter((e) => e.valid).map(strip));
    expect(skipped.stats.invalidSkipped).toBe(2);
    const kept = await readAedat3File(file, { includeInvalid: true });
    expect(asList(kept.events)).toEqual(events.map(strip));
  });

  it('accepts an empty body (header only, or a packet of 0 events)', async () => {
    const file = await tmp.write('empty.aedat', aedat3Bytes([{ events: [] }]));
    const { events, stats } = await readAedat3File(file);
    expect(eventCount(events)).toBe(0);
    expect(stats.minUs).toBeNaN();
  });

  it('streams in chunks of chunkEvents with any read block size, giving the same events', async () => {
    const events = someEvents(3000);
    const file = await tmp.write('chunks.aedat', aedat3Bytes(polarityPackets(events, 257)));
    for (const blockBytes of [16, 100, 4096, 1 << 20]) {
      const stream = await openAedat3File(file, { chunkEvents: 1000, blockBytes });
      const sizes: number[] = [];
      const all: PolarityEvent[] = [];
      for await (const c of stream.chunks()) {
        sizes.push(eventCount(c));
        all.push(...asList(c));
      }
      expect(sizes).toEqual([1000, 1000, 1000]);
      expect(all).toEqual(events);
    }
  });

  it('collects a time range [startUs, endUs) and stops reading early when in time order', async () => {
    const events = someEvents(5000);
    const file = await tmp.write('range.aedat', aedat3Bytes(polarityPackets(events, 100)));
    const startUs = events[1200].t;
    const endUs = events[2000].t;
    const expected = events.filter((e) => e.t >= startUs && e.t < endUs);
    const strict = await readAedat3File(file, { startUs, endUs, chunkEvents: 256 });
    expect(asList(strict.events)).toEqual(expected);
    expect(strict.stats.events).toBeLessThan(5000);
    const tolerant = await readAedat3File(file, { startUs, endUs, chunkEvents: 256, timeOrder: 'tolerate' });
    expect(asList(tolerant.events)).toEqual(expected);
    expect(tolerant.stats.events).toBe(5000);
  });

  it('a broken-off stream closes its file; close() without reading is allowed', async () => {
    const file = await tmp.write('close.aedat', aedat3Bytes(polarityPackets(someEvents(100), 10)));
    const stream = await openAedat3File(file, { chunkEvents: 10 });
    for await (const _ of stream.chunks()) break;
    await stream.close();
    const untouched = await openAedat3File(file);
    await untouched.close();
  });

  describe('errors name the file and byte offset', () => {
    it('wrong version line', async () => {
      const file = await tmp.write('v2.aedat', aedat3Bytes([], ['#!AER-DAT2.0', '#!END-HEADER']));
      const err = await expectFormatError(readAedat3File(file), 'AEDAT version line "#!AER-DAT3.1" expected, found "#!AER-DAT2.0" (an AEDAT 2.0 file: use readAedat2)');
      expect(err.message.startsWith(`${file} (byte 0): `)).toBe(true);
      const empty = await tmp.write('empty-file.aedat', '');
      await expectFormatError(readAedat3File(empty), 'found an empty file');
    });

    it('missing #!END-HEADER: end of file, or a line that is not a comment', async () => {
      const noEnd = await tmp.write('noend.aedat', '#!AER-DAT3.1\r\n#Format: RAW\r\n');
      await expectFormatError(readAedat3File(noEnd), `${noEnd} (byte 28): header has no #!END-HEADER line: found end of file`);
      const binary = Buffer.concat([Buffer.from('#!AER-DAT3.1\r\n#Format: RAW\r\n'), packetBytes({ events: someEvents(3) })]);
      const file = await tmp.write('nohdrend.aedat', binary);
      await expectFormatError(readAedat3File(file), `${file} (byte 28): header has no #!END-HEADER line: found a line that does not start with '#'`);
    });

    it('truncated packet header', async () => {
      const whole = aedat3Bytes([{ events: someEvents(2) }]);
      const file = await tmp.write('trunc-header.aedat', Buffer.concat([whole, Buffer.alloc(10)]));
      await expectFormatError(readAedat3File(file), `${file} (byte ${whole.length}): truncated packet header: 28 bytes expected, 10 left in the file`);
    });

    it('truncated packet body, polarity or not', async () => {
      const whole = aedat3Bytes([{ events: someEvents(5) }]);
      const file = await tmp.write('trunc-body.aedat', whole.subarray(0, whole.length - 3));
      const headerBytes = whole.length - 28 - 40;
      await expectFormatError(
        readAedat3File(file),
        `${file} (byte ${headerBytes}): truncated packet body: eventCapacity 5 × eventSize 8 = 40 bytes expected, 37 left in the file`,
      );
      const other = await tmp.write('trunc-other.aedat', aedat3Bytes([{ type: 2, eventSize: 12, capacity: 100, number: 100, body: Buffer.alloc(12) }]));
      await expectFormatError(readAedat3File(other), 'truncated packet body: eventCapacity 100 × eventSize 12 = 1200 bytes expected, 12 left in the file');
    });

    it('eventSize other than 8 (or eventTSOffset other than 4) for polarity', async () => {
      const file = await tmp.write('size.aedat', aedat3Bytes([{ eventSize: 12, capacity: 1, number: 1, body: Buffer.alloc(12) }]));
      await expectFormatError(readAedat3File(file), 'polarity packet has eventSize 12, 8 expected');
      const off = await tmp.write('tsoff.aedat', aedat3Bytes([{ tsOffset: 0, events: someEvents(1) }]));
      await expectFormatError(readAedat3File(off), 'polarity packet has eventTSOffset 0, 4 expected');
    });

    it('eventNumber above eventCapacity, negative sizes', async () => {
      const file = await tmp.write('number.aedat', aedat3Bytes([{ events: someEvents(2), number: 3, capacity: 2 }]));
      await expectFormatError(readAedat3File(file), 'polarity packet has eventNumber 3 outside 0..eventCapacity (2)');
      const neg = await tmp.write('neg.aedat', aedat3Bytes([{ capacity: -1, number: 0, body: Buffer.alloc(0) }]));
      await expectFormatError(readAedat3File(neg), 'packet header has eventSize 8 and eventCapacity -1; both must be ≥ 0');
    });

    it('coordinates outside the DVS128 sensor', async () => {
      const events = [{ x: 200, y: 3, p: 1, t: 5 }];
      const file = await tmp.write('xy.aedat', aedat3Bytes([{ events }]));
      const at = aedat3Bytes([]).length + 28;
      await expectFormatError(readAedat3File(file), `${file} (byte ${at}): polarity event at x 200, y 3 lies outside the 128×128 sensor`);
    });

    it('timestamps going backwards: strict throws at the event, tolerate counts', async () => {
      const events = someEvents(10, 1000);
      events[6] = { ...events[6], t: 10 };
      const file = await tmp.write('back.aedat', aedat3Bytes([{ events: events.slice(0, 4) }, { events: events.slice(4) }]));
      const at = aedat3Bytes([]).length + 2 * 28 + 6 * 8;
      await expectFormatError(
        readAedat3File(file),
        `${file} (byte ${at}): timestamp goes backwards: 10 µs after ${events[5].t} µs (pass timeOrder: 'tolerate' to read such files)`,
      );
      const { events: read, stats } = await readAedat3File(file, { timeOrder: 'tolerate' });
      expect(asList(read)).toEqual(events);
      expect(stats.backwardsSteps).toBe(1);
      expect(stats.minUs).toBe(10);
    });
  });
});
