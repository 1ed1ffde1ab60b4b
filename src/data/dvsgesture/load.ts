/**
 * DVS128 Gesture as a TaskData: every recording of a directory streamed once, cut into its
 * labelled segments, each segment binned into `frames` frames (default 100) of the sensor
 * pooled 4 × 4 (32 × 32 = 1,024 inputs, polarities merged), docs/algorithms.md §5.
 *
 * A row of `inputs` is one segment: its frames concatenated, frame-major
 * (frames × frameSize = 100 × 1,024 = 102,400 values by default); `framesAsRows` turns that
 * into one row per frame (the SNN sees one frame at a time) without copying.
 * Binning: the segment [startTime, endTime) of the label file is cut into `frames` equal bins
 * and every event of the segment counts in exactly one (frames.ts, span form); frames are
 * normalised to [0, 1] by `normalize` (default 'frameMax', see frames.ts).
 * Split: official, by subject (users 1–23 train, 24–29 test), so `evalKind` is 'test'.
 * Rows are ordered by recording name, then by label row.
 */
import { DataFormatError } from '../../errors.js';
import type { Dataset, TaskData } from '../dataset.js';
import type { ByteSource, DataSource } from '../source.js';
import { openAedat3 } from './aedat3.js';
import type { TimeOrderPolicy } from './events.js';
import { DVS128_SENSOR } from './events.js';
import {
  accumulateSpan,
  frameGeometry,
  normalizeFrames,
  type FrameGeometry,
  type Normalization,
  type PolarityMode,
} from './frames.js';
import { GESTURE_CLASS_COUNT, checkLabelsWithinRecording, readGestureLabels, type GestureLabel } from './labels.js';
import { listGestureRecordings, type RecordingFiles, type SplitName } from './split.js';

export interface LoadDvsGestureOptions {
  /** Frames per segment (default 100). */
  readonly frames?: number;
  /** Spatial pooling factor (default 4: 128 × 128 → 32 × 32). */
  readonly pool?: number;
  /** 'merge' (default, 1 channel) or 'split' (OFF then ON, 2 channels). */
  readonly polarity?: PolarityMode;
  /** How frames are brought into [0, 1] (default 'frameMax'). */
  readonly normalize?: Exclude<Normalization, 'none'>;
  /** Backwards timestamps in a recording: throw ('strict', default) or count ('tolerate'). */
  readonly timeOrder?: TimeOrderPolicy;
  /** Keep events whose valid mark is 0 (default false). */
  readonly includeInvalid?: boolean;
  /** Called before a recording is read, e.g. to check its checksum (selfprop/node's MD5 check). */
  readonly verify?: (recording: RecordingFiles, aedat: ByteSource) => Promise<void>;
  /** Throw unless all 122 recordings are present (default false: load those present). */
  readonly requireComplete?: boolean;
  /** Called with (recordings done, recordings in all) before the first and after each recording. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface GestureSampleInfo {
  readonly recording: string;
  readonly split: SplitName;
  /** Row in the recording's label file (1-based). */
  readonly row: number;
  /** 1..11 as in the label file. */
  readonly classId: number;
  readonly startUs: number;
  readonly endUs: number;
  /** Events that fell in the segment. */
  readonly events: number;
}

export interface RecordingSummary {
  readonly name: string;
  readonly split: SplitName;
  readonly events: number;
  readonly invalidSkipped: number;
  readonly backwardsSteps: number;
  readonly minUs: number;
  readonly maxUs: number;
}

export interface DvsGestureData extends TaskData {
  readonly evalKind: 'test';
  /** Frames per row. */
  readonly frames: number;
  /** Shape of one frame. */
  readonly geometry: FrameGeometry;
  /** One entry per row of `train` / `test`. */
  readonly trainSamples: readonly GestureSampleInfo[];
  readonly testSamples: readonly GestureSampleInfo[];
  readonly recordings: readonly RecordingSummary[];
}

interface Slot {
  readonly dataset: 'train' | 'test';
  readonly index: number;
  readonly label: GestureLabel;
}

