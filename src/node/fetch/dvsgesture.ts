/**
 * DVS128 Gesture cannot be downloaded by a program (IBM serves it behind a licence page). This
 * module says what to download and where to unpack it, and verifies an unpacked copy against the
 * published MD5 of every recording. Nothing here prints.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile, type ProgressCallback } from './hash.js';
import { DVS_GESTURE_SOURCE, dvsGestureSplit, type ManualSource } from './sources.js';

/** Quote a path for a POSIX shell command line when it needs it. */
function shellQuote(path: string): string {
  return /^[\w./~:@%+=,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** What to download and how to unpack it into `dir`, as lines of text. */
export function dvsGestureInstructions(dir: string, source: ManualSource = DVS_GESTURE_SOURCE): string[] {
  const sub = join(dir, source.subdir);
  const train = source.recordings.filter(([n]) => dvsGestureSplit(n) === 'train').length;
  const test = source.recordings.length - train;
  return [
    `${source.title} cannot be downloaded automatically: IBM distributes it through a licence page.`,
    `1. Open IBM Research's "DVS128 Gesture Dataset" page (${source.homepage}).`,
    `2. Download ${source.archive} (several GB; licence ${source.licence}: credit Amir et al., CVPR 2017).`,
    `3. Unpack it into ${dir}:  mkdir -p ${shellQuote(dir)} && tar -xzf ${source.archive} -C ${shellQuote(dir)}`,
    `   The result must be ${join(sub, 'userNN_<lighting>.aedat')} plus ${join(sub, 'userNN_<lighting>_labels.csv')}:`,
    `   ${source.recordings.length} recordings (users 01-23 train: ${train}, users 24-29 test: ${test}; ` +
      'lightings fluorescent, fluorescent_led, led, lab, natural).',
  ];
}

export type RecordingStatus = 'ok' | 'missing' | 'bad';

export interface RecordingCheck {
  /** Base name, e.g. "user01_fluorescent". */
  readonly name: string;
  readonly split: 'train' | 'test' | undefined;
  readonly status: RecordingStatus;
  readonly expectedMd5: string;
  readonly actualMd5?: string;
  readonly size?: number;
  /** Whether `<name>_labels.csv` is there. */
  readonly labels: boolean;
}

export interface DvsGestureReport {
  /** The directory that holds (or should hold) the recordings. */
  readonly recordingsDir: string;
  /** Whether that directory exists at all. */
  readonly dirFound: boolean;
  readonly total: number;
  readonly ok: number;
  readonly missing: readonly string[];
  readonly bad: readonly RecordingCheck[];
  /** Recordings whose `_labels.csv` is missing. */
  readonly missingLabels: readonly string[];
  readonly recordings: readonly RecordingCheck[];
  /** True when every recording and every labels file is there and every MD5 matches. */
  readonly complete: boolean;
}

export interface VerifyDvsGestureOptions {
  readonly source?: ManualSource;
  /** Hashing progress per recording. */
  readonly onProgress?: ProgressCallback;
  readonly onRecordingDone?: (check: RecordingCheck) => void;
}

/**
 * Where the recordings of `dir` are: `dir/DvsGesture` (the archive's layout), or `dir` itself
 * when the user pointed at the unpacked folder directly.
 */
export async function locateDvsGestureDir(dir: string, source: ManualSource = DVS_GESTURE_SOURCE): Promise<string> {
  const sub = join(dir, source.subdir);
  if (await isDirectory(sub)) return sub;
  try {
    const names = await readdir(dir);
    if (names.some((n) => /^user\d+_.*\.aedat$/.test(n))) return dir;
  } catch {
    // dir missing or unreadable: report the canonical location
  }
  return sub;
}

/** Check every recording of the dataset under `dir`: present, labels present, MD5 right. */
export async function verifyDvsGesture(dir: string, options: VerifyDvsGestureOptions = {}): Promise<DvsGestureReport> {
  const source = options.source ?? DVS_GESTURE_SOURCE;
  const recordingsDir = await locateDvsGestureDir(dir, source);
  const dirFound = await isDirectory(recordingsDir);
  const present = new Set(dirFound ? await readdir(recordingsDir) : []);
  const checks: RecordingCheck[] = [];
  for (const [name, md5] of source.recordings) {
    const file = `${name}.aedat`;
    const labels = present.has(`${name}_labels.csv`);
    const split = dvsGestureSplit(name);
    let check: RecordingCheck;
    if (!present.has(file)) {
      check = { name, split, status: 'missing', expectedMd5: md5, labels };
    } else {
      const path = join(recordingsDir, file);
      const size = (await stat(path)).size;
      const actual = await hashFile(path, 'md5', options.onProgress, file);
      check = { name, split, status: actual === md5.toLowerCase() ? 'ok' : 'bad', expectedMd5: md5, actualMd5: actual, size, labels };
    }
    checks.push(check);
    options.onRecordingDone?.(check);
  }
  const missing = checks.filter((c) => c.status === 'missing').map((c) => c.name);
  const bad = checks.filter((c) => c.status === 'bad');
  const missingLabels = checks.filter((c) => !c.labels).map((c) => c.name);
  const ok = checks.filter((c) => c.status === 'ok').length;
  return {
    recordingsDir,
    dirFound,
    total: checks.length,
    ok,
    missing,
    bad,
    missingLabels,
    recordings: checks,
    complete: missing.length === 0 && bad.length === 0 && missingLabels.length === 0,
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
