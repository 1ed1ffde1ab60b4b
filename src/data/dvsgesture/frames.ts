/**
 * Events → frames (event-count images), the tonic `ToFrame` semantics, with spatial sum
 * pooling (DVS128 128 × 128 → 32 × 32 with pool 4, as the paper's 1,024 inputs).
 *
 * A frame stack is `count × channels × height × width` Float32 values, row-major: the value of
 * frame f, channel c, pixel (x, y) is at ((f·C + c)·H + y)·W + x, tonic's (N, P, H, W) layout.
 * Channels: `polarity: 'merge'` (default) sums ON and OFF into one channel; `'split'` keeps
 * channel 0 = OFF (p = 0) and channel 1 = ON (p = 1).
 * Pooling by `pool`: event (x, y) counts in pixel (⌊x/pool⌋, ⌊y/pool⌋); the output is
 * ⌈W/pool⌉ × ⌈H/pool⌉ (tonic Downsample followed by ToFrame, for W divisible by pool).
 *
 * Three ways to cut time, as tonic:
 * - framesByTimeBins(events, n): n windows of ⌊(t_last − t_first)/n⌋ µs from t_first (tonic's
 *   integer window; events at or after t_first + n·window, the last event included, are left
 *   out). With { startUs, endUs } instead,
 *   n equal bins span [startUs, endUs) exactly and every event in it lands in one frame:
 *   bin = ⌊(t − startUs)·n / (endUs − startUs)⌋. The gesture loader uses this second form on
 *   each labelled segment.
 * - framesByTimeWindow(events, windowUs, { overlapUs, includeIncomplete }).
 * - framesByEventCount(events, count, { overlap, includeIncomplete }).
 * The tonic forms need events in time order (checked); the span form does not.
 *
 * Normalisation (`normalize`, default 'none' = raw counts as tonic):
 * - 'frameMax': each frame divided by its largest value (over both channels), so every frame
 *   lies in [0, 1] with its brightest pixel at 1, like an MNIST image; an empty frame stays 0.
 *   This is the gesture loader's default: the SNN sees one frame at a time as its input
 *   layer's state in [0, 1] (docs/algorithms.md §1.1), and a frame's contrast pattern, not the
 *   event rate, carries the gesture.
 * - 'sampleMax': the whole stack divided by its largest value (keeps rate differences between
 *   frames; quiet frames come out dim).
 * - 'clip': min(count, 1): a binary "any event here" image (spike-like input).
 */
import type { Events, SensorSize } from './events.js';

export type PolarityMode = 'merge' | 'split';
export type Normalization = 'none' | 'frameMax' | 'sampleMax' | 'clip';

export interface FrameOptions {
  /** Spatial pooling factor (default 1). */
  readonly pool?: number;
  /** 'merge' (default): ON + OFF in one channel; 'split': channel 0 = OFF, 1 = ON. */
  readonly polarity?: PolarityMode;
  /** Default 'none' (counts). */
  readonly normalize?: Normalization;
}

export interface FrameGeometry {
  readonly channels: 1 | 2;
  readonly height: number;
  readonly width: number;
  /** channels × height × width */
  readonly frameSize: number;
  readonly pool: number;
  readonly sensorWidth: number;
  readonly sensorHeight: number;
}

export interface FrameStack extends FrameGeometry {
  /** Number of frames. */
  readonly count: number;
  /** count × frameSize values. */
  readonly data: Float32Array;
}

/** Output geometry of frames of a sensor with these options. */
export function frameGeometry(sensorSize: SensorSize, options: FrameOptions = {}): FrameGeometry {
  const pool = options.pool ?? 1;
  if (!Number.isInteger(pool) || pool < 1) throw new RangeError(`pool must be a positive integer, got ${pool}`);
  const [sensorWidth, sensorHeight] = sensorSize;
  const width = Math.ceil(sensorWidth / pool);
  const height = Math.ceil(sensorHeight / pool);
  const channels = (options.polarity ?? 'merge') === 'split' ? 2 : 1;
  return { channels, height, width, frameSize: channels * height * width, pool, sensorWidth, sensorHeight };
}

