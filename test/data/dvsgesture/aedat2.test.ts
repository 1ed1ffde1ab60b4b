import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { openAedat2File, readAedat2File } from '../../../src/node/datasets/index.js';
import { readAedat2 } from '../../../src/data/dvsgesture/aedat2.js';
import { eventCount, type Events } from '../../../src/data/dvsgesture/events.js';
import { DEFAULT_AEDAT2_HEADER, aedat2Bytes, dvs128Address, sharedFile, tempDir } from './writers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const list = (e: Events) => Array.from({ length: eventCount(e) }, (_, i) => ({ x: e.x[i], y: e.y[i], p: e.p[i], t: e.t[i] }));

async function expectFormatError(p: Promise<unknown>, text: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFormatError);
  expect((err as Error).message).toContain(text);
}

const headerBytes = Buffer.from(DEFAULT_AEDAT2_HEADER.map((l) => `${l}\r\n`).join('')).length;

describe('AEDAT 2.0 reader (jAER DVS128)', () => {
  const events = Array.from({ length: 300 }, (_, i) => ({ x: (i * 5) % 128, y: (i * 11) % 128, p: i % 2, t: 4_000_000_000 + i * 3 }));
  const records = events.map((e) => ({ address: dvs128Address(e.x, e.y, e.p), t: e.t }));

  it('round-trips big-endian records and decodes x = (a >> 1) & 0x7F, y = (a >> 8) & 0x7F, bit 0', async () => {
    const file = await tmp.write('round2.aedat', aedat2Bytes(records));
    for (const blockBytes of [8, 20, 1 << 20]) {
      const { events: read, stats, headerLines } = await readAedat2File(file, { blockBytes, chunkEvents: 64 });
      expect(list(read)).toEqual(events);
      expect(headerLines).toEqual(DEFAULT_AEDAT2_HEADER);
      expect(stats).toMatchObject({ records: 300, events: 300, specialSkipped: 0, backwardsSteps: 0, minUs: 4_000_000_000, maxUs: 4_000_000_897 });
    }
    const stream = await openAedat2File(file);
    expect(stream.headerBytes).toBe(headerBytes);
    await stream.close();
  });

  it('address 0x7F7F (x 63, y 127, bit 1)', async () => {
    const file = await tmp.write('addr.aedat', aedat2Bytes([{ address: 0x7f7f, t: 9 }]));
    expect(list((await readAedat2File(file)).events)).toEqual([{ x: 63, y: 127, p: 1, t: 9 }]);
  });

  it("orientation 'jaer' mirrors x (127 − x) and inverts the polarity bit", async () => {
    const file = await tmp.write('jaer.aedat', aedat2Bytes(records.slice(0, 3)));
    const { events: read } = await readAedat2File(file, { orientation: 'jaer' });
    expect(list(read)).toEqual(events.slice(0, 3).map((e) => ({ ...e, x: 127 - e.x, p: 1 - e.p })));
  });

  it('skips and counts records with address bits above 14 (external input events)', async () => {
    const file = await tmp.write('special.aedat', aedat2Bytes([records[0], { address: 1 << 15, t: records[0].t }, records[1]]));
    const { events: read, stats } = await readAedat2File(file);
    expect(list(read)).toEqual(events.slice(0, 2));
    expect(stats).toMatchObject({ records: 3, events: 2, specialSkipped: 1 });
  });

  it('time range [startUs, endUs)', async () => {
    const file = await tmp.write('range2.aedat', aedat2Bytes(records));
    const { events: read } = await readAedat2File(file, { startUs: events[10].t, endUs: events[20].t, chunkEvents: 8 });
    expect(list(read)).toEqual(events.slice(10, 20));
  });

  describe('errors name the file and byte offset', () => {
    it('wrong version line', async () => {
      const file = await tmp.write('v3.aedat', '#!AER-DAT3.1\r\n#!END-HEADER\r\n');
      await expectFormatError(readAedat2File(file), `${file} (byte 0): AEDAT version line "#!AER-DAT2.0" expected, found "#!AER-DAT3.1" (an AEDAT 3.x file: use readAedat3)`);
    });

    it('a truncated last record', async () => {
      const whole = aedat2Bytes(records.slice(0, 4));
      const file = await tmp.write('trunc2.aedat', whole.subarray(0, whole.length - 5));
      await expectFormatError(readAedat2File(file), `${file} (byte ${headerBytes + 24}): truncated record: 8 bytes expected, 3 left in the file`);
    });

    it('a file that ends in its header: no record after complete header lines, or a header line cut short', async () => {
      const header = aedat2Bytes([]);
      expect(header.length).toBe(headerBytes);
      const onlyHeader = await tmp.write('header-only.aedat', header);
      await expectFormatError(readAedat2File(onlyHeader), `${onlyHeader} (byte ${headerBytes}): the file ends after its 4-line header, without a single 8-byte record (truncated in the header?)`);
      const lastLine = headerBytes - DEFAULT_AEDAT2_HEADER[3].length - 2;
      const cutLine = await tmp.write('cut-line.aedat', header.subarray(0, headerBytes - 5));
      await expectFormatError(readAedat2File(cutLine), `${cutLine} (byte ${lastLine}): header line "# Timestamps tick is 1" is cut short: the file ends before its line end`);
      const versionOnly = await tmp.write('version-only.aedat', '#!AER-DAT2.0');
      await expectFormatError(readAedat2File(versionOnly), `${versionOnly} (byte 0): header line "#!AER-DAT2.0" is cut short`);
      // Every cut inside the header, at any read block size (the bug: these read as 0 events).
      for (let n = 0; n < headerBytes; n++) {
        for (const blockBytes of [16, 1 << 20]) {
          await expectFormatError(readAedat2({ name: 'cut.aedat', bytes: header.subarray(0, n) }, { blockBytes }), 'cut.aedat (byte ');
        }
      }
    });

    it('a recording whose only record is not a DVS event is valid: 0 events, 1 record', async () => {
      const { events: read, stats } = await readAedat2({ name: 'ext.aedat', bytes: aedat2Bytes([{ address: 1 << 15, t: 7 }]) });
      expect(eventCount(read)).toBe(0);
      expect(stats).toMatchObject({ records: 1, events: 0, specialSkipped: 1 });
    });

    it('timestamps going backwards (strict) or counted (tolerate)', async () => {
      const back = [records[0], records[1], { ...records[2], t: 5 }, records[3]];
      const file = await tmp.write('back2.aedat', aedat2Bytes(back));
      await expectFormatError(readAedat2File(file), `${file} (byte ${headerBytes + 16}): timestamp goes backwards: 5 µs after ${events[1].t} µs`);
      const { stats } = await readAedat2File(file, { timeOrder: 'tolerate' });
      expect(stats.backwardsSteps).toBe(1);
    });
  });

  // Real DVS128 recordings (shared/data/dvs128-aedat2/README.md).
  const real = [
    { name: 'alex_walking_again.aedat', events: 19_182, durationS: 6.887, bit0: 7_102, bit1: 12_080 },
    { name: 'neal_walking.aedat', events: 70_304, durationS: 9.244, bit0: 34_031, bit1: 36_273 },
  ];
  for (const r of real) {
    const file = sharedFile('data', 'dvs128-aedat2', r.name);
    it.skipIf(!file)(`real recording ${r.name}: ${r.events} events over ${r.durationS} s`, async () => {
      const { events: e, stats, headerLines } = await readAedat2File(file as string, { chunkEvents: 4096 });
      expect(headerLines[0]).toBe('#!AER-DAT2.0');
      expect(headerLines).toContain('# HardwareInterface: DVS128-V1 0298');
      const stream = await openAedat2File(file as string);
      expect(stream.headerBytes).toBe(4612);
      await stream.close();
      expect(eventCount(e)).toBe(r.events);
      expect(stats).toMatchObject({ records: r.events, specialSkipped: 0, backwardsSteps: 0 });
      expect((stats.maxUs - stats.minUs) / 1e6).toBeCloseTo(r.durationS, 3);
      expect(Math.min(...e.x)).toBe(0);
      expect(Math.max(...e.x)).toBe(127);
      expect(Math.min(...e.y)).toBe(0);
      expect(Math.max(...e.y)).toBe(127);
      const ones = e.p.reduce((n, p) => n + p, 0);
      expect([r.events - ones, ones]).toEqual([r.bit0, r.bit1]);
      const jaer = await readAedat2File(file as string, { orientation: 'jaer' });
      expect(jaer.events.p.reduce((n, p) => n + p, 0)).toBe(r.bit0);
    });
  }
});
