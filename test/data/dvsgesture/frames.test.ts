import { describe, expect, it } from 'vitest';
import { allocEvents, DVS128_SENSOR, type Events, type SensorSize } from '../../../src/data/dvsgesture/events.js';
import {
  accumulateSpan,
  frameGeometry,
  framesByEventCount,
  framesByTimeBins,
  framesByTimeWindow,
  normalizeFrames,
  type FrameStack,
} from '../../../src/data/dvsgesture/frames.js';

function makeEvents(rows: [x: number, y: number, p: number, t: number][], sensor: SensorSize = [4, 4, 2]): Events {
  const e = allocEvents(rows.length, sensor);
  rows.forEach(([x, y, p, t], i) => {
    e.x[i] = x;
    e.y[i] = y;
    e.p[i] = p;
    e.t[i] = t;
  });
  return e;
}

// Eleven events on a 4 × 4 sensor at t = 0..10. With pool 2 the output is 2 × 2:
// pixel 0 = x 0-1, y 0-1; pixel 1 = x 2-3, y 0-1; pixel 2 = x 0-1, y 2-3; pixel 3 = x 2-3, y 2-3.
const tiny = makeEvents([
  [0, 0, 1, 0], // px 0
  [1, 0, 0, 1], // px 0
  [1, 0, 1, 2], // px 0
  [3, 3, 0, 3], // px 3
  [2, 1, 1, 4], // px 1
  [0, 0, 0, 5], // px 0
  [3, 0, 1, 6], // px 1
  [1, 1, 0, 7], // px 0
  [2, 2, 1, 8], // px 3
  [3, 3, 1, 9], // px 3
  [0, 3, 0, 10], // px 2
]);

const frames = (s: FrameStack): number[][] =>
  Array.from({ length: s.count }, (_, f) => Array.from(s.data.subarray(f * s.frameSize, (f + 1) * s.frameSize)));

describe('frame geometry and pooling', () => {
  it('pools 128 × 128 by 4 into 32 × 32 = 1,024 (merge) or 2,048 (split)', () => {
    expect(frameGeometry(DVS128_SENSOR, { pool: 4 })).toMatchObject({ channels: 1, width: 32, height: 32, frameSize: 1024 });
    expect(frameGeometry(DVS128_SENSOR, { pool: 4, polarity: 'split' }).frameSize).toBe(2048);
    expect(frameGeometry([5, 5, 2], { pool: 2 })).toMatchObject({ width: 3, height: 3 });
    expect(() => frameGeometry(DVS128_SENSOR, { pool: 0 })).toThrow(RangeError);
  });

  it('pixel (x, y) adds to (⌊x/4⌋, ⌊y/4⌋), index y·32 + x', () => {
    const e = makeEvents([[127, 127, 1, 0], [4, 0, 0, 1], [3, 4, 1, 2], [3, 3, 0, 3]], DVS128_SENSOR);
    const s = framesByTimeBins(e, 1, { pool: 4, startUs: 0, endUs: 4 });
    const nonzero = Array.from(s.data.entries()).filter(([, v]) => v !== 0);
    expect(nonzero).toEqual([[0, 1], [1, 1], [32, 1], [1023, 1]]);
  });

  it('rejects events outside the sensor', () => {
    const e = makeEvents([[4, 0, 0, 0]]);
    expect(() => framesByTimeBins(e, 1, { startUs: 0, endUs: 1 })).toThrow('event 0 at x 4, y 0 lies outside the 4×4 sensor');
  });
});

describe('framesByTimeBins', () => {
  it('tonic form: window ⌊(10 − 0)/3⌋ = 3 µs, events at t 9 and 10 left out', () => {
    const s = framesByTimeBins(tiny, 3, { pool: 2 });
    expect(s.count).toBe(3);
    expect(frames(s)).toEqual([
      [3, 0, 0, 0],
      [1, 1, 0, 1],
      [1, 1, 0, 1],
    ]);
  });

  it("polarity 'split': channel 0 = OFF, channel 1 = ON", () => {
    expect(frames(framesByTimeBins(tiny, 3, { pool: 2, polarity: 'split' }))).toEqual([
      [1, 0, 0, 0, 2, 0, 0, 0],
      [1, 0, 0, 1, 0, 1, 0, 0],
      [1, 0, 0, 0, 0, 1, 0, 1],
    ]);
  });

  it('span form: 2 bins over [0, 11), bin ⌊t·2/11⌋, every event counted', () => {
    const s = framesByTimeBins(tiny, 2, { pool: 2, startUs: 0, endUs: 11 });
    expect(frames(s)).toEqual([
      [4, 1, 0, 1],
      [1, 1, 1, 2],
    ]);
    // Bins at [100, 106): only events 100 ≤ t < 106 count; here none.
    expect(frames(framesByTimeBins(tiny, 2, { pool: 2, startUs: 100, endUs: 106 }))).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    // [2, 8) in 3 bins of 2 µs: t 2-3, 4-5, 6-7.
    expect(frames(framesByTimeBins(tiny, 3, { pool: 2, startUs: 2, endUs: 8 }))).toEqual([
      [1, 0, 0, 1],
      [1, 1, 0, 0],
      [1, 1, 0, 0],
    ]);
  });

  it('span form ignores event order; tonic form requires it', () => {
    const rev = makeEvents(Array.from({ length: 11 }, (_, i) => [tiny.x[10 - i], tiny.y[10 - i], tiny.p[10 - i], tiny.t[10 - i]]));
    expect(frames(framesByTimeBins(rev, 2, { pool: 2, startUs: 0, endUs: 11 }))).toEqual(frames(framesByTimeBins(tiny, 2, { pool: 2, startUs: 0, endUs: 11 })));
    expect(() => framesByTimeBins(rev, 2)).toThrow('framesByTimeBins without a span needs events in time order');
    expect(() => framesByTimeBins(tiny, 2, { startUs: 5 })).toThrow(RangeError);
    expect(() => framesByTimeBins(tiny, 0)).toThrow(RangeError);
  });

  it('no events: nBins empty frames', () => {
    const s = framesByTimeBins(makeEvents([]), 4, { pool: 2 });
    expect(s.count).toBe(4);
    expect(s.data.every((v) => v === 0)).toBe(true);
  });

  it('accumulateSpan adds chunk by chunk to the same result', () => {
    const g = frameGeometry(tiny.sensorSize, { pool: 2 });
    const out = new Float32Array(2 * g.frameSize);
    const half = (from: number, to: number) => makeEvents(Array.from({ length: to - from }, (_, k) => [tiny.x[from + k], tiny.y[from + k], tiny.p[from + k], tiny.t[from + k]]));
    accumulateSpan(out, g, half(0, 6), 0, 11, 2);
    accumulateSpan(out, g, half(6, 11), 0, 11, 2);
    expect(Array.from(out)).toEqual([4, 1, 0, 1, 1, 1, 1, 2]);
  });
});

