/**
 * `inspectDataDir(dir)`: what a data directory holds. It recognises MNIST IDX files (gzipped or
 * raw), the NETtalk files and unpacked DvsGesture recordings, up to a few directory levels deep
 * (so `./data` with `mnist/`, `nettalk/`, `dvsgesture/DvsGesture/` below it works), checks known
 * files against their published checksums and reads counts where that is cheap. Nothing here
 * prints and nothing is modified.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DataFormatError } from '../../errors.js';
import { DATASETS } from '../datasets/registry.js';
import type { DataDirInfo, DatasetInfo, FileInfo, InspectOptions } from '../datasets/recognise.js';
import { fmt } from '../datasets/recognise.js';
import { errorText } from './download.js';
import type { DatasetName, SourceFile } from './sources.js';

export type { ChecksumState, DataDirInfo, DatasetInfo, FileInfo, FileKind, InspectOptions } from '../datasets/recognise.js';

const MAX_ENTRIES = 20_000;

/** Every file with a published checksum, by name, with its dataset (for partial downloads). */
const KNOWN_FILES = new Map<string, { file: SourceFile; dataset: DatasetName }>(
  Object.values(DATASETS).flatMap((d) => d.recogniser.knownFiles.map((file) => [file.name, { file, dataset: d.name }] as const)),
);

/** Describe what `dir` holds. Throws DataFormatError when `dir` is not a readable directory. */
export async function inspectDataDir(dir: string, options: InspectOptions = {}): Promise<DataDirInfo> {
  let top;
  try {
    top = await stat(dir);
  } catch (err) {
    throw new DataFormatError(dir, `cannot read the directory: ${errorText(err)}`);
  }
  if (!top.isDirectory()) throw new DataFormatError(dir, 'not a directory');

  const entries = await walk(dir, options.maxDepth ?? 3);
  const files: FileInfo[] = [];
  const other: string[] = [];
  for (const rel of entries) {
    const info = await inspectFile(join(dir, ...rel.split('/')), rel, options);
    if (info) files.push(info);
    else other.push(rel);
  }
  return {
    dir,
    datasets: summarise(files),
    files,
    other: other.slice(0, 50),
    otherCount: other.length,
  };
}

/** Regular files below `root` (relative, '/'-separated), skipping hidden entries and node_modules. */
async function walk(root: string, maxDepth: number): Promise<string[]> {
  const out: string[] = [];
  let seen = 0;
  const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
  while (queue.length > 0 && seen < MAX_ENTRIES) {
    const { rel, depth } = queue.shift()!;
    let dirents;
    try {
      dirents = await readdir(join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
    } catch {
      continue;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (++seen > MAX_ENTRIES) break;
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isFile()) out.push(childRel);
      else if (d.isDirectory() && depth < maxDepth) queue.push({ rel: childRel, depth: depth + 1 });
    }
  }
  return out;
}

async function inspectFile(path: string, rel: string, options: InspectOptions): Promise<FileInfo | undefined> {
  const name = posix.basename(rel);
  const size = (await stat(path)).size;

  if (name.endsWith('.part')) {
    const target = name.slice(0, -'.part'.length);
    const entry = KNOWN_FILES.get(target);
    if (!entry) return undefined;
    const known = entry.file;
    return {
      path: rel,
      kind: 'partial-download',
      dataset: entry.dataset,
      size,
      checksum: 'unchecked',
      detail: `partial download of ${target}: ${fmt(size)}${known.size ? ` of ${fmt(known.size)}` : ''} bytes; \`data fetch\` resumes it`,
    };
  }

  for (const dataset of Object.values(DATASETS)) {
    const info = await dataset.recogniser.inspect({ path, rel, name, size }, options);
    if (info) return info;
  }
  return undefined;
}

/** Group recognised files into datasets per directory. */
function summarise(files: readonly FileInfo[]): DatasetInfo[] {
  const byDir = new Map<string, FileInfo[]>();
  for (const f of files) {
    if (!f.dataset) continue;
    const d = posix.dirname(f.path);
    const key = `${f.dataset}\u0000${d}`;
    const list = byDir.get(key) ?? [];
    list.push(f);
    byDir.set(key, list);
  }
  const out: DatasetInfo[] = [];
  for (const [key, group] of byDir) {
    const [dataset, dir] = key.split('\u0000') as [DatasetName, string];
    const problems = group
      .filter((f) => f.checksum === 'mismatch' || f.problem)
      .map((f) =>
        f.checksum === 'mismatch'
          ? `${posix.basename(f.path)}: ${f.algorithm} mismatch (expected ${f.expected}, got ${f.actual})`
          : `${posix.basename(f.path)}: ${f.problem}`,
      );
    const has = (name: string) => group.some((f) => posix.basename(f.path) === name);
    out.push(DATASETS[dataset].recogniser.summarise(dir, group, problems, has));
  }
  return out.sort((a, b) => (a.dir + a.dataset < b.dir + b.dataset ? -1 : 1));
}