/** Loads a DVS128 Gesture folder (`userNN_<lighting>.aedat` + `_labels.csv`). */
export async function loadDvsGesture(dir: DataSource, options: LoadDvsGestureOptions = {}): Promise<DvsGestureData> {
  const frames = options.frames ?? 100;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames must be a positive integer, got ${frames}`);
  const normalize = options.normalize ?? 'frameMax';
  const geometry = frameGeometry(DVS128_SENSOR, { pool: options.pool ?? 4, polarity: options.polarity ?? 'merge' });
  const rowSize = frames * geometry.frameSize;

  const recordings = await listGestureRecordings(dir, { requireComplete: options.requireComplete });
  const open = async (name: string): Promise<ByteSource> => {
    const source = await dir.open(name);
    if (!source) throw new DataFormatError(dir.pathOf(name), 'file not found');
    return source;
  };
  const labels = await Promise.all(recordings.map(async (r) => readGestureLabels(await open(r.labelsFile))));
  const counts = { train: 0, test: 0 };
  const slots = labels.map((ls, r) => ls.map((label): Slot => ({ dataset: recordings[r].split, index: counts[recordings[r].split]++, label })));
  const inputs = { train: new Float32Array(counts.train * rowSize), test: new Float32Array(counts.test * rowSize) };
  const samples: Record<'train' | 'test', GestureSampleInfo[]> = { train: [], test: [] };
  const summaries: RecordingSummary[] = [];

  options.onProgress?.(0, recordings.length);
  for (let r = 0; r < recordings.length; r++) {
    const rec = recordings[r];
    if (options.verify) await options.verify(rec, await open(rec.aedatFile));
    const recSlots = slots[r];
    const rows = recSlots.map((s) => inputs[s.dataset].subarray(s.index * rowSize, (s.index + 1) * rowSize));
    summaries.push(await streamRecording(rec, await open(rec.aedatFile), dir.pathOf(rec.labelsFile), recSlots, rows, geometry, frames, options));
    for (let k = 0; k < recSlots.length; k++) {
      const { dataset, label } = recSlots[k];
      let events = 0;
      for (const v of rows[k]) events += v;
      normalizeFrames(rows[k], geometry.frameSize, normalize);
      samples[dataset].push({ recording: rec.name, split: dataset, row: label.row, classId: label.classId, startUs: label.startUs, endUs: label.endUs, events });
    }
    options.onProgress?.(r + 1, recordings.length);
  }

  const what = (split: SplitName): string => {
    const n = recordings.filter((r) => r.split === split).length;
    const users = split === 'train' ? 'users 1–23' : 'users 24–29';
    const channels = geometry.channels === 1 ? 'ON+OFF merged' : 'OFF, ON channels';
    return (
      `DVS128 Gesture official ${split} split (${users}): ${counts[split]} segments from ${n} recordings; ` +
      `${frames} frames × ${geometry.width}×${geometry.height} (${channels}, pool ${geometry.pool}, ${normalize}) per row`
    );
  };
  const dataset = (split: SplitName): Dataset => ({
    description: what(split),
    count: counts[split],
    inputSize: rowSize,
    targetSize: GESTURE_CLASS_COUNT,
    inputs: inputs[split],
    ...oneHot(samples[split].map((s) => s.classId - 1)),
  });
  return {
    train: dataset('train'),
    test: dataset('test'),
    evalKind: 'test',
    frames,
    geometry,
    trainSamples: samples.train,
    testSamples: samples.test,
    recordings: summaries,
  };
}

/** Streams one recording, adding each event to the frames of every segment that holds it. */
async function streamRecording(
  rec: RecordingFiles,
  aedat: ByteSource,
  labelsFile: string,
  slots: readonly Slot[],
  rows: readonly Float32Array[],
  geometry: FrameGeometry,
  frames: number,
  options: LoadDvsGestureOptions,
): Promise<RecordingSummary> {
  const stream = await openAedat3(aedat, { timeOrder: options.timeOrder, includeInvalid: options.includeInvalid });
  for await (const chunk of stream.chunks()) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of chunk.t) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    for (let k = 0; k < slots.length; k++) {
      const { startUs, endUs } = slots[k].label;
      if (hi >= startUs && lo < endUs) accumulateSpan(rows[k], geometry, chunk, startUs, endUs, frames);
    }
  }
  const { stats } = stream;
  checkLabelsWithinRecording(slots.map((s) => s.label), stats, labelsFile);
  return {
    name: rec.name,
    split: rec.split,
    events: stats.events,
    invalidSkipped: stats.invalidSkipped,
    backwardsSteps: stats.backwardsSteps,
    minUs: stats.minUs,
    maxUs: stats.maxUs,
  };
}

function oneHot(labels: number[]): { targets: Float32Array; labels: Uint8Array } {
  const targets = new Float32Array(labels.length * GESTURE_CLASS_COUNT);
  labels.forEach((c, i) => (targets[i * GESTURE_CLASS_COUNT + c] = 1));
  return { targets, labels: Uint8Array.from(labels) };
}

/**
 * One row per frame: row s·frames + f is frame f of segment s, with the segment's target and
 * label (what the reference meant by flattening, without its row-index error, docs/algorithms.md
 * §1.6), and `rowsPerSample` = frames (times any grouping `data` already had). `inputs` is the
 * same memory as `data.inputs`, not a copy.
 */
export function framesAsRows(data: Dataset, frames: number, description?: string): Dataset {
  if (data.inputSize % frames !== 0) throw new RangeError(`inputSize ${data.inputSize} is not a multiple of ${frames} frames`);
  const count = data.count * frames;
  const targets = new Float32Array(count * data.targetSize);
  const labels = data.labels ? new Uint8Array(count) : undefined;
  for (let s = 0; s < data.count; s++) {
    const target = data.targets.subarray(s * data.targetSize, (s + 1) * data.targetSize);
    for (let f = 0; f < frames; f++) {
      targets.set(target, (s * frames + f) * data.targetSize);
      if (labels && data.labels) labels[s * frames + f] = data.labels[s];
    }
  }
  return {
    description: description ?? `${data.description}; one row per frame (${frames} rows per segment)`,
    count,
    inputSize: data.inputSize / frames,
    targetSize: data.targetSize,
    inputs: data.inputs,
    targets,
    ...(labels ? { labels } : {}),
    rowsPerSample: frames * (data.rowsPerSample ?? 1),
  };
}

/** Frame `frame` of row `sample` as a view into `data.inputs`. */
export function sampleFrame(data: Dataset, frames: number, sample: number, frame: number): Float32Array {
  const frameSize = data.inputSize / frames;
  const start = sample * data.inputSize + frame * frameSize;
  return data.inputs.subarray(start, start + frameSize);
}