describe('normalisation', () => {
  const counts = () => framesByTimeBins(tiny, 2, { pool: 2, startUs: 0, endUs: 11 });
  it("'frameMax' divides each frame by its maximum", () => {
    expect(frames(framesByTimeBins(tiny, 2, { pool: 2, startUs: 0, endUs: 11, normalize: 'frameMax' }))).toEqual([
      [1, 0.25, 0, 0.25],
      [0.5, 0.5, 0.5, 1],
    ]);
  });
  it("'sampleMax' divides the stack by its maximum, 'clip' caps at 1", () => {
    const s = counts();
    normalizeFrames(s.data, s.frameSize, 'sampleMax');
    expect(frames(s)).toEqual([
      [1, 0.25, 0, 0.25],
      [0.25, 0.25, 0.25, 0.5],
    ]);
    const c = counts();
    normalizeFrames(c.data, c.frameSize, 'clip');
    expect(frames(c)).toEqual([
      [1, 1, 0, 1],
      [1, 1, 1, 1],
    ]);
  });
  it('an empty frame stays zero', () => {
    const data = new Float32Array(8);
    data[5] = 3;
    normalizeFrames(data, 4, 'frameMax');
    expect(Array.from(data)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
  });
});

describe('framesByTimeWindow (tonic slice_events_by_time)', () => {
  it('window 4 µs: ⌊(10 − 4)/4⌋ + 1 = 2 frames; includeIncomplete: ⌈6/4⌉ + 1 = 3', () => {
    expect(frames(framesByTimeWindow(tiny, 4, { pool: 2 }))).toEqual([
      [3, 0, 0, 1],
      [2, 2, 0, 0],
    ]);
    expect(frames(framesByTimeWindow(tiny, 4, { pool: 2, includeIncomplete: true }))).toEqual([
      [3, 0, 0, 1],
      [2, 2, 0, 0],
      [0, 0, 1, 2],
    ]);
  });
  it('overlap 2 µs: stride 2, windows [0,4) [2,6) [4,8) [6,10)', () => {
    const s = framesByTimeWindow(tiny, 4, { pool: 2, overlapUs: 2 });
    expect(s.count).toBe(4);
    expect(frames(s)[1]).toEqual([2, 1, 0, 1]); // t 2, 3, 4, 5
  });
  it('a window longer than the recording gives one frame; no events give none', () => {
    expect(framesByTimeWindow(tiny, 100, { pool: 2 }).count).toBe(1);
    expect(framesByTimeWindow(makeEvents([]), 100).count).toBe(0);
    expect(() => framesByTimeWindow(tiny, 4, { overlapUs: 4 })).toThrow(RangeError);
  });
});

describe('framesByEventCount (tonic slice_events_by_count)', () => {
  it('4 events per frame: ⌊(11 − 4)/4⌋ + 1 = 2 frames; includeIncomplete adds the last 3', () => {
    expect(frames(framesByEventCount(tiny, 4, { pool: 2 }))).toEqual([
      [3, 0, 0, 1],
      [2, 2, 0, 0],
    ]);
    const inc = framesByEventCount(tiny, 4, { pool: 2, includeIncomplete: true });
    expect(frames(inc)[2]).toEqual([0, 0, 1, 2]);
  });
  it('overlap 1: stride 3, events [0,4) [3,7) [6,10)', () => {
    expect(frames(framesByEventCount(tiny, 4, { pool: 2, overlap: 1 }))).toEqual([
      [3, 0, 0, 1],
      [1, 2, 0, 1],
      [1, 1, 0, 2],
    ]);
  });
  it('count above the number of events: one frame of all; no events: none', () => {
    expect(frames(framesByEventCount(tiny, 20, { pool: 2 }))).toEqual([[5, 2, 1, 3]]);
    expect(framesByEventCount(makeEvents([]), 3).count).toBe(0);
    expect(() => framesByEventCount(tiny, 4, { overlap: 4 })).toThrow(RangeError);
  });
});
