/**
 * AEDAT 3.1 reader (cAER / libcaer files, the format of DVS128 Gesture), streamed packet by packet.
 *
 * Layout (little-endian; the AEDAT 3.1 format of inivation's libcaer / jAER documentation):
 * 1. ASCII header lines starting with `#`, ending `\r\n`: first `#!AER-DAT3.1`, last `#!END-HEADER`.
 * 2. Packets to end of file: a 28-byte header
 *    `int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset,
 *     int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber, int32 eventValid`,
 *    then `eventCapacity × eventSize` bytes of events. Packets of a type other than 1
 *    (polarity) are skipped by that length, as tonic and SpikingJelly do.
 * 3. Polarity event, 8 bytes: `uint32 data, int32 timestamp`; data bit 0 = valid mark,
 *    bit 1 = polarity (1 = ON), y = (data >> 2) & 0x7FFF, x = (data >> 17) & 0x7FFF
 *    (libcaer polarity.h). Time in µs = eventTSOverflow · 2^31 + timestamp.
 *
 * Decisions:
 * - The first `eventNumber` events of a polarity packet are decoded (libcaer: the slots after
 *   eventNumber are unused capacity); the reader then moves on by capacity × size.
 * - Events whose valid mark is 0 are skipped and counted (libcaer's iterators skip them);
 *   `includeInvalid: true` keeps them, as SpikingJelly's reader does.
 * - Timestamps that go backwards: `timeOrder: 'strict'` (default) throws a DataFormatError at
 *   the event's byte offset, because the cutting and framing code assumes time order and a
 *   backwards step usually means a damaged file; `'tolerate'` keeps the events in file order
 *   and counts the steps in `stats.backwardsSteps`.
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
  type SensorSize,
  type TimeOrderPolicy,
  type TimeRange,
} from './events.js';
import { quoteLine, readHeaderLine } from './headerLines.js';

export const AEDAT3_VERSION_LINE = '#!AER-DAT3.1';
export const AEDAT3_END_HEADER = '#!END-HEADER';
export const AEDAT3_PACKET_HEADER_BYTES = 28;
/** eventType of polarity (DVS) events. */
export const POLARITY_EVENT_TYPE = 1;
export const POLARITY_EVENT_BYTES = 8;
/** The largest eventTSOverflow whose timestamps (overflow · 2^31 + int32) stay exact in a float64: 2^22 − 1. */
const MAX_TS_OVERFLOW = 2 ** 22 - 1;

export interface Aedat3Options {
  /** Events per yielded chunk (default 65,536). */
  readonly chunkEvents?: number;
  /** Backwards timestamps: throw ('strict', default) or count them ('tolerate'). */
  readonly timeOrder?: TimeOrderPolicy;
  /** Keep events whose valid mark is 0 (default false: skip and count them). */
  readonly includeInvalid?: boolean;
  /** Sensor the coordinates are checked against (default DVS128 [128, 128, 2]). */
  readonly sensorSize?: SensorSize;
  /** Disk read size in bytes (default 4 MiB). */
  readonly blockBytes?: number;
}

export interface Aedat3Stats {
  packets: number;
  polarityPackets: number;
  /** Packets of other event types, skipped. */
  skippedPackets: number;
  /** Events delivered. */
  events: number;
  /** Events skipped because their valid mark was 0. */
  invalidSkipped: number;
  /** Times an event's timestamp was smaller than the one before it ('tolerate' only). */
  backwardsSteps: number;
  /** Smallest and largest delivered timestamp in µs (NaN before the first event). */
  minUs: number;
  maxUs: number;
}

export interface Aedat3Stream {
  /** The header lines, without line ends, `#!AER-DAT3.1` … `#!END-HEADER`. */
  readonly headerLines: readonly string[];
  /** Byte offset of the first packet. */
  readonly headerBytes: number;
  /** Counters, updated while `chunks()` runs; final once it has finished. */
  readonly stats: Readonly<Aedat3Stats>;
  /** The polarity events in file order, in chunks. Closes the file when done or abandoned. */
  chunks(): AsyncGenerator<Events, void, undefined>;
  /** Closes the file without reading it (not needed after `chunks()` ran or was broken off). */
  close(): Promise<void>;
}

