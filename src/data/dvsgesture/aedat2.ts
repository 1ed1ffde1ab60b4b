/**
 * AEDAT 2.0 reader for DVS128 recordings as jAER writes them, streamed block by block.
 *
 * Layout (the AEDAT 2.0 format of jAER):
 * 1. ASCII header lines starting with `#` (first `#!AER-DAT2.0`); the header ends where the
 *    next byte is not `#`.
 * 2. 8-byte records, big-endian: `uint32 address, uint32 timestamp` (µs).
 * 3. DVS128 address: bit 0 = polarity bit, x = (a >> 1) & 0x7F, y = (a >> 8) & 0x7F.
 *    Addresses with any bit above 14 set are not DVS events (jAER uses bit 15 for external
 *    input events); they are skipped and counted.
 *
 * Orientation: `orientation: 'raw'` (default) returns the address bits as they are.
 * `'jaer'` applies jAER's DVS128 display convention: x mirrored (127 − x) and the polarity bit
 * inverted (raw 0 = ON). That convention comes from jAER's DVS128 class and was not checked
 * against a recording of a known scene.
 *
 * Timestamps going backwards (e.g. a 32-bit wrap): 'strict' (default) throws at the record's
 * byte offset; 'tolerate' keeps file order and counts the steps.
 *
 * A file that ends in its header is refused (DataFormatError), both when the end of the file
 * cuts a header line before its line end and when the last header line is complete but no record
 * follows. jAER marks no end of the header, so a file cut between two header lines cannot be told
 * apart from a recording of no records; we decided that a valid AEDAT 2.0 file holds at least one
 * 8-byte record (a record that is not a DVS event, e.g. an external input event, counts), since
 * silently reading a damaged download as an empty recording is the worse mistake.
 */
import { DataFormatError } from '../../errors.js';
import { bytesSource, type ByteSource } from '../source.js';
import { ByteReader, DEFAULT_BLOCK_BYTES } from './byteReader.js';
import {
  DEFAULT_CHUNK_EVENTS,
  DVS128_SENSOR,
  EventChunkBuilder,
  collectRange,
  concatEvents,
  type Events,
  type TimeOrderPolicy,
  type TimeRange,
} from './events.js';
import { quoteLine, readHeaderLine } from './headerLines.js';

export const AEDAT2_VERSION_LINE = '#!AER-DAT2.0';
export const AEDAT2_RECORD_BYTES = 8;

export interface Aedat2Options {
  readonly chunkEvents?: number;
  readonly timeOrder?: TimeOrderPolicy;
  /** 'raw' (default): address bits as they are; 'jaer': x → 127 − x and polarity inverted. */
  readonly orientation?: 'raw' | 'jaer';
  readonly blockBytes?: number;
}

export interface Aedat2Stats {
  /** Records read (events + special). */
  records: number;
  /** DVS events delivered. */
  events: number;
  /** Records with address bits above 14 set, skipped. */
  specialSkipped: number;
  backwardsSteps: number;
  minUs: number;
  maxUs: number;
}

export interface Aedat2Stream {
  readonly headerLines: readonly string[];
  readonly headerBytes: number;
  readonly stats: Readonly<Aedat2Stats>;
  chunks(): AsyncGenerator<Events, void, undefined>;
  close(): Promise<void>;
}

/** Opens an AEDAT 2.0 file (any ByteSource) and reads its header; the events come from `chunks()`. */
export async function openAedat2(source: ByteSource, options: Aedat2Options = {}): Promise<Aedat2Stream> {
  const file = source.name;
  const reader = new ByteReader(source, options.blockBytes ?? DEFAULT_BLOCK_BYTES);
  const headerLines: string[] = [];
  try {
    const first = await readHeaderLine(reader, file);
    if (first === null || first.text !== AEDAT2_VERSION_LINE) {
      const found = first === null ? 'an empty file' : quoteLine(first.text);
      const hint = first?.text.startsWith('#!AER-DAT3') ? ' (an AEDAT 3.x file: use readAedat3)' : '';
      throw new DataFormatError(file, `AEDAT version line ${JSON.stringify(AEDAT2_VERSION_LINE)} expected, found ${found}${hint}`, 'byte 0');
    }
    headerLines.push(first.text);
    let last = first;
    while ((await reader.ensure(1)) === 1 && reader.peek(1)[0] === 0x23 /* '#' */) {
      const line = await readHeaderLine(reader, file);
      if (line === null) break;
      headerLines.push(line.text);
      last = line;
    }
    if (!last.terminated) {
      throw new DataFormatError(file, `header line ${quoteLine(last.text)} is cut short: the file ends before its line end`, `byte ${last.offset}`);
    }
    if (reader.remaining === 0) {
      throw new DataFormatError(
        file,
        `the file ends after its ${headerLines.length}-line header, without a single ${AEDAT2_RECORD_BYTES}-byte record (truncated in the header?)`,
        `byte ${reader.offset}`,
      );
    }
  } catch (err) {
    await reader.close();
    throw err;
  }
  const stats: Aedat2Stats = { records: 0, events: 0, specialSkipped: 0, backwardsSteps: 0, minUs: NaN, maxUs: NaN };
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await reader.close();
    }
  };
  return {
    headerLines,
    headerBytes: reader.offset,
    stats,
    chunks: () => readRecords(reader, file, options, stats, close),
    close,
  };
}

