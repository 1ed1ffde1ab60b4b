/** Event cameras: AEDAT 2.0 (`readAedat2`), AEDAT 3.1 (`readAedat3`), DVS label CSVs, N-MNIST `.bin`. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { readAedat2, type Aedat2Options } from '../../../src/data/dvsgesture/aedat2.js';
import { readAedat3, type Aedat3Options } from '../../../src/data/dvsgesture/aedat3.js';
import { eventCount, type Events } from '../../../src/data/dvsgesture/events.js';
import { GESTURE_CLASS_COUNT, parseGestureLabels } from '../../../src/data/dvsgesture/labels.js';
import { decodeNmnist } from '../../../src/data/dvsgesture/nmnist.js';
import { DEFAULT_AEDAT2_HEADER, DEFAULT_AEDAT3_HEADER, dvs128Address, labelsCsv, nmnistBytes, packetBytes, type PacketSpec } from '../../data/dvsgesture/writers.js';
import { expectTypedError, expectTypedOrOk, fuzzParameters, type Outcome } from '../harness.js';
import { bytesInputs, concat, textInputs, type Field } from '../mutations.js';

const latin1Bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

/** Events as a comparable list. */
const list = (e: Events) => Array.from({ length: eventCount(e) }, (_, i) => [e.x[i], e.y[i], e.p[i], e.t[i]]);

function checkEvents(e: Events, width: number, height: number, ordered: boolean): void {
  const n = eventCount(e);
  if (e.x.length !== n || e.y.length !== n || e.p.length !== n) throw new Error('event arrays of different lengths');
  for (let i = 0; i < n; i++) {
    if (!(e.x[i] < width && e.y[i] < height)) throw new Error(`event ${i} at ${e.x[i]},${e.y[i]} off the ${width}×${height} sensor`);
    if (e.p[i] > 1) throw new Error(`event ${i} polarity ${e.p[i]}`);
    if (!Number.isSafeInteger(e.t[i]) || e.t[i] < 0) throw new Error(`event ${i} timestamp ${e.t[i]}`);
    if (ordered && i > 0 && e.t[i] < e.t[i - 1]) throw new Error(`event ${i} goes back in time`);
  }
}

/** Two reads of the same bytes (other block sizes) must end the same way: same events or same message. */
function sameOutcome(a: Outcome<{ events: Events }>, b: Outcome<{ events: Events }>): void {
  if (a.ok !== b.ok) throw new Error(`block size changed the outcome: ${a.ok ? 'ok' : a.error.message} vs ${b.ok ? 'ok' : b.error.message}`);
  if (!a.ok && !b.ok && a.error.message !== b.error.message) throw new Error(`block size changed the error: ${a.error.message} vs ${b.error.message}`);
  if (a.ok && b.ok && JSON.stringify(list(a.value.events)) !== JSON.stringify(list(b.value.events))) throw new Error('block size changed the events');
}

const headerComment = fc.string({ maxLength: 30, unit: 'binary-ascii' }).map((s) => `# ${s.replace(/[\r\n]/g, ' ')}`);

// ---------------------------------------------------------------- AEDAT 2.0

interface Aedat2File {
  readonly bytes: Uint8Array;
  readonly headerBytes: number;
  readonly records: number;
}

const aedat2Files: fc.Arbitrary<Aedat2File> = fc
  .record({
    header: fc.tuple(fc.subarray(DEFAULT_AEDAT2_HEADER.slice(1)), fc.array(headerComment, { maxLength: 2 })),
    eol: fc.constantFrom('\r\n', '\n'),
    t0: fc.constantFrom(0, 1, 4_000_000_000, 2 ** 32 - 100),
    records: fc.array(fc.record({ x: fc.nat(127), y: fc.nat(127), p: fc.nat(1), dt: fc.nat(50), special: fc.boolean() }), { minLength: 1, maxLength: 16 }),
  })
  .map(({ header, eol, t0, records }) => {
    const head = latin1Bytes([DEFAULT_AEDAT2_HEADER[0], ...header[0], ...header[1]].map((l) => l + eol).join(''));
    const body = new Uint8Array(records.length * 8);
    const view = new DataView(body.buffer);
    let t = t0;
    records.forEach((r, i) => {
      t = Math.min(2 ** 32 - 1, t + r.dt);
      view.setUint32(i * 8, r.special && r.dt % 5 === 0 ? (1 << 15) | r.x : dvs128Address(r.x, r.y, r.p));
      view.setUint32(i * 8 + 4, t);
    });
    return { bytes: concat(head, body), headerBytes: head.length, records: records.length };
  });

