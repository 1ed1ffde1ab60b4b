/**
 * `selfprop data fetch <dataset>` and `selfprop data info <dir>`.
 *
 * Results go to stdout, progress bars to stderr (only when stderr is a terminal, unless asked).
 * Failures are thrown as SelfpropError; the main CLI prints the one-line message and exits with
 * `err.exitCode`.
 */
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { DataFormatError } from '../errors.js';
import { DatasetIncompleteError } from '../node/fetch/errors.js';
import { dvsGestureInstructions, verifyDvsGesture } from '../node/fetch/dvsgesture.js';
import type { DownloadResult } from '../node/fetch/download.js';
import { fetchDataset } from '../node/fetch/fetch-dataset.js';
import { inspectDataDir, type DataDirInfo, type FileInfo } from '../node/fetch/info.js';
import { SOURCES } from '../node/datasets/registry.js';
import {
  getSource,
  normaliseBaseUrl,
  type DatasetSource,
  type DownloadSource,
  type ManualSource,
  type SourceFile,
} from '../node/fetch/sources.js';

/** A stream the command writes text to. */
export interface TextSink {
  write(text: string): unknown;
}

export interface DataCommandOptions {
  /** Where results go. Default process.stdout. */
  readonly stdout?: TextSink;
  /** Where progress bars go. Default process.stderr. */
  readonly stderr?: NodeJS.WritableStream;
  /** Extra or replacement dataset sources (tests, private datasets), merged over the built-in ones. */
  readonly sources?: Readonly<Record<string, DatasetSource>>;
  /** Draw progress bars even when stderr is not a terminal (default: only on a terminal). */
  readonly forceProgress?: boolean;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

function parseMirror(value: string): string {
  try {
    return normaliseBaseUrl(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--mirror: /, ''));
  }
}

/** One cli-progress bar at a time, for the file currently transferring or being hashed. */
class ProgressBars {
  private bar: cliProgress.SingleBar | undefined;
  private file: string | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly enabled: boolean,
    private readonly force: boolean,
  ) {}

  readonly update = (file: string, received: number, total: number | undefined): void => {
    if (!this.enabled) return;
    if (file !== this.file || !this.bar) {
      this.stop();
      this.file = file;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format:
            total !== undefined
              ? '{file} [{bar}] {percentage}% | {got} of {size} | ETA {eta_formatted}'
              : '{file} {got} received',
          hideCursor: true,
          clearOnComplete: false,
          noTTYOutput: this.force,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total ?? Math.max(received, 1), received, {
        file,
        got: humanBytes(received),
        size: total !== undefined ? humanBytes(total) : '?',
      });
      return;
    }
    this.bar.update(received, { got: humanBytes(received) });
  };

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.file = undefined;
  }
}

function describeResult(file: SourceFile, r: DownloadResult): string[] {
  const sum = `${r.algorithm} verified`;
  const lines: string[] = [];
  switch (r.status) {
    case 'present':
      lines.push(`  ${file.name}: ok, already present (${fmt(r.bytes)} bytes, ${sum})`);
      break;
    case 'downloaded':
      lines.push(`  ${file.name}: downloaded ${fmt(r.bytes)} bytes from ${r.url} (${sum})`);
      break;
    case 'resumed':
      lines.push(
        `  ${file.name}: resumed at byte ${fmt(r.resumedFrom ?? 0)}, ${fmt(r.bytes)} bytes in all` +
          `${r.url ? ` from ${r.url}` : ''} (${sum})`,
      );
      break;
    case 'replaced':
      lines.push(
        `  ${file.name}: REPLACED: the existing file had ${r.algorithm} ${r.previousChecksum}, expected ${r.checksum}; ` +
          `downloaded ${fmt(r.bytes)} bytes${r.url ? ` from ${r.url}` : ''} (${sum})`,
      );
      break;
  }
  for (const note of r.notes) if (r.status !== 'replaced' || !note.startsWith('the existing file')) lines.push(`    note: ${note}`);
  return lines;
}

/**
 * Add `data fetch` and `data info` to `program`. The second argument is for tests and embedders:
 * output streams and extra dataset sources.
 */
