import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framesByTimeBins } from '../../../src/data/dvsgesture/frames.js';
import { cutSamples } from '../../../src/data/dvsgesture/labels.js';
import { framesAsRows, sampleFrame } from '../../../src/data/dvsgesture/load.js';
import { loadDvsGestureDir, readAedat3File, readGestureLabelsFile } from '../../../src/node/datasets/index.js';
import { DataFormatError } from '../../../src/errors.js';
import { aedat3Bytes, labelsCsv, polarityPackets, tempDir, type PolarityEvent } from './writers.js';

/** A fake recording: events every 50 µs from t0 for `durationUs`, moving across the sensor. */
function recordingEvents(t0: number, durationUs: number, seed: number): PolarityEvent[] {
  const out: PolarityEvent[] = [];
  for (let k = 0, t = t0; t < t0 + durationUs; k++, t += 50 + ((k * seed) % 7)) {
    out.push({ x: (k * seed + (t >> 10)) % 128, y: (k * 3 + seed) % 128, p: (k + seed) % 2, t });
  }
  return out;
}

describe('loadDvsGesture end to end (two written recordings)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const train: [number, number, number][] = [
    [1, 80_000_000, 80_200_000],
    [8, 80_210_000, 80_400_000],
    [8, 80_400_000, 80_450_001],
  ];
  const test: [number, number, number][] = [
    [11, 5_000_000, 5_100_000],
    [3, 5_050_000, 5_300_000], // overlaps the first: events count in both
  ];

  beforeAll(async () => {
    tmp = await tempDir();
    await tmp.write('user01_fluorescent.aedat', aedat3Bytes(polarityPackets(recordingEvents(79_990_000, 500_000, 5), 700)));
    await tmp.write('user01_fluorescent_labels.csv', labelsCsv(train, '\r\n'));
    await tmp.write('user24_led.aedat', aedat3Bytes(polarityPackets(recordingEvents(4_999_000, 400_000, 11), 1000)));
    await tmp.write('user24_led_labels.csv', labelsCsv(test));
    await tmp.write('gesture_mapping.csv', 'not read');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('builds the official split with 100 frames × 1,024 per row, one-hot targets and 0-based labels', async () => {
    const progress: [number, number][] = [];
    const data = await loadDvsGestureDir(tmp.dir, { onProgress: (d, t) => progress.push([d, t]) });
    expect(progress).toEqual([[0, 2], [1, 2], [2, 2]]);
    expect(data.evalKind).toBe('test');
    expect(data.frames).toBe(100);
    expect(data.geometry).toMatchObject({ width: 32, height: 32, channels: 1, frameSize: 1024 });
    expect(data.train).toMatchObject({ count: 3, inputSize: 102_400, targetSize: 11 });
    expect(data.test).toMatchObject({ count: 2, inputSize: 102_400, targetSize: 11 });
    expect(data.train.description).toBe(
      'DVS128 Gesture official train split (users 1–23): 3 segments from 1 recordings; 100 frames × 32×32 (ON+OFF merged, pool 4, frameMax) per row',
    );
    expect(Array.from(data.train.labels ?? [])).toEqual([0, 7, 7]);
    expect(Array.from(data.test.labels ?? [])).toEqual([10, 2]);
    expect(Array.from(data.test.targets.subarray(0, 11))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(data.train.inputs.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(data.trainSamples.map((s) => [s.recording, s.row, s.classId])).toEqual([
      ['user01_fluorescent', 1, 1],
      ['user01_fluorescent', 2, 8],
      ['user01_fluorescent', 3, 8],
    ]);
    expect(data.recordings.map((r) => [r.name, r.split, r.backwardsSteps])).toEqual([
      ['user01_fluorescent', 'train', 0],
      ['user24_led', 'test', 0],
    ]);
  });

  it('each row equals frames.ts on the segment cut from the whole recording', async () => {
    const data = await loadDvsGestureDir(tmp.dir, { frames: 7, normalize: 'sampleMax' });
    for (const [name, ds, samples] of [
      ['user01_fluorescent', data.train, data.trainSamples],
      ['user24_led', data.test, data.testSamples],
    ] as const) {
      const { events } = await readAedat3File(join(tmp.dir, `${name}.aedat`));
      const labels = await readGestureLabelsFile(join(tmp.dir, `${name}_labels.csv`));
      cutSamples(events, labels).forEach((cut, i) => {
        const expected = framesByTimeBins(cut, 7, { pool: 4, startUs: labels[i].startUs, endUs: labels[i].endUs, normalize: 'sampleMax' });
        expect(Array.from(ds.inputs.subarray(i * ds.inputSize, (i + 1) * ds.inputSize))).toEqual(Array.from(expected.data));
        expect(samples[i].events).toBe(cut.t.length);
        expect(samples[i].events).toBeGreaterThan(100);
      });
    }
  });

  it("polarity 'split' doubles the frame; framesAsRows gives one row per frame sharing memory", async () => {
    const data = await loadDvsGestureDir(tmp.dir, { frames: 5, polarity: 'split', normalize: 'clip' });
    expect(data.train.inputSize).toBe(5 * 2048);
    const rows = framesAsRows(data.test, 5);
    expect(rows).toMatchObject({ count: 10, inputSize: 2048, targetSize: 11, rowsPerSample: 5 });
    expect(rows.inputs).toBe(data.test.inputs);
    expect(Array.from(rows.labels ?? [])).toEqual([10, 10, 10, 10, 10, 2, 2, 2, 2, 2]);
    expect(Array.from(rows.targets.subarray(7 * 11, 8 * 11))).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(sampleFrame(data.test, 5, 1, 2))).toEqual(Array.from(rows.inputs.subarray(7 * 2048, 8 * 2048)));
  });
});

describe('loadDvsGesture golden values and errors', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('one segment [1000, 2000) in 2 frames: t 999 and 2000 left out', async () => {
    const events: PolarityEvent[] = [
      { x: 9, y: 9, p: 1, t: 999 },
      { x: 0, y: 0, p: 1, t: 1000 }, // frame 0, pixel 0
      { x: 4, y: 0, p: 0, t: 1499 }, // frame 0, pixel 1
      { x: 127, y: 127, p: 1, t: 1500 }, // frame 1, pixel 1023
      { x: 124, y: 125, p: 0, t: 1999 }, // frame 1, pixel 1023
      { x: 0, y: 0, p: 1, t: 2000 },
    ];
    const dir = join(tmp.dir, 'golden');
    await mkdir(dir);
    await writeFile(join(dir, 'user05_lab.aedat'), aedat3Bytes([{ events }]));
    await writeFile(join(dir, 'user05_lab_labels.csv'), labelsCsv([[4, 1000, 2000]]));
    const data = await loadDvsGestureDir(dir, { frames: 2, normalize: 'sampleMax' });
    expect(data.test.count).toBe(0);
    expect(data.train.count).toBe(1);
    const nonzero = Array.from(data.train.inputs.entries()).filter(([, v]) => v !== 0);
    expect(nonzero).toEqual([[0, 0.5], [1, 0.5], [1024 + 1023, 1]]);
    expect(data.trainSamples[0].events).toBe(4);
    const frameMax = await loadDvsGestureDir(dir, { frames: 2 });
    expect(Array.from(frameMax.train.inputs.entries()).filter(([, v]) => v !== 0)).toEqual([[0, 1], [1, 1], [2047, 1]]);
  });

  it('a label row outside the recording names the label file and row', async () => {
    const dir = join(tmp.dir, 'outside');
    await mkdir(dir);
    await writeFile(join(dir, 'user02_led.aedat'), aedat3Bytes([{ events: [{ x: 1, y: 1, p: 1, t: 100 }, { x: 1, y: 1, p: 1, t: 900 }] }]));
    await writeFile(join(dir, 'user02_led_labels.csv'), labelsCsv([[1, 100, 500], [2, 1000, 2000]]));
    const err = await loadDvsGestureDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toBe(
      `${join(dir, 'user02_led_labels.csv')} (row 2, line 3): segment 1000..2000 µs lies outside the recording: the recording's events span 100..900 µs`,
    );
  });

  it("backwards timestamps: strict by default, 'tolerate' bins each event by its own time", async () => {
    const dir = join(tmp.dir, 'backwards');
    await mkdir(dir);
    const events = [
      { x: 0, y: 0, p: 1, t: 100 },
      { x: 0, y: 0, p: 1, t: 700 },
      { x: 4, y: 0, p: 1, t: 200 },
    ];
    await writeFile(join(dir, 'user25_natural.aedat'), aedat3Bytes([{ events }]));
    await writeFile(join(dir, 'user25_natural_labels.csv'), labelsCsv([[6, 100, 800]]));
    await expect(loadDvsGestureDir(dir)).rejects.toThrow('timestamp goes backwards: 200 µs after 700 µs');
    const data = await loadDvsGestureDir(dir, { frames: 7, timeOrder: 'tolerate', normalize: 'sampleMax' });
    expect(data.recordings[0].backwardsSteps).toBe(1);
    expect(Array.from(data.test.inputs.entries()).filter(([, v]) => v !== 0)).toEqual([[0, 1], [1024 + 1, 1], [6 * 1024, 1]]);
  });
});
