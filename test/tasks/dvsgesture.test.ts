/**
 * The DVS Gesture task end to end on recordings written in the exact AEDAT 3.1 layout: two users
 * (one train, one test), two gestures each (a vertical bar sweeping right, a horizontal bar sweeping down), loaded,
 * cut into 100-frame segments, trained on frame by frame, scored per segment and per frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dvsGestureTask, GESTURE_FRAMES } from '../../src/tasks/dvsgesture.js';
import { resolveRunConfig } from '../../src/train/run-config.js';
import { directorySource } from '../../src/node/files.js';
import { train } from '../../src/train/loop.js';
import { aedat3Bytes, labelsCsv, polarityPackets, tempDir, type PolarityEvent } from '../data/dvsgesture/writers.js';

let fixture: Awaited<ReturnType<typeof tempDir>>;

/** A vertical bar sweeping right (class 2) or a horizontal bar sweeping down (class 3) over [startUs, endUs). */
function sweep(startUs: number, endUs: number, vertical: boolean): PolarityEvent[] {
  const events: PolarityEvent[] = [];
  for (let t = startUs; t < endUs; t += 500) {
    const at = Math.floor(((t - startUs) / (endUs - startUs)) * 127);
    for (let u = 20; u < 108; u += 4) events.push({ x: vertical ? at : u, y: vertical ? u : at, p: 1, t });
  }
  return events;
}

beforeAll(async () => {
  fixture = await tempDir();
  for (const [user, name] of [[1, 'user01_led'], [24, 'user24_led']] as const) {
    const events = [...sweep(0, 1_000_000, true), ...sweep(1_000_000, 2_000_000, false)];
    await fixture.write(`${name}.aedat`, aedat3Bytes(polarityPackets(events)));
    await fixture.write(`${name}_labels.csv`, labelsCsv([[2, 0, 1_000_000], [3, 1_000_000, 2_000_000]]));
    expect(user).toBeGreaterThan(0);
  }
});
afterAll(async () => fixture.cleanup());

describe('dvsgesture task', () => {
  it('loads segments as frame rows and scores per segment and per frame', async () => {
    const data = await dvsGestureTask.load(directorySource(fixture.dir), {});
    expect(data.train.count).toBe(2 * GESTURE_FRAMES);
    expect(data.test.count).toBe(2 * GESTURE_FRAMES);
    expect(data.train.inputSize).toBe(1024);
    expect(data.train.rowsPerSample).toBe(GESTURE_FRAMES);
    expect(Array.from(data.train.labels!.subarray(0, 1))).toEqual([1]);
    // perfect outputs: right on every frame → 100 % per segment and per frame
    const rows = Int32Array.from({ length: data.test.count }, (_, i) => i);
    const perfect = data.test.targets.slice();
    expect(dvsGestureTask.score(perfect, data.test, rows)).toEqual({ primary: 1, extra: { frameAccuracy: 1 } });
    // a segment whose frames are mostly right still counts as right as a whole
    const mostly = perfect.slice();
    for (let f = 0; f < 30; f++) mostly.set([0, 0, 0, 1], f * 11);
    const s = dvsGestureTask.score(mostly, data.test, rows);
    expect(s.primary).toBe(1);
    expect(s.extra.frameAccuracy).toBeCloseTo(0.85, 6);
  });

  it('trains the SNN on it, frame by frame, and tells the two sweeps apart', async () => {
    const data = await dvsGestureTask.load(directorySource(fixture.dir), {});
    const config = resolveRunConfig({ task: 'dvsgesture', epochs: 3, batchSize: 10, shuffle: true, snn: { layers: [1024, 40, 11], lif: { tMs: 1 } } });
    const { history } = await train(config, data);
    expect(history[2].testAccuracy).toBeGreaterThanOrEqual(0.5);
    expect(history[2].testFrameAccuracy).toBeGreaterThan(0.5);
  });
});