/**
 * Opens an AEDAT 3.1 file and reads its header; the events come from `chunks()`.
 * Throws DataFormatError for a wrong version line or a missing `#!END-HEADER` (or one the end of
 * the file cuts before its line end). A complete header followed by no packet is an empty
 * recording: `#!END-HEADER` marks the header's end, so such a file is not a truncated one.
 */
export async function openAedat3(source: ByteSource, options: Aedat3Options = {}): Promise<Aedat3Stream> {
  const file = source.name;
  const reader = new ByteReader(source, options.blockBytes ?? DEFAULT_BLOCK_BYTES);
  let headerLines: string[];
  try {
    headerLines = await readAedat3Header(reader, file);
  } catch (err) {
    await reader.close();
    throw err;
  }
  const headerBytes = reader.offset;
  const stats: Aedat3Stats = {
    packets: 0,
    polarityPackets: 0,
    skippedPackets: 0,
    events: 0,
    invalidSkipped: 0,
    backwardsSteps: 0,
    minUs: NaN,
    maxUs: NaN,
  };
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await reader.close();
    }
  };
  return {
    headerLines,
    headerBytes,
    stats,
    chunks: () => readPackets(reader, file, options, stats, close),
    close,
  };
}

async function readAedat3Header(reader: ByteReader, file: string): Promise<string[]> {
  const first = await readHeaderLine(reader, file);
  if (first === null || first.text !== AEDAT3_VERSION_LINE) {
    const found = first === null ? 'an empty file' : quoteLine(first.text);
    const hint = first?.text.startsWith('#!AER-DAT2') ? ' (an AEDAT 2.0 file: use readAedat2)' : '';
    throw new DataFormatError(file, `AEDAT version line ${JSON.stringify(AEDAT3_VERSION_LINE)} expected, found ${found}${hint}`, 'byte 0');
  }
  const lines = [first.text];
  for (;;) {
    const line = await readHeaderLine(reader, file);
    if (line === null || !line.text.startsWith('#')) {
      const where = line === null ? reader.offset : line.offset;
      const found = line === null ? 'end of file' : `a line that does not start with '#': ${quoteLine(line.text)}`;
      throw new DataFormatError(file, `header has no ${AEDAT3_END_HEADER} line: found ${found}`, `byte ${where}`);
    }
    lines.push(line.text);
    if (line.text === AEDAT3_END_HEADER) {
      // A file that ends inside this last line (no line end) is cut in its header.
      if (!line.terminated) throw new DataFormatError(file, `header line ${AEDAT3_END_HEADER} is cut short: the file ends before its line end`, `byte ${line.offset}`);
      return lines;
    }
  }
}