/** Adds events [from, to) of `events` to frame `frame` of `out`. */
function addRange(out: Float32Array, g: FrameGeometry, frame: number, events: Events, from: number, to: number): void {
  const base = frame * g.frameSize;
  const plane = g.height * g.width;
  for (let i = from; i < to; i++) out[pixelIndex(g, events, i) + base + (g.channels === 2 && events.p[i] ? plane : 0)] += 1;
}

function pixelIndex(g: FrameGeometry, events: Events, i: number): number {
  const x = events.x[i];
  const y = events.y[i];
  if (x >= g.sensorWidth || y >= g.sensorHeight) {
    throw new RangeError(`event ${i} at x ${x}, y ${y} lies outside the ${g.sensorWidth}×${g.sensorHeight} sensor`);
  }
  return Math.floor(y / g.pool) * g.width + Math.floor(x / g.pool);
}

/**
 * Adds every event with startUs ≤ t < endUs to one of `nBins` equal bins spanning
 * [startUs, endUs): bin ⌊(t − startUs)·nBins / (endUs − startUs)⌋. `out` holds nBins frames of
 * `g.frameSize`; values are added to what is there (so chunks of a stream can be added one by
 * one). Event order does not matter.
 */
export function accumulateSpan(
  out: Float32Array,
  g: FrameGeometry,
  events: Events,
  startUs: number,
  endUs: number,
  nBins: number,
): void {
  const span = endUs - startUs;
  const plane = g.height * g.width;
  const { t, p } = events;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    if (ti < startUs || ti >= endUs) continue;
    const bin = Math.floor(((ti - startUs) * nBins) / span);
    out[bin * g.frameSize + (g.channels === 2 && p[i] ? plane : 0) + pixelIndex(g, events, i)] += 1;
  }
}

/** Divides or clips a stack of frames in place (see the module comment). */
export function normalizeFrames(data: Float32Array, frameSize: number, mode: Normalization): void {
  if (mode === 'none') return;
  if (mode === 'clip') {
    for (let i = 0; i < data.length; i++) if (data[i] > 1) data[i] = 1;
    return;
  }
  const frames = mode === 'frameMax' ? data.length / frameSize : 1;
  const size = mode === 'frameMax' ? frameSize : data.length;
  for (let f = 0; f < frames; f++) {
    const frame = data.subarray(f * size, (f + 1) * size);
    let max = 0;
    for (let i = 0; i < frame.length; i++) if (frame[i] > max) max = frame[i];
    if (max > 0) for (let i = 0; i < frame.length; i++) frame[i] /= max;
  }
}

function stack(g: FrameGeometry, count: number): FrameStack {
  return { ...g, count, data: new Float32Array(count * g.frameSize) };
}

function finish(s: FrameStack, options: FrameOptions): FrameStack {
  normalizeFrames(s.data, s.frameSize, options.normalize ?? 'none');
  return s;
}

function assertTimeOrder(t: Float64Array, what: string): void {
  for (let i = 1; i < t.length; i++) {
    if (t[i] < t[i - 1]) throw new RangeError(`${what} needs events in time order; event ${i} (t ${t[i]}) comes before event ${i - 1} (t ${t[i - 1]})`);
  }
}

