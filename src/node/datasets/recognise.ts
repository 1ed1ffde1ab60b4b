/**
 * What `data info` knows of a dataset's files: each dataset's recogniser (node/datasets/*.ts)
 * claims the files it knows by name, inspects them (checksums, counts, headers) and summarises a
 * folder of them; fetch/info.ts walks a directory and hands every file to the recognisers.
 */
import type { DatasetName, SourceFile } from '../fetch/sources.js';
import { preferredChecksum } from '../fetch/sources.js';
import { hashFile, type ProgressCallback } from '../fetch/hash.js';

/** ok / mismatch: compared with the published checksum; unknown: none published; unchecked: skipped. */
export type ChecksumState = 'ok' | 'mismatch' | 'unknown' | 'unchecked';

export type FileKind =
  | 'mnist-idx'
  | 'idx'
  | 'nettalk-data'
  | 'nettalk-list'
  | 'nettalk-names'
  | 'nettalk-mat'
  | 'dvs-recording'
  | 'dvs-labels'
  | 'dvs-archive'
  | 'partial-download';

export interface FileInfo {
  /** Path relative to the inspected directory, '/'-separated. */
  readonly path: string;
  readonly kind: FileKind;
  readonly dataset?: DatasetName;
  /** E.g. "training images", "test labels", "recording (train)". */
  readonly role?: string;
  readonly size: number;
  readonly checksum: ChecksumState;
  readonly algorithm?: 'sha256' | 'md5';
  readonly expected?: string;
  readonly actual?: string;
  /** Number of items (images, labels, dictionary entries, words, label rows) where cheap to get. */
  readonly count?: number;
  /** E.g. "60,000 images, 28×28". */
  readonly detail?: string;
  /** Something wrong with the file beyond its checksum (bad header, truncated gzip, ...). */
  readonly problem?: string;
}

export interface DatasetInfo {
  readonly dataset: DatasetName;
  /** Directory (relative, '/'-separated, '.' for the inspected one) that holds the dataset. */
  readonly dir: string;
  /** All files a loader needs are present (checksums aside: see `problems`). */
  readonly complete: boolean;
  readonly missing: readonly string[];
  /** Checksum mismatches and unreadable files. */
  readonly problems: readonly string[];
  readonly summary: string;
  /** DvsGesture: recordings found per official split. */
  readonly splits?: Readonly<Record<string, { readonly found: number; readonly expected: number }>>;
}

export interface DataDirInfo {
  readonly dir: string;
  readonly datasets: readonly DatasetInfo[];
  readonly files: readonly FileInfo[];
  /** Unrecognised files (the first 50), relative paths. */
  readonly other: readonly string[];
  readonly otherCount: number;
}

export interface InspectOptions {
  /** Also MD5 every DvsGesture recording (several GB; off by default: reported as 'unchecked'). */
  readonly verifyRecordings?: boolean;
  /** How many directory levels below `dir` are searched. Default 3. */
  readonly maxDepth?: number;
  /** Hashing progress. */
  readonly onProgress?: ProgressCallback;
}

/** One file as a recogniser sees it. */
export interface FileEntry {
  /** Absolute (or working-directory relative) path. */
  readonly path: string;
  /** Path relative to the inspected directory, '/'-separated. */
  readonly rel: string;
  /** The file name. */
  readonly name: string;
  readonly size: number;
}

/** A dataset's part in `data info`. */
export interface DatasetRecogniser {
  /** The files of the dataset with a published size and checksum (partial downloads of them are recognised too). */
  readonly knownFiles: readonly SourceFile[];
  /** The file's description when it belongs to the dataset, else undefined. */
  inspect(file: FileEntry, options: InspectOptions): Promise<FileInfo | undefined>;
  /** The dataset in one directory from its recognised files. */
  summarise(dir: string, group: readonly FileInfo[], problems: string[], has: (name: string) => boolean): DatasetInfo;
}

export const fmt = (n: number): string => n.toLocaleString('en-US');

/** The file's checksum against its published one (by name), or 'unknown'. */
export async function checksumOf(
  path: string,
  rel: string,
  known: SourceFile | undefined,
  options: InspectOptions,
): Promise<Pick<FileInfo, 'checksum' | 'algorithm' | 'expected' | 'actual'>> {
  const sum = known ? preferredChecksum(known) : undefined;
  if (!sum) return { checksum: 'unknown' };
  const actual = await hashFile(path, sum.algorithm, options.onProgress, rel);
  return { checksum: actual === sum.expected ? 'ok' : 'mismatch', algorithm: sum.algorithm, expected: sum.expected, actual };
}

/** "checksums: 3 ok, 1 MISMATCH, …" for a group of files. */
export function checksumSummary(group: readonly FileInfo[]): string {
  const counts: Record<ChecksumState, number> = { ok: 0, mismatch: 0, unknown: 0, unchecked: 0 };
  for (const f of group) if (f.kind !== 'partial-download') counts[f.checksum]++;
  const parts: string[] = [];
  if (counts.ok) parts.push(`${counts.ok} ok`);
  if (counts.mismatch) parts.push(`${counts.mismatch} MISMATCH`);
  if (counts.unchecked) parts.push(`${counts.unchecked} not checked`);
  if (counts.unknown) parts.push(`${counts.unknown} without a published checksum`);
  return parts.length ? `checksums: ${parts.join(', ')}` : '';
}
