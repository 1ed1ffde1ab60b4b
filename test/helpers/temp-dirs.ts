/** Temporary directories for a test file, all removed after its tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A function making a fresh directory `selfprop-<prefix>-…` under the system's temp folder. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = mkdtempSync(join(tmpdir(), `selfprop-${prefix}-`));
    dirs.push(d);
    return d;
  };
}
