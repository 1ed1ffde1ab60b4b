/**
 * The project's shared data folder, if this checkout has it: found relative to the repository root
 * only (never an absolute path), beside the repository (`../shared`, as on the development machines
 * and in CI) or inside it (`shared`). Tests that use it skip cleanly when it is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from this file's location (test/helpers/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The shared folder, or undefined when neither location has one. */
export function sharedDir(): string | undefined {
  return [join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, 'shared')].find((dir) => existsSync(join(dir, 'data')));
}

/** A path inside the shared folder (e.g. 'data', 'mnist'), or undefined when it is absent. */
export function sharedPath(...parts: string[]): string | undefined {
  const dir = sharedDir();
  if (!dir) return undefined;
  const path = join(dir, ...parts);
  return existsSync(path) ? path : undefined;
}