export function registerDataCommands(program: Command, options: DataCommandOptions = {}): void {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const sources: Readonly<Record<string, DatasetSource>> = { ...SOURCES, ...options.sources };
  const print = (line = ''): void => {
    stdout.write(`${line}\n`);
  };
  const progressWanted = (): boolean =>
    options.forceProgress === true || (stderr as NodeJS.WriteStream).isTTY === true;

  const data = program
    .command('data')
    .description('download datasets with checksum verification, and inspect data directories');

  const datasetList = Object.values(sources)
    .map((s) => `  ${s.name.padEnd(11)} ${s.title}${s.kind === 'manual' ? ' (manual download; fetch verifies it)' : ''}`)
    .join('\n');

  data
    .command('fetch')
    .description(
      'download a dataset into DIR, resuming partial downloads and verifying every file against its ' +
        'published checksum before giving it its final name',
    )
    .argument('<dataset>', `dataset to fetch: ${Object.keys(sources).join(', ')}`)
    .option('-d, --dir <dir>', 'directory to put the files in (default: ./data/<dataset>)')
    .option(
      '-m, --mirror <url>',
      "base URL to download from instead of the dataset's public home (file names are appended to it)",
      parseMirror,
    )
    .option('--timeout <seconds>', 'give up on a connection after this many seconds without data', parseSeconds, 60)
    .option('--no-progress', 'do not draw progress bars on stderr')
    .addHelpText(
      'after',
      `
Datasets:
${datasetList}

A transfer goes to FILE.part first; an interrupted fetch is resumed by running the same command
again. A file gets its final name only after its sha256 (or md5) matches the published one, and a
file that is already present and verifies is not downloaded again.

Examples:
  selfprop data fetch mnist
  selfprop data fetch nettalk --dir ./data/nettalk
  selfprop data fetch mnist --mirror https://mirror.example.org/mnist/
  selfprop data fetch dvsgesture --dir ./data/dvsgesture   (prints what to download, then verifies)`,
    )
    .action(async (dataset: string, opts: { dir?: string; mirror?: string; timeout: number; progress: boolean }) => {
      const source = getSource(dataset, sources);
      const dir = opts.dir ?? join('data', source.name);
      const bars = new ProgressBars(stderr, opts.progress && progressWanted(), options.forceProgress === true);
      try {
        if (source.kind === 'manual') await fetchManual(source, dir, bars);
        else await fetchDownload(source, dir, opts.mirror, opts.timeout, bars);
      } finally {
        bars.stop();
      }
    });

  async function fetchDownload(
    source: DownloadSource,
    dir: string,
    mirror: string | undefined,
    timeoutSeconds: number,
    bars: ProgressBars,
  ): Promise<void> {
    print(`${source.name}: ${source.title}`);
    print(`  into ${dir}, from ${mirror ?? source.baseUrls.join(' or ')}`);
    print(`  licence: ${source.licence}`);
    await fetchDataset(source, {
      dir,
      mirror,
      idleTimeoutMs: timeoutSeconds * 1000,
      onProgress: bars.update,
      onFileDone: (file, result) => {
        bars.stop();
        for (const line of describeResult(file, result)) print(line);
      },
    });
    print(`${source.name}: all ${source.files.length} files present and verified in ${dir}`);
  }

  async function fetchManual(source: ManualSource, dir: string, bars: ProgressBars): Promise<void> {
    for (const line of dvsGestureInstructions(dir, source)) print(line);
    print(`4. Run \`selfprop data fetch ${source.name} --dir ${dir}\` again: it checks every recording's MD5.`);
    print();
    const report = await verifyDvsGesture(dir, { source, onProgress: bars.update });
    bars.stop();
    if (!report.dirFound) {
      throw new DatasetIncompleteError(
        `${source.name}: no recordings yet: ${report.recordingsDir} does not exist; ` +
          `download and unpack ${source.archive} as described above`,
      );
    }
    print(`Checked ${report.recordingsDir}:`);
    print(`  ${report.ok} of ${report.total} recordings present with the right MD5`);
    if (report.missing.length > 0) {
      const shown = report.missing.slice(0, 20).map((n) => `${n}.aedat`);
      print(`  missing (${report.missing.length}): ${shown.join(' ')}${report.missing.length > 20 ? ' ...' : ''}`);
    }
    for (const b of report.bad) {
      print(`  BAD: ${b.name}.aedat: md5 ${b.actualMd5}, expected ${b.expectedMd5} (${fmt(b.size ?? 0)} bytes)`);
    }
    if (report.missingLabels.length > 0) {
      const shown = report.missingLabels.slice(0, 20).map((n) => `${n}_labels.csv`);
      print(`  labels files missing (${report.missingLabels.length}): ${shown.join(' ')}${report.missingLabels.length > 20 ? ' ...' : ''}`);
    }
    if (!report.complete) {
      throw new DatasetIncompleteError(
        `${source.name}: ${report.missing.length} recording(s) missing, ${report.bad.length} with a wrong MD5, ` +
          `${report.missingLabels.length} labels file(s) missing in ${report.recordingsDir}`,
      );
    }
    print(`${source.name}: all ${report.total} recordings present and verified in ${report.recordingsDir}`);
  }

  data
    .command('info')
    .description(
      'show which datasets a directory holds (MNIST IDX files, NETtalk files, DvsGesture recordings), ' +
        'with sizes, checksum status and counts',
    )
    .argument('<dir>', 'directory to inspect (e.g. ./data or ./data/mnist); searched 3 levels deep')
    .option('--verify', 'also check the MD5 of every DvsGesture recording (reads several GB)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Checksum status: "ok" and "MISMATCH" compare with the published checksum; "unknown" means none is
published for that file; "not checked" means it was skipped (DvsGesture recordings without --verify).
Counts come from file headers (IDX), lines (nettalk.data, label files) or the word list (nettalk.list).
Exit code 1 (after the listing) when no dataset is found, one is incomplete, a checksum does not
match or a file cannot be read; 0 when everything found is complete and checks out.

Examples:
  selfprop data info ./data
  selfprop data info ./data/dvsgesture --verify`,
    )
    .action(async (dir: string, opts: { verify?: boolean; json?: boolean }) => {
      const bars = new ProgressBars(stderr, progressWanted() && !opts.json, options.forceProgress === true);
      let info: DataDirInfo;
      try {
        info = await inspectDataDir(dir, { verifyRecordings: opts.verify === true, onProgress: bars.update });
      } finally {
        bars.stop();
      }
      if (opts.json) print(JSON.stringify(info, null, 2));
      else printInfo(info);
      const faults = infoFaults(info);
      if (faults.length > 0) throw new DataFormatError(info.dir, faults.join('; '));
    });

  function printInfo(info: DataDirInfo): void {
    print(`${info.dir}:`);
    if (info.datasets.length === 0) {
      print(
        '  no known dataset layout found (looked for MNIST *-idx?-ubyte[.gz], nettalk.data/.list/.names, ' +
          'DvsGesture/userNN_<lighting>.aedat)',
      );
    }
    for (const d of info.datasets) {
      const where = d.dir === '.' ? '' : ` in ${d.dir}/`;
      print(`  ${d.dataset}${where}: ${d.complete ? 'complete' : 'INCOMPLETE'}${d.problems.length ? ', WITH PROBLEMS' : ''}`);
      if (d.summary) print(`    ${d.summary}`);
      if (d.missing.length > 0) {
        print(`    missing: ${d.missing.slice(0, 10).join(', ')}${d.missing.length > 10 ? `, ... (${d.missing.length} in all)` : ''}`);
      }
      for (const p of d.problems.slice(0, 20)) print(`    problem: ${p}`);
    }
    const listed = info.files.filter((f) => f.kind !== 'dvs-labels' && f.kind !== 'dvs-recording');
    const dvs = info.files.filter((f) => f.kind === 'dvs-recording');
    if (listed.length > 0 || dvs.length > 0) print('  files:');
    const width = Math.max(0, ...listed.map((f) => f.path.length));
    for (const f of listed) print(`    ${f.path.padEnd(width)}  ${fmt(f.size).padStart(11)} B  ${checksumText(f)}${f.detail ? `  ${f.detail}` : ''}${f.problem ? `  PROBLEM: ${f.problem}` : ''}`);
    if (dvs.length > 0) {
      const total = dvs.reduce((a, f) => a + f.size, 0);
      const states = new Map<string, number>();
      for (const f of dvs) states.set(checksumText(f), (states.get(checksumText(f)) ?? 0) + 1);
      const stateText = [...states].map(([s, n]) => `${n} ${s}`).join(', ');
      print(`    ${dvs.length} DvsGesture recordings, ${humanBytes(total)} in all (${stateText})`);
    }
    if (info.otherCount > 0) {
      print(`  other files: ${info.otherCount} (${info.other.slice(0, 5).join(', ')}${info.otherCount > 5 ? ', ...' : ''})`);
    }
  }
}

/** What makes `data info` exit non-zero: no dataset, an incomplete one, a checksum mismatch, an unreadable file. */
export function infoFaults(info: DataDirInfo): string[] {
  const faults: string[] = [];
  if (info.datasets.length === 0) faults.push('no known dataset found');
  for (const d of info.datasets) {
    if (!d.complete) faults.push(`${d.dataset} is incomplete${d.missing.length ? ` (${d.missing.length} file(s) missing)` : ''}`);
    if (d.problems.length > 0) faults.push(`${d.dataset} has ${d.problems.length} problem(s)`);
  }
  const mismatches = info.files.filter((f) => f.checksum === 'mismatch');
  if (mismatches.length > 0) faults.push(`checksum mismatch in ${mismatches.length} file(s): ${mismatches.slice(0, 3).map((f) => f.path).join(', ')}${mismatches.length > 3 ? ', ...' : ''}`);
  const unreadable = info.files.filter((f) => f.problem);
  if (unreadable.length > 0) faults.push(`${unreadable.length} file(s) with problems: ${unreadable.slice(0, 3).map((f) => f.path).join(', ')}${unreadable.length > 3 ? ', ...' : ''}`);
  return faults;
}

function checksumText(f: FileInfo): string {
  switch (f.checksum) {
    case 'ok':
      return `${f.algorithm} ok`;
    case 'mismatch':
      return `${f.algorithm} MISMATCH`;
    case 'unchecked':
      return 'not checked';
    default:
      return 'no published checksum';
  }
}