/** First index i with t[i] ≥ value (numpy searchsorted, side 'left'). */
function searchLeft(t: Float64Array, value: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function framesFromWindows(events: Events, g: FrameGeometry, starts: number[], ends: number[]): FrameStack {
  const s = stack(g, starts.length);
  for (let f = 0; f < starts.length; f++) addRange(s.data, g, f, events, searchLeft(events.t, starts[f]), searchLeft(events.t, ends[f]));
  return s;
}

/**
 * `nBins` frames. Without a span: tonic's slice_events_by_time_bins (window
 * ⌊(t_last − t_first)/nBins⌋ µs from t_first; needs time order). With { startUs, endUs }:
 * equal bins spanning exactly [startUs, endUs). No events and no span: nBins empty frames.
 */
export function framesByTimeBins(
  events: Events,
  nBins: number,
  options: FrameOptions & { readonly startUs?: number; readonly endUs?: number } = {},
): FrameStack {
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`nBins must be a positive integer, got ${nBins}`);
  const g = frameGeometry(events.sensorSize, options);
  const { startUs, endUs } = options;
  if (startUs !== undefined || endUs !== undefined) {
    if (startUs === undefined || endUs === undefined || !(endUs > startUs)) {
      throw new RangeError(`a time-bin span needs both startUs and endUs with endUs > startUs, got ${startUs}..${endUs}`);
    }
    const s = stack(g, nBins);
    accumulateSpan(s.data, g, events, startUs, endUs, nBins);
    return finish(s, options);
  }
  const { t } = events;
  if (t.length === 0) return finish(stack(g, nBins), options);
  assertTimeOrder(t, 'framesByTimeBins without a span');
  const window = Math.floor((t[t.length - 1] - t[0]) / nBins);
  const starts = Array.from({ length: nBins }, (_, i) => t[0] + i * window);
  return finish(framesFromWindows(events, g, starts, starts.map((s) => s + window)), options);
}

/**
 * Frames of `windowUs` µs every `windowUs − overlapUs` µs from startUs (default t_first) to
 * endUs (default t_last), tonic's slice_events_by_time: ⌊(span − window)/stride⌋ + 1 frames
 * (⌈…⌉ + 1 with includeIncomplete), at least 1. No events: no frames. Needs time order.
 */
export function framesByTimeWindow(
  events: Events,
  windowUs: number,
  options: FrameOptions & {
    readonly overlapUs?: number;
    readonly includeIncomplete?: boolean;
    readonly startUs?: number;
    readonly endUs?: number;
  } = {},
): FrameStack {
  const overlap = options.overlapUs ?? 0;
  const stride = windowUs - overlap;
  if (!(windowUs > 0) || !(stride > 0)) throw new RangeError(`windowUs (${windowUs}) must be > 0 and > overlapUs (${overlap})`);
  const g = frameGeometry(events.sensorSize, options);
  const { t } = events;
  if (t.length === 0) return finish(stack(g, 0), options);
  assertTimeOrder(t, 'framesByTimeWindow');
  const start = options.startUs ?? t[0];
  const end = options.endUs ?? t[t.length - 1];
  const round = options.includeIncomplete ? Math.ceil : Math.floor;
  const n = Math.max(1, round((end - start - windowUs) / stride) + 1);
  const starts = Array.from({ length: n }, (_, i) => start + i * stride);
  return finish(framesFromWindows(events, g, starts, starts.map((s) => s + windowUs)), options);
}

/**
 * Frames of `count` consecutive events every `count − overlap` events, tonic's
 * slice_events_by_count: count is capped at the number of events; ⌊(n − count)/stride⌋ + 1
 * frames (⌈…⌉ + 1 with includeIncomplete, the last one shorter). No events: no frames.
 */
export function framesByEventCount(
  events: Events,
  count: number,
  options: FrameOptions & { readonly overlap?: number; readonly includeIncomplete?: boolean } = {},
): FrameStack {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const g = frameGeometry(events.sensorSize, options);
  const total = events.t.length;
  if (total === 0) return finish(stack(g, 0), options);
  const perFrame = Math.min(count, total);
  const overlap = options.overlap ?? 0;
  const stride = perFrame - overlap;
  if (!Number.isInteger(overlap) || overlap < 0 || stride <= 0) {
    throw new RangeError(`overlap (${overlap}) must be an integer ≥ 0 and smaller than the events per frame (${perFrame})`);
  }
  const round = options.includeIncomplete ? Math.ceil : Math.floor;
  const n = round((total - perFrame) / stride) + 1;
  const s = stack(g, n);
  for (let f = 0; f < n; f++) addRange(s.data, g, f, events, f * stride, Math.min(total, f * stride + perFrame));
  return finish(s, options);
}