async function* readRecords(
  reader: ByteReader,
  file: string,
  options: Aedat2Options,
  stats: Aedat2Stats,
  close: () => Promise<void>,
): AsyncGenerator<Events, void, undefined> {
  const strict = (options.timeOrder ?? 'strict') === 'strict';
  const jaer = options.orientation === 'jaer';
  const builder = new EventChunkBuilder(options.chunkEvents ?? DEFAULT_CHUNK_EVENTS, DVS128_SENSOR);
  const blockRecords = Math.max(1, Math.floor((options.blockBytes ?? DEFAULT_BLOCK_BYTES) / AEDAT2_RECORD_BYTES));
  let lastUs = -Infinity;
  try {
    for (;;) {
      const blockStart = reader.offset;
      const have = await reader.ensure(blockRecords * AEDAT2_RECORD_BYTES);
      if (have === 0) break;
      const whole = Math.floor(have / AEDAT2_RECORD_BYTES);
      const bytes = reader.view(have);
      for (let i = 0; i < whole; i++) {
        const o = i * AEDAT2_RECORD_BYTES;
        const address = bytes.getUint32(o);
        const tUs = bytes.getUint32(o + 4);
        stats.records++;
        if (address >>> 15 !== 0) {
          stats.specialSkipped++;
          continue;
        }
        if (tUs < lastUs) {
          if (strict) {
            throw new DataFormatError(
              file,
              `timestamp goes backwards: ${tUs} µs after ${lastUs} µs (pass timeOrder: 'tolerate' to read such files)`,
              `byte ${blockStart + o}`,
            );
          }
          stats.backwardsSteps++;
        }
        lastUs = tUs;
        if (!(tUs >= stats.minUs)) stats.minUs = tUs;
        if (!(tUs <= stats.maxUs)) stats.maxUs = tUs;
        const rawX = (address >>> 1) & 0x7f;
        const y = (address >>> 8) & 0x7f;
        const bit = address & 1;
        builder.push(jaer ? 127 - rawX : rawX, y, tUs, jaer ? 1 - bit : bit);
        stats.events++;
        if (builder.full) yield builder.take();
      }
      if (whole * AEDAT2_RECORD_BYTES < have) {
        const at = blockStart + whole * AEDAT2_RECORD_BYTES;
        throw new DataFormatError(
          file,
          `truncated record: ${AEDAT2_RECORD_BYTES} bytes expected, ${have - whole * AEDAT2_RECORD_BYTES} left in the file`,
          `byte ${at}`,
        );
      }
      reader.skip(have);
    }
    if (builder.length > 0) yield builder.take();
  } finally {
    await close();
  }
}

/**
 * Reads the DVS events of an AEDAT 2.0 file with startUs ≤ t < endUs into memory. With
 * timeOrder 'strict' it stops reading at the first event at or after endUs (then `stats`
 * counts only what was read).
 */
export async function readAedat2(
  file: ByteSource | { readonly name: string; readonly bytes: Uint8Array },
  options: Aedat2Options & TimeRange = {},
): Promise<{ events: Events; stats: Aedat2Stats; headerLines: readonly string[] }> {
  const stream = await openAedat2('bytes' in file ? bytesSource(file.name, file.bytes) : file, options);
  const parts = await collectRange(stream.chunks(), options, (options.timeOrder ?? 'strict') === 'strict');
  return { events: concatEvents(parts, DVS128_SENSOR), stats: { ...stream.stats }, headerLines: stream.headerLines };
}
