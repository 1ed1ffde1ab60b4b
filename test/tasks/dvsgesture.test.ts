/**
 * The DVS Gesture task end to end on recordings written in the exact AEDAT 3.1 layout, loaded,
 * cut into 100-frame segments, trained on frame by frame, scored per segment and per frame: first
 * two users with two gestures (the loading and the scores), then a learnable fixture — four
 * gestures of distinct shapes, three training users, two test users — on which the SNN must do far
 * better than chance (25 %).
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

  it('a folder without a test user (24–29) is refused, naming the folder', async () => {
    const only = await tempDir();
    try {
      await only.write('user01_led.aedat', aedat3Bytes(polarityPackets(sweep(0, 1_000_000, true))));
      await only.write('user01_led_labels.csv', labelsCsv([[2, 0, 1_000_000]]));
      await expect(dvsGestureTask.load(directorySource(only.dir), {})).rejects.toThrow(/no gesture segment of the test users 24–29/);
      await expect(dvsGestureTask.load(directorySource(only.dir), {})).rejects.toMatchObject({ name: 'DataFormatError', exitCode: 1 });
    } finally {
      await only.cleanup();
    }
  });
});

/** Four gestures told apart by their shape in every frame, with a little per-user jitter. */
function gesture(kind: number, startUs: number, endUs: number, user: number): PolarityEvent[] {
  const events: PolarityEvent[] = [];
  const jitter = (user * 7) % 9;
  for (let t = startUs; t < endUs; t += 500) {
    const at = Math.floor(((t - startUs) / (endUs - startUs)) * 100) + 14;
    for (let u = 16 + jitter; u < 112; u += 4) {
      if (kind === 0) events.push({ x: at, y: u, p: 1, t }); // a vertical bar sweeping right
      else if (kind === 1) events.push({ x: u, y: at, p: 1, t }); // a horizontal bar sweeping down
      else if (kind === 2) events.push({ x: u, y: u, p: 0, t }); // the main diagonal, flickering
      else events.push({ x: 30 + (u % 24), y: 90 + (u % 12), p: 0, t }); // a blob in the lower left
    }
  }
  return events;
}

describe('dvsgesture task: a learnable fixture', () => {
  let learnable: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    learnable = await tempDir();
    for (const user of [1, 2, 3, 24, 25]) {
      const name = `user${String(user).padStart(2, '0')}_lab`;
      const events = [0, 1, 2, 3].flatMap((k) => gesture(k, k * 400_000, (k + 1) * 400_000, user));
      await learnable.write(`${name}.aedat`, aedat3Bytes(polarityPackets(events)));
      await learnable.write(`${name}_labels.csv`, labelsCsv([0, 1, 2, 3].map((k) => [k + 2, k * 400_000, (k + 1) * 400_000] as [number, number, number])));
    }
  });
  afterAll(async () => learnable.cleanup());

  it('the SNN learns it, frame by frame: 8 test segments of 4 classes, far above chance', async () => {
    const data = await dvsGestureTask.load(directorySource(learnable.dir), {});
    expect(data.train.count).toBe(12 * GESTURE_FRAMES);
    expect(data.test.count).toBe(8 * GESTURE_FRAMES);
    const config = resolveRunConfig({ task: 'dvsgesture', epochs: 3, batchSize: 10, shuffle: true, snn: { layers: [1024, 40, 11], lif: { tMs: 1 } } });
    const { history } = await train(config, data);
    const last = history[history.length - 1];
    console.log(`learnable DVS fixture: test per-segment ${last.testAccuracy}, per-frame ${last.testFrameAccuracy}`);
    expect(last.testAccuracy).toBeGreaterThanOrEqual(0.75);
    expect(last.testFrameAccuracy).toBeGreaterThan(0.6);
  });
});
