/**
 * Where the real NETtalk files are, if this checkout has them: the shared data folder, found
 * relative to the repository root only (never an absolute path), either beside the repository
 * (`../shared/data/nettalk`, as on the development machine) or inside it (`shared/data/nettalk`).
 * `undefined` when neither exists: the real-data tests then skip.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const candidates = ['../../../../shared/data/nettalk', '../../../shared/data/nettalk'].map((rel) =>
  fileURLToPath(new URL(rel, import.meta.url)),
);

export const SHARED_NETTALK_DIR: string | undefined = candidates.find((dir) => existsSync(`${dir}/nettalk.data`));
