/** Fetch a whole dataset into a directory. Nothing here prints; callers get results and callbacks. */
import { join } from 'node:path';
import { downloadFile, type DownloadOptions, type DownloadResult } from './download.js';
import { fileUrls, normaliseBaseUrl, type DownloadSource, type SourceFile } from './sources.js';

export interface FetchOptions extends DownloadOptions {
  /** Directory the files go to (created when the first byte arrives). */
  readonly dir: string;
  /** Base URL that replaces the source's own candidates, e.g. an internal mirror. */
  readonly mirror?: string;
  /** Called before each file, with the URLs that will be tried. */
  readonly onFileStart?: (file: SourceFile, urls: readonly string[]) => void;
  /** Called after each file is present and verified. */
  readonly onFileDone?: (file: SourceFile, result: DownloadResult) => void;
}

export interface FetchReport {
  readonly dataset: string;
  readonly dir: string;
  readonly files: readonly DownloadResult[];
}

/**
 * Download every file of `source` into `options.dir`, one after the other, each verified before it
 * gets its final name. Stops at the first file that fails (the error says which and why); files
 * finished before it stay in place and are skipped by the next run.
 */
export async function fetchDataset(source: DownloadSource, options: FetchOptions): Promise<FetchReport> {
  if (options.mirror !== undefined) normaliseBaseUrl(options.mirror); // a bad --mirror fails before any work
  const results: DownloadResult[] = [];
  for (const file of source.files) {
    const urls = fileUrls(source, file, options.mirror);
    options.onFileStart?.(file, urls);
    const result = await downloadFile(
      { dest: join(options.dir, file.name), urls, sha256: file.sha256, md5: file.md5, size: file.size },
      options,
    );
    results.push(result);
    options.onFileDone?.(file, result);
  }
  return { dataset: source.name, dir: options.dir, files: results };
}
