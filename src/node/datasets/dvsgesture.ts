/** DVS128 Gesture on disk: its (manual) source and its part in `data info` (the loader is in index.ts). */
import { posix } from 'node:path';
import { readFile } from 'node:fs/promises';
import { errorText } from '../fetch/download.js';
import { hashFile } from '../fetch/hash.js';
import { DVS_GESTURE_SOURCE, dvsGestureSplit } from '../fetch/sources.js';
import { checksumSummary, fmt, type DatasetInfo, type DatasetRecogniser, type FileInfo } from './recognise.js';

const DVS_RECORDING = /^(user\d+_[a-z_]+?)\.aedat$/;
const DVS_LABELS = /^(user\d+_[a-z_]+?)_labels\.csv$/;
const DVS_MD5 = new Map(DVS_GESTURE_SOURCE.recordings.map(([name, md5]) => [name, md5]));

export const dvsGestureRecogniser: DatasetRecogniser = {
  knownFiles: [],
  async inspect({ path, rel, name, size }, options): Promise<FileInfo | undefined> {
    const recording = DVS_RECORDING.exec(name);
    if (recording) {
      const md5 = DVS_MD5.get(recording[1]);
      const split = dvsGestureSplit(recording[1]);
      let sum: Pick<FileInfo, 'checksum' | 'algorithm' | 'expected' | 'actual'>;
      if (!md5) sum = { checksum: 'unknown' };
      else if (!options.verifyRecordings) sum = { checksum: 'unchecked', algorithm: 'md5', expected: md5 };
      else {
        const actual = await hashFile(path, 'md5', options.onProgress, rel);
        sum = { checksum: actual === md5 ? 'ok' : 'mismatch', algorithm: 'md5', expected: md5, actual };
      }
      return {
        path: rel,
        kind: 'dvs-recording',
        dataset: 'dvsgesture',
        role: split ? `recording (${split})` : 'recording',
        size,
        ...sum,
        problem: md5 ? undefined : 'not one of the 122 DvsGesture recordings',
      };
    }

    const labels = DVS_LABELS.exec(name);
    if (labels) {
      let count: number | undefined;
      let problem: string | undefined;
      try {
        const lines = (await readFile(path, 'latin1')).split(/\r?\n/).filter((l) => l.trim() !== '');
        count = lines.length > 0 && /^\s*class/i.test(lines[0]) ? lines.length - 1 : lines.length;
      } catch (err) {
        problem = `cannot read: ${errorText(err)}`;
      }
      return {
        path: rel,
        kind: 'dvs-labels',
        dataset: 'dvsgesture',
        role: 'gesture segments of a recording',
        size,
        checksum: 'unknown',
        count,
        detail: count !== undefined ? `${fmt(count)} segments` : undefined,
        problem,
      };
    }

    if (name === DVS_GESTURE_SOURCE.archive) {
      return {
        path: rel,
        kind: 'dvs-archive',
        dataset: 'dvsgesture',
        role: 'the downloaded archive',
        size,
        checksum: 'unknown',
      };
    }
    return undefined;
  },
  summarise: (dir, group, problems) => summariseDvs(dir, group, problems),
};

function summariseDvs(dir: string, group: readonly FileInfo[], problems: string[]): DatasetInfo {
  const recordings = group.filter((f) => f.kind === 'dvs-recording');
  const labelNames = new Set(group.filter((f) => f.kind === 'dvs-labels').map((f) => posix.basename(f.path)));
  const present = new Set(recordings.map((f) => posix.basename(f.path).replace(/\.aedat$/, '')));
  const expected = { train: 0, test: 0 };
  const found = { train: 0, test: 0 };
  const missing: string[] = [];
  for (const [name] of DVS_GESTURE_SOURCE.recordings) {
    const split = dvsGestureSplit(name) ?? 'train';
    expected[split]++;
    if (present.has(name)) found[split]++;
    else missing.push(`${name}.aedat`);
    if (present.has(name) && !labelNames.has(`${name}_labels.csv`)) missing.push(`${name}_labels.csv`);
  }
  const archive = group.find((f) => f.kind === 'dvs-archive');
  const segments = group.filter((f) => f.kind === 'dvs-labels').reduce((a, f) => a + (f.count ?? 0), 0);
  const parts: string[] = [];
  if (recordings.length > 0 || labelNames.size > 0) {
    parts.push(
      `recordings: train ${found.train}/${expected.train}, test ${found.test}/${expected.test}; ` +
        `${labelNames.size} labels files (${fmt(segments)} segments)`,
    );
  }
  if (archive && recordings.length === 0) {
    parts.push(`${DVS_GESTURE_SOURCE.archive} is here but not unpacked (tar -xzf ${DVS_GESTURE_SOURCE.archive})`);
  }
  parts.push(checksumSummary(group));
  return {
    dataset: 'dvsgesture',
    dir,
    complete: missing.length === 0,
    missing: recordings.length === 0 ? [`${DVS_GESTURE_SOURCE.subdir}/*.aedat (all ${DVS_GESTURE_SOURCE.recordings.length} recordings)`] : missing,
    problems,
    summary: parts.filter(Boolean).join('; '),
    splits: { train: { found: found.train, expected: expected.train }, test: { found: found.test, expected: expected.test } },
  };
}

