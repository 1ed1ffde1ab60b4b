/**
 * The recordings of a DVS128 Gesture directory and the official split by subject: users 1–23
 * train (98 recordings, 1,176 segments), users 24–29 test (24 recordings, 288 segments), the
 * content of the dataset's trials_to_train.txt / trials_to_test.txt.
 */
import { DataFormatError } from '../../errors.js';
import type { DataSource } from '../source.js';
import { DVS_GESTURE_RECORDINGS } from './recordings.js';

export const LIGHTINGS = ['fluorescent', 'fluorescent_led', 'lab', 'led', 'natural'] as const;
export type Lighting = (typeof LIGHTINGS)[number];
export type SplitName = 'train' | 'test';

export const FIRST_USER = 1;
export const LAST_TRAIN_USER = 23;
export const LAST_USER = 29;

/** 'train' for users 1–23, 'test' for users 24–29; RangeError otherwise. */
export function officialSplit(user: number): SplitName {
  if (!Number.isInteger(user) || user < FIRST_USER || user > LAST_USER) {
    throw new RangeError(`DVS128 Gesture user ${user} outside ${FIRST_USER}..${LAST_USER}`);
  }
  return user <= LAST_TRAIN_USER ? 'train' : 'test';
}

export interface RecordingName {
  /** e.g. "user01_fluorescent_led". */
  readonly name: string;
  readonly user: number;
  readonly lighting: Lighting;
  readonly split: SplitName;
  /** MD5 of the original `.aedat`, when the name is one of the 122 known recordings. */
  readonly md5?: string;
}

export interface RecordingFiles extends RecordingName {
  /** `<name>.aedat`, in the DataSource it was listed from. */
  readonly aedatFile: string;
  /** `<name>_labels.csv`, likewise. */
  readonly labelsFile: string;
}

const NAME_PATTERN = /^user(\d{2})_(fluorescent_led|fluorescent|lab|led|natural)$/;
const KNOWN_MD5 = new Map(DVS_GESTURE_RECORDINGS.map(([name, md5]) => [name, md5]));

/**
 * Reads "userNN_<lighting>" (no extension). Returns null when the name does not have that
 * form; throws RangeError when it does but the user is outside 1..29.
 */
export function parseRecordingName(name: string): RecordingName | null {
  const m = NAME_PATTERN.exec(name);
  if (!m) return null;
  const user = Number(m[1]);
  const md5 = KNOWN_MD5.get(name);
  return { name, user, lighting: m[2] as Lighting, split: officialSplit(user), ...(md5 ? { md5 } : {}) };
}

/** The 122 recordings of the dataset, in file-name order. */
export function knownRecordings(): RecordingName[] {
  return DVS_GESTURE_RECORDINGS.map(([name]) => parseRecordingName(name) as RecordingName);
}

export interface ListOptions {
  /** Throw unless all 122 known recordings are present (default false). */
  readonly requireComplete?: boolean;
}

/**
 * The `userNN_<lighting>.aedat` recordings in `dir`, sorted by name, each with its
 * `_labels.csv`. Other files are ignored. Throws DataFormatError when a label file is missing,
 * a user number is outside 1..29, no recording is found, or (requireComplete) one is missing.
 */
export async function listGestureRecordings(dir: DataSource, options: ListOptions = {}): Promise<RecordingFiles[]> {
  const entries = await dir.list();
  const names = new Set(entries);
  const found: RecordingFiles[] = [];
  for (const entry of entries) {
    if (!entry.endsWith('.aedat')) continue;
    const base = entry.slice(0, -'.aedat'.length);
    let parsed: RecordingName | null;
    try {
      parsed = parseRecordingName(base);
    } catch (err) {
      throw new DataFormatError(dir.pathOf(entry), (err as Error).message);
    }
    if (!parsed) continue;
    const labelsFile = `${base}_labels.csv`;
    if (!names.has(labelsFile)) throw new DataFormatError(dir.pathOf(labelsFile), `label file missing for recording ${entry}`);
    found.push({ ...parsed, aedatFile: entry, labelsFile });
  }
  if (found.length === 0) {
    throw new DataFormatError(dir.name, 'no DVS128 Gesture recordings (userNN_<lighting>.aedat) found in this directory');
  }
  if (options.requireComplete) {
    const have = new Set(found.map((r) => r.name));
    const missing = DVS_GESTURE_RECORDINGS.map(([name]) => name).filter((n) => !have.has(n));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((n) => `${n}.aedat`).join(', ');
      throw new DataFormatError(dir.name, `${missing.length} of the 122 recordings missing: ${shown}${missing.length > 5 ? ', …' : ''}`);
    }
  }
  return found;
}