async function* readPackets(
  reader: ByteReader,
  file: string,
  options: Aedat3Options,
  stats: Aedat3Stats,
  close: () => Promise<void>,
): AsyncGenerator<Events, void, undefined> {
  const sensor = options.sensorSize ?? DVS128_SENSOR;
  const [width, height] = sensor;
  const strict = (options.timeOrder ?? 'strict') === 'strict';
  const includeInvalid = options.includeInvalid ?? false;
  const builder = new EventChunkBuilder(options.chunkEvents ?? DEFAULT_CHUNK_EVENTS, sensor);
  let lastUs = -Infinity;
  try {
    for (;;) {
      const packetStart = reader.offset;
      const have = await reader.ensure(AEDAT3_PACKET_HEADER_BYTES);
      if (have === 0) break;
      if (have < AEDAT3_PACKET_HEADER_BYTES) {
        throw new DataFormatError(
          file,
          `truncated packet header: ${AEDAT3_PACKET_HEADER_BYTES} bytes expected, ${have} left in the file`,
          `byte ${packetStart}`,
        );
      }
      const h = reader.view(AEDAT3_PACKET_HEADER_BYTES);
      const eventType = h.getInt16(0, true);
      const eventSize = h.getInt32(4, true);
      const tsOffset = h.getInt32(8, true);
      const tsOverflow = h.getInt32(12, true);
      const capacity = h.getInt32(16, true);
      const number = h.getInt32(20, true);
      reader.skip(AEDAT3_PACKET_HEADER_BYTES);
      stats.packets++;

      const at = `byte ${packetStart}`;
      if (eventSize < 0 || capacity < 0) {
        throw new DataFormatError(file, `packet header has eventSize ${eventSize} and eventCapacity ${capacity}; both must be ≥ 0`, at);
      }
      const bodyBytes = capacity * eventSize;
      if (bodyBytes > reader.remaining) {
        throw new DataFormatError(
          file,
          `truncated packet body: eventCapacity ${capacity} × eventSize ${eventSize} = ${bodyBytes} bytes expected, ${reader.remaining} left in the file`,
          at,
        );
      }
      if (eventType !== POLARITY_EVENT_TYPE) {
        stats.skippedPackets++;
        reader.skip(bodyBytes);
        continue;
      }
      stats.polarityPackets++;
      if (eventSize !== POLARITY_EVENT_BYTES) {
        throw new DataFormatError(file, `polarity packet has eventSize ${eventSize}, ${POLARITY_EVENT_BYTES} expected`, at);
      }
      if (tsOffset !== 4) {
        throw new DataFormatError(file, `polarity packet has eventTSOffset ${tsOffset}, 4 expected`, at);
      }
      if (number < 0 || number > capacity) {
        throw new DataFormatError(file, `polarity packet has eventNumber ${number} outside 0..eventCapacity (${capacity})`, at);
      }
      if (tsOverflow < 0) {
        throw new DataFormatError(file, `polarity packet has a negative eventTSOverflow ${tsOverflow}`, at);
      }
      if (tsOverflow > MAX_TS_OVERFLOW) {
        throw new DataFormatError(file, `polarity packet has eventTSOverflow ${tsOverflow}, more than ${MAX_TS_OVERFLOW}: its timestamps (overflow · 2^31 µs) would pass 2^53 µs and not be exact`, at);
      }
      const overflowUs = tsOverflow * 2 ** 31;
      await reader.ensure(bodyBytes);
      const body = reader.view(bodyBytes);
      const bodyStart = reader.offset;
      for (let i = 0; i < number; i++) {
        const o = i * POLARITY_EVENT_BYTES;
        const data = body.getUint32(o, true);
        if ((data & 1) === 0 && !includeInvalid) {
          stats.invalidSkipped++;
          continue;
        }
        const ts = body.getInt32(o + 4, true);
        const x = (data >>> 17) & 0x7fff;
        const y = (data >>> 2) & 0x7fff;
        if (ts < 0) {
          throw new DataFormatError(file, `polarity event has a negative timestamp ${ts}`, `byte ${bodyStart + o}`);
        }
        if (x >= width || y >= height) {
          throw new DataFormatError(file, `polarity event at x ${x}, y ${y} lies outside the ${width}×${height} sensor`, `byte ${bodyStart + o}`);
        }
        const tUs = overflowUs + ts;
        if (tUs < lastUs) {
          if (strict) {
            throw new DataFormatError(
              file,
              `timestamp goes backwards: ${tUs} µs after ${lastUs} µs (pass timeOrder: 'tolerate' to read such files)`,
              `byte ${bodyStart + o}`,
            );
          }
          stats.backwardsSteps++;
        }
        lastUs = tUs;
        if (!(tUs >= stats.minUs)) stats.minUs = tUs;
        if (!(tUs <= stats.maxUs)) stats.maxUs = tUs;
        builder.push(x, y, tUs, (data >>> 1) & 1);
        stats.events++;
        if (builder.full) yield builder.take();
      }
      reader.skip(bodyBytes);
    }
    if (builder.length > 0) yield builder.take();
  } finally {
    await close();
  }
}

/**
 * Reads the polarity events of an AEDAT 3.1 file with startUs ≤ t < endUs into memory.
 * With timeOrder 'strict' it stops reading at the first event at or after endUs (then `stats`
 * counts only what was read).
 */
export async function readAedat3(
  file: ByteSource | { readonly name: string; readonly bytes: Uint8Array },
  options: Aedat3Options & TimeRange = {},
): Promise<{ events: Events; stats: Aedat3Stats; headerLines: readonly string[] }> {
  const stream = await openAedat3('bytes' in file ? bytesSource(file.name, file.bytes) : file, options);
  const parts = await collectRange(stream.chunks(), options, (options.timeOrder ?? 'strict') === 'strict');
  const sensor = options.sensorSize ?? DVS128_SENSOR;
  return { events: concatEvents(parts, sensor), stats: { ...stream.stats }, headerLines: stream.headerLines };
}
