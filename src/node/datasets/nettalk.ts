/** NETtalk on disk: its download source and its part in `data info` (the loader is in index.ts). */
import { posix } from 'node:path';
import { readFile } from 'node:fs/promises';
import { NETTALK_EXTRA_FILES, NETTALK_SOURCE, type SourceFile } from '../fetch/sources.js';
import { checksumOf, checksumSummary, fmt, type DatasetInfo, type DatasetRecogniser, type FileInfo, type FileKind } from './recognise.js';

const NETTALK_FILES: Readonly<Record<string, FileKind>> = {
  'nettalk.data': 'nettalk-data',
  'nettalk.list': 'nettalk-list',
  'nettalk.names': 'nettalk-names',
  'nettalk_small.mat': 'nettalk-mat',
};
const MAX_COUNT_BYTES = 64 << 20;
const KNOWN_FILES = new Map<string, SourceFile>([...NETTALK_SOURCE.files, ...NETTALK_EXTRA_FILES].map((f) => [f.name, f]));

export const nettalkRecogniser: DatasetRecogniser = {
  knownFiles: [...NETTALK_SOURCE.files, ...NETTALK_EXTRA_FILES],
  async inspect({ path, rel, name, size }, options) {
    const nettalkKind = NETTALK_FILES[name];
    if (!nettalkKind) return undefined;
    const known = KNOWN_FILES.get(name);
    const counted = await countNettalk(path, nettalkKind, size);
    return {
      path: rel,
      kind: nettalkKind,
      dataset: 'nettalk',
      role: known?.role,
      size,
      ...(await checksumOf(path, name, known, options)),
      ...counted,
    };
  },
  summarise: summariseNettalk,
};

async function countNettalk(
  path: string,
  kind: FileKind,
  size: number,
): Promise<Pick<FileInfo, 'count' | 'detail' | 'problem'>> {
  if ((kind !== 'nettalk-data' && kind !== 'nettalk-list') || size > MAX_COUNT_BYTES) return {};
  const text = await readFile(path, 'latin1');
  if (kind === 'nettalk-data') {
    const count = text.split('\n').filter((line) => /^[a-z]+\t/.test(line)).length;
    return { count, detail: `${fmt(count)} dictionary entries` };
  }
  // nettalk.list: a note, then the words as one parenthesised, whitespace-separated list.
  const open = text.indexOf('\n(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return { problem: 'no parenthesised word list found' };
  const count = text
    .slice(open + 2, close)
    .split(/\s+/)
    .filter((w) => w !== '').length;
  return { count, detail: `${fmt(count)} words` };
}

function summariseNettalk(
  dir: string,
  group: readonly FileInfo[],
  problems: string[],
  has: (name: string) => boolean,
): DatasetInfo {
  const missing = NETTALK_SOURCE.files.map((f) => f.name).filter((n) => !has(n));
  const parts = group
    .filter((f) => f.detail && f.kind !== 'partial-download')
    .map((f) => `${posix.basename(f.path)}: ${f.detail}`);
  return {
    dataset: 'nettalk',
    dir,
    complete: has('nettalk.data') && has('nettalk.list'),
    missing,
    problems,
    summary: [...parts, checksumSummary(group)].filter(Boolean).join('; '),
  };
}