/** Fields of every record: address and timestamp, u32 big-endian. */
function aedat2Fields(file: Aedat2File): Field[] {
  const fields: Field[] = [];
  for (let i = 0; i < file.records; i++) {
    fields.push({ offset: file.headerBytes + 8 * i, width: 4, endian: 'be' }, { offset: file.headerBytes + 8 * i + 4, width: 4, endian: 'be' });
  }
  return fields;
}

const aedat2Inputs = fc.oneof(
  { weight: 8, arbitrary: aedat2Files.chain((f) => bytesInputs(fc.constant(f.bytes), () => aedat2Fields(f))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((b) => concat(latin1Bytes('#!AER-DAT2.0\r\n'), b)) },
);

const aedat2Options: fc.Arbitrary<Aedat2Options> = fc.record(
  { chunkEvents: fc.constantFrom(1, 3, 64), timeOrder: fc.constantFrom('strict' as const, 'tolerate' as const), orientation: fc.constantFrom('raw' as const, 'jaer' as const) },
  { requiredKeys: ['chunkEvents'] },
);

async function readAedat2Checked(bytes: Uint8Array, options: Aedat2Options, blockBytes: number) {
  return expectTypedOrOk(
    () => readAedat2({ name: 'f2.aedat', bytes }, { ...options, blockBytes }),
    ({ events, stats, headerLines }) => {
      checkEvents(events, 128, 128, (options.timeOrder ?? 'strict') === 'strict');
      if (headerLines[0] !== '#!AER-DAT2.0' || !headerLines.every((l) => l.startsWith('#'))) throw new Error('header lines');
      if (stats.events !== eventCount(events) || stats.records !== stats.events + stats.specialSkipped || stats.records < 1) throw new Error('stats');
      const headerLength = headerLines.reduce((s, l) => s + l.length, 0);
      if (headerLength + 8 * stats.records > bytes.length) throw new Error('more records than bytes');
    },
    { file: 'f2.aedat', inputBytes: bytes.length },
  );
}

// ---------------------------------------------------------------- AEDAT 3.1

interface Aedat3File {
  readonly bytes: Uint8Array;
  /** Offset of each packet. */
  readonly packets: number[];
}

const polarityPacket = fc
  .record({ n: fc.nat(6), spare: fc.nat(2), invalid: fc.nat(3), t0: fc.constantFrom(0, 5, 2 ** 31 - 10), overflow: fc.constantFrom(0, 0, 1, 7) })
  .map(({ n, spare, invalid, t0, overflow }): PacketSpec => {
    const events = Array.from({ length: n }, (_, i) => ({ x: (i * 37) % 128, y: (i * 11) % 128, p: i % 2, t: overflow * 2 ** 31 + Math.min(2 ** 31 - 1, t0 + i * 3), valid: i !== invalid }));
    return { events, capacity: n + spare, tsOverflow: overflow };
  });

const otherPacket = fc.record({ type: fc.constantFrom(0, 2, 5, 8), size: fc.nat(16), capacity: fc.nat(3) }).map(({ type, size, capacity }): PacketSpec => ({ type, eventSize: size, capacity, number: capacity, body: Buffer.alloc(size * capacity, 0x5a) }));

const aedat3Files: fc.Arbitrary<Aedat3File> = fc
  .record({
    header: fc.tuple(fc.subarray(DEFAULT_AEDAT3_HEADER.slice(1, -1)), fc.array(headerComment, { maxLength: 2 })),
    eol: fc.constantFrom('\r\n', '\n'),
    packets: fc.array(fc.oneof({ weight: 3, arbitrary: polarityPacket }, otherPacket), { maxLength: 4 }),
  })
  .map(({ header, eol, packets }) => {
    const head = latin1Bytes(['#!AER-DAT3.1', ...header[0], ...header[1], '#!END-HEADER'].map((l) => l + eol).join(''));
    // Time runs forward across packets (the reader's strict order): each polarity packet keeps or
    // raises the overflow, and its events come after the last one of the packet before.
    let overflow = 0;
    let last = -1;
    const ordered = packets.map((p) => {
      if (!p.events || p.events.length === 0) return p;
      const n = p.events.length;
      let o = Math.max(overflow, p.tsOverflow ?? 0);
      let base = o > overflow ? (p.events[0].t % 2 ** 31) : last + 1;
      if (base + 3 * n >= 2 ** 31) {
        o++;
        base = 0;
      }
      overflow = o;
      last = base + 3 * (n - 1);
      return { ...p, tsOverflow: o, events: p.events.map((e, i) => ({ ...e, t: o * 2 ** 31 + base + 3 * i })) };
    });
    const bodies = ordered.map((p) => new Uint8Array(packetBytes(p)));
    const offsets: number[] = [];
    let at = head.length;
    for (const b of bodies) {
      offsets.push(at);
      at += b.length;
    }
    return { bytes: concat(head, ...bodies), packets: offsets };
  });

/** Every packet header field (int16 type, source; int32 size, tsOffset, tsOverflow, capacity, number, valid) and the first events. */
function aedat3Fields(file: Aedat3File): Field[] {
  const fields: Field[] = [];
  for (const at of file.packets) {
    fields.push({ offset: at, width: 2, endian: 'le' }, { offset: at + 2, width: 2, endian: 'le' });
    for (let k = 4; k < 28; k += 4) fields.push({ offset: at + k, width: 4, endian: 'le' });
    for (let e = 0; e < 2; e++) fields.push({ offset: at + 28 + 8 * e, width: 4, endian: 'le' }, { offset: at + 32 + 8 * e, width: 4, endian: 'le' });
  }
  return fields;
}

const aedat3Inputs = fc.oneof(
  { weight: 8, arbitrary: aedat3Files.chain((f) => bytesInputs(fc.constant(f.bytes), () => aedat3Fields(f))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((b) => concat(latin1Bytes('#!AER-DAT3.1\r\n#!END-HEADER\r\n'), b)) },
);

/** A packet header claiming up to 2^31 − 1 events of up to 2^31 − 1 bytes, with little behind it. */
const aedat3HugeClaims = fc
  .record({ type: fc.constantFrom(1, 2), size: fc.constantFrom(8, 0x7fffffff, 1 << 20), capacity: fc.constantFrom(0x7fffffff, 1 << 28, 1 << 20), number: fc.constantFrom(0, 1, 0x7fffffff), tail: fc.uint8Array({ maxLength: 64 }) })
  .map(({ type, size, capacity, number, tail }) => {
    const h = new Uint8Array(28);
    const v = new DataView(h.buffer);
    v.setInt16(0, type, true);
    v.setInt32(4, size, true);
    v.setInt32(8, 4, true);
    v.setInt32(16, capacity, true);
    v.setInt32(20, number, true);
    return concat(latin1Bytes('#!AER-DAT3.1\r\n#!END-HEADER\r\n'), h, tail);
  });

const aedat3Options: fc.Arbitrary<Aedat3Options> = fc.record(
  { chunkEvents: fc.constantFrom(1, 3, 64), timeOrder: fc.constantFrom('strict' as const, 'tolerate' as const), includeInvalid: fc.boolean() },
  { requiredKeys: ['chunkEvents'] },
);

async function readAedat3Checked(bytes: Uint8Array, options: Aedat3Options, blockBytes: number) {
  return expectTypedOrOk(
    () => readAedat3({ name: 'f3.aedat', bytes }, { ...options, blockBytes }),
    ({ events, stats, headerLines }) => {
      checkEvents(events, 128, 128, (options.timeOrder ?? 'strict') === 'strict');
      if (headerLines[0] !== '#!AER-DAT3.1' || headerLines[headerLines.length - 1] !== '#!END-HEADER') throw new Error('header lines');
      if (stats.events !== eventCount(events)) throw new Error('stats');
      if (stats.packets !== stats.polarityPackets + stats.skippedPackets) throw new Error('packet counts');
    },
    { file: 'f3.aedat', inputBytes: bytes.length },
  );
}

// ---------------------------------------------------------------- labels, N-MNIST

const labelRows = fc.array(fc.tuple(fc.integer({ min: 1, max: 11 }), fc.nat(10_000_000), fc.integer({ min: 1, max: 5_000_000 })), { maxLength: 8 });

const labelTexts = fc
  .record({ rows: labelRows, eol: fc.constantFrom('\n', '\r\n'), bom: fc.boolean(), blank: fc.boolean() })
  .map(({ rows, eol, bom, blank }) => (bom ? '\ufeff' : '') + labelsCsv(rows.map(([c, s, d]) => [c, s, s + d]), eol) + (blank ? eol : ''));

const nmnistFiles = fc
  .array(fc.record({ x: fc.nat(33), y: fc.nat(33), p: fc.nat(1), t: fc.nat(0x7fffff) }), { minLength: 1, maxLength: 12 })
  .map((events) => new Uint8Array(nmnistBytes(events)));

export function dvsProperties(runs: number): void {
  describe('AEDAT 2.0', () => {
    it('readAedat2: DVS128 events in time order, or a DataFormatError; any read block size gives the same outcome', async () => {
      await fc.assert(
        fc.asyncProperty(aedat2Inputs, aedat2Options, async (bytes, options) => {
          const a = await readAedat2Checked(bytes, options, 1 << 20);
          const b = await readAedat2Checked(bytes, options, 8 + (bytes.length % 13));
          sameOutcome(a, b);
        }),
        fuzzParameters(runs),
      );
    });

    it('readAedat2: valid files round-trip; every cut inside the header or a record is refused', async () => {
      await fc.assert(
        fc.asyncProperty(aedat2Files, async (file) => {
          const whole = await readAedat2Checked(file.bytes, { timeOrder: 'tolerate', chunkEvents: 7 }, 1 << 20);
          if (!whole.ok) throw new Error(`a valid file was refused: ${whole.error.message}`);
          for (let n = 0; n < file.bytes.length; n++) {
            const cut = await readAedat2Checked(file.bytes.subarray(0, n), { timeOrder: 'tolerate', chunkEvents: 7 }, 1 << 20);
            const atRecord = n > file.headerBytes && (n - file.headerBytes) % 8 === 0;
            if (atRecord) {
              if (!cut.ok) throw new Error(`cut after a whole record (${n}) refused: ${cut.error.message}`);
              if (cut.value.stats.records !== (n - file.headerBytes) / 8) throw new Error('records of a cut file');
            } else {
              expectTypedError(cut, `cut at byte ${n} of ${file.bytes.length} (header ${file.headerBytes} bytes)`);
            }
          }
        }),
        fuzzParameters(runs, 0.1),
      );
    });
  });

  describe('AEDAT 3.1', () => {
    it('readAedat3: polarity events on the sensor, or a DataFormatError; any read block size gives the same outcome', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: aedat3Inputs }, aedat3HugeClaims), aedat3Options, async (bytes, options) => {
          const a = await readAedat3Checked(bytes, options, 1 << 20);
          const b = await readAedat3Checked(bytes, options, 16 + (bytes.length % 29));
          sameOutcome(a, b);
        }),
        fuzzParameters(runs),
      );
    });

    it('readAedat3: valid files round-trip; every cut is refused except between packets', async () => {
      await fc.assert(
        fc.asyncProperty(aedat3Files, async (file) => {
          const whole = await readAedat3Checked(file.bytes, { chunkEvents: 5 }, 1 << 20);
          if (!whole.ok) throw new Error(`a valid file was refused: ${whole.error.message}`);
          const boundaries = new Set([...file.packets, file.bytes.length]);
          for (let n = 0; n < file.bytes.length; n++) {
            const cut = await readAedat3Checked(file.bytes.subarray(0, n), { chunkEvents: 5 }, 1 << 20);
            if (boundaries.has(n)) {
              if (!cut.ok) throw new Error(`cut between packets (${n}) refused: ${cut.error.message}`);
            } else {
              expectTypedError(cut, `cut at byte ${n} of ${file.bytes.length}`);
            }
          }
        }),
        fuzzParameters(runs, 0.1),
      );
    });
  });

  describe('DVS labels and N-MNIST', () => {
    it('parseGestureLabels: classes 1..11 and start < end as safe integers, or a DataFormatError', () => {
      fc.assert(
        fc.property(textInputs(labelTexts), (text) => {
          expectTypedOrOk(
            () => parseGestureLabels(text, 'user01_labels.csv'),
            (labels) => {
              labels.forEach((l, i) => {
                if (!Number.isInteger(l.classId) || l.classId < 1 || l.classId > GESTURE_CLASS_COUNT) throw new Error(`class ${l.classId}`);
                if (!Number.isSafeInteger(l.startUs) || !Number.isSafeInteger(l.endUs) || l.startUs < 0 || l.endUs <= l.startUs) throw new Error(`times ${l.startUs}..${l.endUs}`);
                if (l.row !== i + 1 || (i > 0 && l.line <= labels[i - 1].line)) throw new Error('rows and lines');
              });
            },
            { file: 'user01_labels.csv' },
          );
        }),
        fuzzParameters(runs),
      );
    });

    it('decodeNmnist: one event per 5 bytes on the 34 × 34 sensor, or a DataFormatError', () => {
      fc.assert(
        fc.property(bytesInputs(nmnistFiles, (b) => Array.from({ length: b.length }, (_, i): Field => ({ offset: i, width: 1, endian: 'be' }))), (bytes) => {
          const outcome = expectTypedOrOk(
            () => decodeNmnist(bytes, 's.bin'),
            (e) => {
              if (eventCount(e) * 5 !== bytes.length || eventCount(e) === 0) throw new Error(`${eventCount(e)} events from ${bytes.length} bytes`);
              checkEvents(e, 34, 34, false);
              if (!e.t.every((t) => t < 2 ** 23)) throw new Error('timestamp beyond 23 bits');
            },
            { file: 's.bin', inputBytes: bytes.length },
          );
          if (bytes.length === 0) expectTypedError(outcome, 'an empty file');
        }),
        fuzzParameters(runs),
      );
    });
  });
}
