/**
 * DVS128 Gesture label files (`userNN_<lighting>_labels.csv`): header
 * `class,startTime_usec,endTime_usec`, then one row per gesture segment. A segment holds the
 * recording's events with startTime_usec ≤ t < endTime_usec; class is 1..11
 * (gesture_mapping.csv, see GESTURE_CLASSES).
 */
import { DataFormatError, quoteText } from '../../errors.js';
import { latin1, readAll, type ByteSource } from '../source.js';
import { selectTimeRange, type Events } from './events.js';

export const LABELS_HEADER = 'class,startTime_usec,endTime_usec';

/** Class names in class order: GESTURE_CLASSES[c − 1] names class c. */
export const GESTURE_CLASSES = [
  'hand_clapping',
  'right_hand_wave',
  'left_hand_wave',
  'right_arm_clockwise',
  'right_arm_counter_clockwise',
  'left_arm_clockwise',
  'left_arm_counter_clockwise',
  'arm_roll',
  'air_drums',
  'air_guitar',
  'other_gestures',
] as const;

export const GESTURE_CLASS_COUNT = GESTURE_CLASSES.length;

export interface GestureLabel {
  /** 1..11 as in the file; the 0-based label of a Dataset is classId − 1. */
  readonly classId: number;
  readonly startUs: number;
  readonly endUs: number;
  /** 1-based data row (the header is not a row). */
  readonly row: number;
  /** 1-based line in the file. */
  readonly line: number;
}

const where = (row: number, line: number): string => `row ${row}, line ${line}`;

/**
 * Parses a label file's text. Blank lines are skipped; `\r\n` and a UTF-8 byte-order mark are
 * accepted. Throws DataFormatError (file, row and line) for a wrong header, a row without
 * exactly three non-negative integers, a class outside 1..11 or endTime ≤ startTime.
 */
export function parseGestureLabels(text: string, file: string): GestureLabel[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new DataFormatError(file, `header ${JSON.stringify(LABELS_HEADER)} expected, found an empty file`, 'line 1');
  const header = lines[headerIndex].split(',').map((f) => f.trim()).join(',');
  if (header !== LABELS_HEADER) {
    throw new DataFormatError(file, `header ${JSON.stringify(LABELS_HEADER)} expected, found ${quoteText(lines[headerIndex])}`, `line ${headerIndex + 1}`);
  }
  const labels: GestureLabel[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const row = labels.length + 1;
    const line = i + 1;
    const fields = lines[i].split(',').map((f) => f.trim());
    if (fields.length !== 3 || !fields.every((f) => /^\d+$/.test(f))) {
      throw new DataFormatError(file, `three non-negative integers "class,startTime_usec,endTime_usec" expected, found ${quoteText(lines[i])}`, where(row, line));
    }
    const [classId, startUs, endUs] = fields.map(Number);
    if (!Number.isSafeInteger(startUs) || !Number.isSafeInteger(endUs)) {
      throw new DataFormatError(file, `time too large to hold exactly: ${quoteText(lines[i])}`, where(row, line));
    }
    if (classId < 1 || classId > GESTURE_CLASS_COUNT) {
      throw new DataFormatError(file, `class ${classId} outside 1..${GESTURE_CLASS_COUNT}`, where(row, line));
    }
    if (endUs <= startUs) {
      throw new DataFormatError(file, `endTime_usec ${endUs} is not after startTime_usec ${startUs}`, where(row, line));
    }
    labels.push({ classId, startUs, endUs, row, line });
  }
  return labels;
}

/** Reads and parses a label file. */
export async function readGestureLabels(source: ByteSource): Promise<GestureLabel[]> {
  return parseGestureLabels(latin1(await readAll(source)), source.name);
}

/**
 * Checks every segment overlaps the recording's events [minUs, maxUs]; throws DataFormatError
 * naming the label file and row otherwise. A segment that only partly overlaps is accepted:
 * the labels were annotated by hand, and the last gesture may run to the end of the recording.
 */
export function checkLabelsWithinRecording(
  labels: readonly GestureLabel[],
  span: { readonly minUs: number; readonly maxUs: number },
  labelsFile: string,
): void {
  for (const l of labels) {
    if (!(l.endUs > span.minUs && l.startUs <= span.maxUs)) {
      const events = Number.isNaN(span.minUs) ? 'the recording has no events' : `the recording's events span ${span.minUs}..${span.maxUs} µs`;
      throw new DataFormatError(
        labelsFile,
        `segment ${l.startUs}..${l.endUs} µs lies outside the recording: ${events}`,
        where(l.row, l.line),
      );
    }
  }
}

/** The events of each segment (startUs ≤ t < endUs), copied, one Events per label. */
export function cutSamples(events: Events, labels: readonly GestureLabel[]): Events[] {
  return labels.map((l) => selectTimeRange(events, l.startUs, l.endUs));
}
