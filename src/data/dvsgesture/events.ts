/**
 * Address events as typed arrays, the tonic convention: parallel arrays x, y, t (µs), p and the
 * sensor size [width, height, polarities]. Event i is (x[i], y[i], t[i], p[i]).
 *
 * Timestamps are Float64Array: AEDAT 3.1 timestamps are 31 bits plus an overflow counter, so they
 * exceed 2^31 µs (36 min) on long recordings; doubles hold every integer µs exactly up to 2^53.
 */

/** [width, height, polarities], e.g. [128, 128, 2] for the DVS128. */
export type SensorSize = readonly [number, number, number];

/** The DVS128 sensor: 128 × 128 pixels, 2 polarities. */
export const DVS128_SENSOR: SensorSize = [128, 128, 2];

export interface Events {
  /** Column, 0 ≤ x < sensorSize[0]. */
  readonly x: Uint16Array;
  /** Row, 0 ≤ y < sensorSize[1]. */
  readonly y: Uint16Array;
  /** Timestamp in µs (integers). */
  readonly t: Float64Array;
  /** Polarity: 1 = ON (brightness up), 0 = OFF. */
  readonly p: Uint8Array;
  readonly sensorSize: SensorSize;
}

/** A set of `length` zeroed events. */
export function allocEvents(length: number, sensorSize: SensorSize): Events {
  return {
    x: new Uint16Array(length),
    y: new Uint16Array(length),
    t: new Float64Array(length),
    p: new Uint8Array(length),
    sensorSize,
  };
}

/** Number of events. */
export function eventCount(events: Events): number {
  return events.t.length;
}

/** Events [from, to) as views sharing memory with `events`. */
export function subEvents(events: Events, from: number, to: number): Events {
  return {
    x: events.x.subarray(from, to),
    y: events.y.subarray(from, to),
    t: events.t.subarray(from, to),
    p: events.p.subarray(from, to),
    sensorSize: events.sensorSize,
  };
}

/** The events of several chunks, in order, in new arrays. */
export function concatEvents(chunks: readonly Events[], sensorSize: SensorSize): Events {
  const total = chunks.reduce((n, c) => n + eventCount(c), 0);
  const out = allocEvents(total, sensorSize);
  let at = 0;
  for (const c of chunks) {
    out.x.set(c.x, at);
    out.y.set(c.y, at);
    out.t.set(c.t, at);
    out.p.set(c.p, at);
    at += eventCount(c);
  }
  return out;
}

/**
 * The events with startUs ≤ t < endUs, copied, in their original order. Works on unsorted
 * events too (it tests every event).
 */
export function selectTimeRange(events: Events, startUs: number, endUs: number): Events {
  const { t } = events;
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t[i] >= startUs && t[i] < endUs) n++;
  const out = allocEvents(n, events.sensorSize);
  let k = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] >= startUs && t[i] < endUs) {
      out.x[k] = events.x[i];
      out.y[k] = events.y[i];
      out.t[k] = t[i];
      out.p[k] = events.p[i];
      k++;
    }
  }
  return out;
}

/**
 * Fills fixed-size chunks of events one event at a time; a reader yields each full chunk.
 * `take()` hands the filled part over and starts new arrays, so a yielded chunk stays valid.
 */
export class EventChunkBuilder {
  private chunk: Events;
  private n = 0;

  constructor(
    private readonly capacity: number,
    private readonly sensorSize: SensorSize,
  ) {
    this.chunk = allocEvents(capacity, sensorSize);
  }

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  push(x: number, y: number, tUs: number, p: number): void {
    const c = this.chunk;
    c.x[this.n] = x;
    c.y[this.n] = y;
    c.t[this.n] = tUs;
    c.p[this.n] = p;
    this.n++;
  }

  take(): Events {
    const out = subEvents(this.chunk, 0, this.n);
    this.chunk = allocEvents(this.capacity, this.sensorSize);
    this.n = 0;
    return out;
  }
}

/** What a reader does when a timestamp is smaller than the one before it. */
export type TimeOrderPolicy = 'strict' | 'tolerate';

/** Default number of events per yielded chunk. */
export const DEFAULT_CHUNK_EVENTS = 65_536;

export interface TimeRange {
  /** Keep events with startUs ≤ t (default: from the start). */
  readonly startUs?: number;
  /** Keep events with t < endUs (default: to the end). */
  readonly endUs?: number;
}

/**
 * The events of a chunk stream inside a time range. When `ordered` (timestamps never go
 * backwards) it stops consuming at the first chunk that reaches endUs, which closes the file.
 */
export async function collectRange(
  chunks: AsyncIterable<Events>,
  range: TimeRange,
  ordered: boolean,
): Promise<Events[]> {
  const start = range.startUs ?? -Infinity;
  const end = range.endUs ?? Infinity;
  const parts: Events[] = [];
  for await (const chunk of chunks) {
    const n = chunk.t.length;
    if (n === 0) continue;
    const whole = ordered && chunk.t[0] >= start && chunk.t[n - 1] < end;
    parts.push(whole ? chunk : selectTimeRange(chunk, start, end));
    if (ordered && chunk.t[n - 1] >= end) break;
  }
  return parts;
}
