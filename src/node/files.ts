/**
 * Files on disk for the Node ring: atomic writes (a temporary file beside the target, fsynced,
 * renamed over it: a crash or a kill at any point leaves the old file or the new one, never half),
 * and the core's DataSource / ByteSource over a directory and its files.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { ByteSource, DataSource } from '../data/source.js';
import { DataFormatError } from '../errors.js';

/**
 * The name a temporary file of `path` gets while this process writes it: unique to this write even
 * among processes of several hosts sharing the folder (PIDs repeat across hosts, and a container's
 * process is often PID 1): host, PID and random bytes.
 */
export const temporaryName = (path: string): string => `${path}.tmp-${hostname().replace(/[^\w.-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Matches the temporary files of `writeFileAtomic` (any process, any host). */
export const TEMPORARY_FILE = /\.tmp-[\w.-]*-\d+-[0-9a-f]{8}$/;

/**
 * Fault injection, for the crash tests (test/node/crash.test.ts): SELFPROP_FAULT="<n>:<stage>"
 * kills this process with SIGKILL — as `kill -9` would — at the n-th atomic write it makes (1-based,
 * counted per thread) when the write reaches `stage`: "open" (the temporary file created, empty),
 * "written" (its bytes written and synced, not yet renamed) or "renamed" (the new file in place).
 */
const FAULT = ((text: string | undefined) => {
  const m = text ? /^(\d+):(open|written|renamed)$/.exec(text) : null;
  return m ? { n: Number(m[1]), stage: m[2] } : undefined;
})(process.env.SELFPROP_FAULT);
let atomicWrites = 0;

function faultPoint(stage: 'open' | 'written' | 'renamed'): void {
  if (FAULT && FAULT.n === atomicWrites && FAULT.stage === stage) process.kill(process.pid, 'SIGKILL');
}

export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryName(path);
  atomicWrites++;
  const fd = openSync(temporary, 'w');
  try {
    faultPoint('open');
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    faultPoint('written');
  } catch (err) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(temporary, path);
  syncDirectory(dirname(path));
  faultPoint('renamed');
}

/** fsync a directory, so that a rename in it survives a crash (best effort: not every file system allows it). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Remove the temporary files an interrupted writer left in `dir` (not recursive); their names. */
export function removeTemporaryFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!TEMPORARY_FILE.test(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** A file's bytes; a DataFormatError naming it when it is missing or unreadable. */
export function readBytes(path: string, what = 'file'): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(path, code === 'ENOENT' ? `${what} not found` : code === 'EISDIR' ? `a directory, not a ${what}` : `cannot read ${what} (${(err as Error).message})`);
  }
}

/** A ByteSource over a file (opened lazily, closed by `close`). */
export function fileByteSource(path: string): ByteSource {
  const size = statSync(path).size;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  return {
    name: path,
    size,
    async read(position, length) {
      handle ??= await open(path, 'r');
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}

/** The core's DataSource over a directory. A DataFormatError when it is not a readable directory. */
export function directorySource(dir: string): DataSource {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DataFormatError(dir, 'directory not found');
  }
  if (!isDir) throw new DataFormatError(dir, 'not a directory');
  const entry = (name: string) => {
    try {
      return statSync(join(dir, name));
    } catch {
      return undefined;
    }
  };
  return {
    name: dir,
    list: async () => readdirSync(dir).sort(),
    open: async (name) => (entry(name)?.isFile() ? fileByteSource(join(dir, name)) : undefined),
    folder: async (name) => (entry(name)?.isDirectory() ? directorySource(join(dir, name)) : undefined),
    pathOf: (name) => join(dir, name),
  };
}
