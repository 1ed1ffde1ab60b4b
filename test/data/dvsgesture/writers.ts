/**
 * Test fixtures in the exact byte layouts the readers parse: AEDAT 3.1 (cAER), AEDAT 2.0
 * (jAER), N-MNIST `.bin`, and DVS128 Gesture label CSVs; plus a temp-dir helper and the
 * location of the shared data folder (relative to the repository root).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir as sharedDirOrUndefined, sharedPath } from '../../helpers/shared-data.js';

/** The shared data folder and files in it (null when absent), from test/helpers/shared-data.ts. */
export function sharedDir(): string | null {
  return sharedDirOrUndefined() ?? null;
}

/** A file in the shared folder, or null when absent. */
export function sharedFile(...parts: string[]): string | null {
  return sharedPath(...parts) ?? null;
}

export interface PolarityEvent {
  x: number;
  y: number;
  p: number;
  /** Full timestamp in µs; the packet's overflow must match ⌊t / 2^31⌋. */
  t: number;
  /** Valid mark (default true). */
  valid?: boolean;
}

export interface PacketSpec {
  type?: number;
  source?: number;
  eventSize?: number;
  tsOffset?: number;
  tsOverflow?: number;
  capacity?: number;
  number?: number;
  valid?: number;
  /** Body bytes; default: the encoded events padded to capacity × eventSize. */
  body?: Buffer;
  events?: PolarityEvent[];
}

export const DEFAULT_AEDAT3_HEADER = ['#!AER-DAT3.1', '#Format: RAW', '#Source 1: DVS128', '#Start-Time: 2017-01-01 00:00:00 (TZ+0000)', '#!END-HEADER'];

/** Encodes one polarity event: uint32 data (valid, polarity, y << 2, x << 17), int32 timestamp. */
export function polarityEventBytes(e: PolarityEvent): Buffer {
  const b = Buffer.alloc(8);
  const data = ((e.x & 0x7fff) << 17) | ((e.y & 0x7fff) << 2) | ((e.p & 1) << 1) | (e.valid === false ? 0 : 1);
  b.writeUInt32LE(data >>> 0, 0);
  b.writeInt32LE(e.t % 2 ** 31, 4);
  return b;
}

/** A 28-byte packet header plus body. Polarity events default to type 1, size 8, capacity = number. */
export function packetBytes(spec: PacketSpec): Buffer {
  const events = spec.events ?? [];
  const eventSize = spec.eventSize ?? 8;
  const number = spec.number ?? events.length;
  const capacity = spec.capacity ?? number;
  const tsOverflow = spec.tsOverflow ?? (events.length > 0 ? Math.floor(events[0].t / 2 ** 31) : 0);
  const h = Buffer.alloc(28);
  h.writeInt16LE(spec.type ?? 1, 0);
  h.writeInt16LE(spec.source ?? 1, 2);
  h.writeInt32LE(eventSize, 4);
  h.writeInt32LE(spec.tsOffset ?? 4, 8);
  h.writeInt32LE(tsOverflow, 12);
  h.writeInt32LE(capacity, 16);
  h.writeInt32LE(number, 20);
  h.writeInt32LE(spec.valid ?? events.filter((e) => e.valid !== false).length, 24);
  let body = spec.body;
  if (!body) {
    body = Buffer.alloc(Math.max(0, capacity * eventSize));
    events.forEach((e, i) => polarityEventBytes(e).copy(body as Buffer, i * eventSize));
  }
  return Buffer.concat([h, body]);
}

/** A whole AEDAT 3.1 file: header lines joined by CRLF, then the packets. */
export function aedat3Bytes(packets: PacketSpec[], headerLines: string[] = DEFAULT_AEDAT3_HEADER): Buffer {
  const header = Buffer.from(headerLines.map((l) => `${l}\r\n`).join(''), 'latin1');
  return Buffer.concat([header, ...packets.map(packetBytes)]);
}

/** Polarity packets of at most `perPacket` events each, with the right overflow per packet. */
export function polarityPackets(events: PolarityEvent[], perPacket = 1000): PacketSpec[] {
  const packets: PacketSpec[] = [];
  let current: PolarityEvent[] = [];
  let overflow = -1;
  for (const e of events) {
    const o = Math.floor(e.t / 2 ** 31);
    if (current.length === perPacket || (current.length > 0 && o !== overflow)) {
      packets.push({ events: current, tsOverflow: overflow });
      current = [];
    }
    overflow = o;
    current.push(e);
  }
  if (current.length > 0) packets.push({ events: current, tsOverflow: overflow });
  return packets;
}

/** DVS128 AEDAT 2.0 address: polarity bit 0, x bits 1-7, y bits 8-14. */
export function dvs128Address(x: number, y: number, bit: number): number {
  return ((y & 0x7f) << 8) | ((x & 0x7f) << 1) | (bit & 1);
}

export const DEFAULT_AEDAT2_HEADER = [
  '#!AER-DAT2.0',
  '# This is a raw AE data file - do not edit',
  '# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event',
  '# Timestamps tick is 1 us',
];

/** An AEDAT 2.0 file: header lines ending CRLF, then big-endian (address, timestamp) records. */
export function aedat2Bytes(records: { address: number; t: number }[], headerLines: string[] = DEFAULT_AEDAT2_HEADER): Buffer {
  const header = Buffer.from(headerLines.map((l) => `${l}\r\n`).join(''), 'latin1');
  const body = Buffer.alloc(records.length * 8);
  records.forEach((r, i) => {
    body.writeUInt32BE(r.address >>> 0, i * 8);
    body.writeUInt32BE(r.t >>> 0, i * 8 + 4);
  });
  return Buffer.concat([header, body]);
}

/** N-MNIST `.bin`: x, y, p << 7 | t bits 22-16, t bits 15-8, t bits 7-0. */
export function nmnistBytes(events: { x: number; y: number; p: number; t: number }[]): Buffer {
  const b = Buffer.alloc(events.length * 5);
  events.forEach((e, i) => {
    b[i * 5] = e.x;
    b[i * 5 + 1] = e.y;
    b[i * 5 + 2] = ((e.p & 1) << 7) | ((e.t >>> 16) & 0x7f);
    b[i * 5 + 3] = (e.t >>> 8) & 0xff;
    b[i * 5 + 4] = e.t & 0xff;
  });
  return b;
}

/** A label CSV with the official header. */
export function labelsCsv(rows: [number, number, number][], eol = '\n'): string {
  return ['class,startTime_usec,endTime_usec', ...rows.map((r) => r.join(','))].join(eol) + eol;
}

/** A fresh temp directory and a function that removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void>; write: (name: string, data: Buffer | string) => Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'selfprop-dvs-'));
  return {
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
    write: async (name, data) => {
      const file = join(dir, name);
      await writeFile(file, data);
      return file;
    },
  };
}
