import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { allocEvents, DVS128_SENSOR } from '../../../src/data/dvsgesture/events.js';
import {
  GESTURE_CLASSES,
  checkLabelsWithinRecording,
  cutSamples,
  parseGestureLabels,
} from '../../../src/data/dvsgesture/labels.js';
import { readGestureLabelsFile } from '../../../src/node/datasets/index.js';
import { labelsCsv, sharedFile } from './writers.js';

describe('gesture label files', () => {
  it('parses rows, with LF or CRLF, a BOM and blank lines', () => {
    const rows: [number, number, number][] = [
      [1, 100, 200],
      [11, 200, 350],
    ];
    for (const text of [labelsCsv(rows), labelsCsv(rows, '\r\n'), `\uFEFF${labelsCsv(rows)}\n\n`]) {
      expect(parseGestureLabels(text, 'x_labels.csv')).toEqual([
        { classId: 1, startUs: 100, endUs: 200, row: 1, line: 2 },
        { classId: 11, startUs: 200, endUs: 350, row: 2, line: 3 },
      ]);
    }
    expect(GESTURE_CLASSES).toHaveLength(11);
    expect(GESTURE_CLASSES[7]).toBe('arm_roll');
  });

  const real = sharedFile('data', 'dvsgesture', 'user01_fluorescent_labels.transcribed.csv');
  it.skipIf(!real)('reads the transcribed user01_fluorescent labels: 12 rows, class 8 twice', async () => {
    const labels = await readGestureLabelsFile(real as string);
    expect(labels).toHaveLength(12);
    expect(labels.map((l) => l.classId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11]);
    expect(labels[0]).toMatchObject({ startUs: 80_048_239, endUs: 85_092_709 });
    expect(labels[11]).toMatchObject({ startUs: 180_675_853, endUs: 187_389_051 });
    expect(await readFile(real as string, 'latin1')).toContain('class,startTime_usec,endTime_usec');
  });

  it.each([
    ['an empty file', '', 'f.csv (line 1): header "class,startTime_usec,endTime_usec" expected, found an empty file'],
    ['a wrong header', 'label,start,end\n1,2,3\n', 'f.csv (line 1): header "class,startTime_usec,endTime_usec" expected, found "label,start,end"'],
    ['two fields', labelsCsv([[1, 2, 3]]) + '4,5\n', 'f.csv (row 2, line 3): three non-negative integers "class,startTime_usec,endTime_usec" expected, found "4,5"'],
    ['a non-number', 'class,startTime_usec,endTime_usec\n1,1e3,2000\n', 'f.csv (row 1, line 2): three non-negative integers'],
    ['a negative time', 'class,startTime_usec,endTime_usec\n1,-5,2000\n', 'f.csv (row 1, line 2): three non-negative integers'],
    ['class 0', labelsCsv([[0, 1, 2]]), 'f.csv (row 1, line 2): class 0 outside 1..11'],
    ['class 12', labelsCsv([[1, 1, 2], [12, 1, 2]]), 'f.csv (row 2, line 3): class 12 outside 1..11'],
    ['end before start', labelsCsv([[3, 500, 400]]), 'f.csv (row 1, line 2): endTime_usec 400 is not after startTime_usec 500'],
    ['end equal to start', labelsCsv([[3, 500, 500]]), 'endTime_usec 500 is not after startTime_usec 500'],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseGestureLabels(text, 'f.csv')).toThrow(DataFormatError);
    expect(() => parseGestureLabels(text, 'f.csv')).toThrow(message);
  });

  it('checks segments against the recording span (partial overlap accepted)', () => {
    const labels = parseGestureLabels(labelsCsv([[1, 100, 200], [2, 950, 1200], [3, 1001, 1100]]), 'r_labels.csv');
    expect(() => checkLabelsWithinRecording(labels.slice(0, 2), { minUs: 150, maxUs: 1000 }, 'r_labels.csv')).not.toThrow();
    expect(() => checkLabelsWithinRecording(labels, { minUs: 150, maxUs: 1000 }, 'r_labels.csv')).toThrow(
      "r_labels.csv (row 3, line 4): segment 1001..1100 µs lies outside the recording: the recording's events span 150..1000 µs",
    );
    expect(() => checkLabelsWithinRecording(labels, { minUs: 200, maxUs: 1000 }, 'r_labels.csv')).toThrow('(row 1, line 2): segment 100..200 µs lies outside');
    expect(() => checkLabelsWithinRecording(labels, { minUs: NaN, maxUs: NaN }, 'r_labels.csv')).toThrow('the recording has no events');
  });

  it('cuts events into segments start ≤ t < end', () => {
    const e = allocEvents(6, DVS128_SENSOR);
    e.t.set([99, 100, 150, 199, 200, 250]);
    e.x.set([0, 1, 2, 3, 4, 5]);
    const labels = parseGestureLabels(labelsCsv([[1, 100, 200], [2, 150, 251]]), 'c.csv');
    const [a, b] = cutSamples(e, labels);
    expect(Array.from(a.x)).toEqual([1, 2, 3]);
    expect(Array.from(b.x)).toEqual([2, 3, 4, 5]);
  });
});
