import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { DVS_GESTURE_RECORDINGS } from '../../../src/data/dvsgesture/recordings.js';
import { knownRecordings, officialSplit, parseRecordingName } from '../../../src/data/dvsgesture/split.js';
import { listGestureRecordingsIn, md5OfFile, verifyRecording } from '../../../src/node/datasets/index.js';
import { labelsCsv, sharedFile, tempDir } from './writers.js';

describe('official split and recording list', () => {
  it('users 1–23 train, 24–29 test', () => {
    expect(officialSplit(1)).toBe('train');
    expect(officialSplit(23)).toBe('train');
    expect(officialSplit(24)).toBe('test');
    expect(officialSplit(29)).toBe('test');
    expect(() => officialSplit(0)).toThrow(RangeError);
    expect(() => officialSplit(30)).toThrow('DVS128 Gesture user 30 outside 1..29');
  });

  it('parses userNN_<lighting> names', () => {
    expect(parseRecordingName('user07_fluorescent_led')).toEqual({
      name: 'user07_fluorescent_led',
      user: 7,
      lighting: 'fluorescent_led',
      split: 'train',
      md5: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(parseRecordingName('user29_natural')?.split).toBe('test');
    expect(parseRecordingName('user7_led')).toBeNull();
    expect(parseRecordingName('user07_sunlight')).toBeNull();
    expect(() => parseRecordingName('user31_led')).toThrow(RangeError);
  });

  it('embeds 122 recordings: 98 train, 24 test; lightings 28/27/27/20/20', () => {
    const all = knownRecordings();
    expect(all).toHaveLength(122);
    expect(all.filter((r) => r.split === 'train')).toHaveLength(98);
    expect(all.filter((r) => r.split === 'test')).toHaveLength(24);
    const by = (l: string) => all.filter((r) => r.lighting === l).length;
    expect([by('fluorescent'), by('fluorescent_led'), by('led'), by('lab'), by('natural')]).toEqual([28, 27, 27, 20, 20]);
    expect(new Set(all.map((r) => r.md5)).size).toBe(122);
  });

  const csv = sharedFile('data', 'dvsgesture', 'recordings.csv');
  it.skipIf(!csv)('the embedded list equals shared recordings.csv', async () => {
    const [header, ...rows] = (await readFile(csv as string, 'utf8')).trim().split(/\r?\n/);
    expect(header).toBe('aedat_file,labels_file,user,lighting,official_split,md5_of_aedat');
    const fromCsv = rows.map((r) => r.split(','));
    expect(fromCsv.map(([aedat, , , , , md5]) => [aedat.replace(/\.aedat$/, ''), md5])).toEqual(DVS_GESTURE_RECORDINGS.map((r) => [...r]));
    expect(fromCsv).toEqual(
      knownRecordings().map((r) => [`${r.name}.aedat`, `${r.name}_labels.csv`, String(r.user), r.lighting, r.split, r.md5]),
    );
  });

  describe('listing a directory', () => {
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    beforeAll(async () => {
      tmp = await tempDir();
      for (const n of ['user24_led', 'user01_lab', 'user01_fluorescent']) {
        await tmp.write(`${n}.aedat`, 'x');
        await tmp.write(`${n}_labels.csv`, labelsCsv([]));
      }
      await tmp.write('README.txt', 'ignored');
      await tmp.write('user01_lab.aedat.bak', 'ignored');
    });
    afterAll(async () => {
      await tmp.cleanup();
    });

    it('finds recordings sorted by name with their label files and split', async () => {
      const found = await listGestureRecordingsIn(tmp.dir);
      expect(found.map((r) => [r.name, r.split])).toEqual([
        ['user01_fluorescent', 'train'],
        ['user01_lab', 'train'],
        ['user24_led', 'test'],
      ]);
      expect(found[1].aedatFile).toBe('user01_lab.aedat');
      expect(found[1].labelsFile).toBe('user01_lab_labels.csv');
    });

    it('requireComplete names the missing recordings', async () => {
      await expect(listGestureRecordingsIn(tmp.dir, { requireComplete: true })).rejects.toThrow(
        `${tmp.dir}: 119 of the 122 recordings missing: user01_fluorescent_led.aedat, user01_led.aedat, user01_natural.aedat, user02_fluorescent.aedat, user02_fluorescent_led.aedat, …`,
      );
    });

    it('a missing label file, a bad user number, an empty directory', async () => {
      const t = await tempDir();
      try {
        await expect(listGestureRecordingsIn(t.dir)).rejects.toThrow(`${t.dir}: no DVS128 Gesture recordings (userNN_<lighting>.aedat) found in this directory`);
        await t.write('user02_led.aedat', 'x');
        const err = await listGestureRecordingsIn(t.dir).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DataFormatError);
        expect((err as Error).message).toBe(`${join(t.dir, 'user02_led_labels.csv')}: label file missing for recording user02_led.aedat`);
        await t.write('user02_led_labels.csv', labelsCsv([]));
        await t.write('user40_led.aedat', 'x');
        await expect(listGestureRecordingsIn(t.dir)).rejects.toThrow(`${join(t.dir, 'user40_led.aedat')}: DVS128 Gesture user 40 outside 1..29`);
      } finally {
        await t.cleanup();
      }
    });

    it('verifies MD5s: known names must match the original, unknown ones pass', async () => {
      const [rec] = await listGestureRecordingsIn(tmp.dir);
      const file = join(tmp.dir, rec.aedatFile);
      expect(await md5OfFile(file)).toBe('9dd4e461268c8034f5c8564e155c67a6'); // md5("x")
      await expect(verifyRecording(rec, file)).rejects.toThrow(`MD5 9dd4e461268c8034f5c8564e155c67a6 differs from the original's ${rec.md5}`);
      await expect(verifyRecording({ ...rec, md5: '9dd4e461268c8034f5c8564e155c67a6' }, file)).resolves.toBeUndefined();
      const { md5: _m, ...unknown } = rec;
      await expect(verifyRecording(unknown, file)).resolves.toBeUndefined();
    });
  });
});
