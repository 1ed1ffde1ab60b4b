/**
 * The model families by name. Adding a family = its folder with a `family.ts` descriptor + one
 * line here; the run config, the training loop, the CLI and the reports read this table.
 */
import { ConfigError } from '../errors.js';
import { annFamily } from './ann/family.js';
import type { ModelFamily } from './family.js';
import { smlpFamily } from './smlp/family.js';
import { snnFamily } from './snn/family.js';

export const MODEL_FAMILIES = {
  snn: snnFamily,
  smlp: smlpFamily,
  ann: annFamily,
} as const;

export type ModelName = keyof typeof MODEL_FAMILIES;
export const MODEL_NAMES = Object.keys(MODEL_FAMILIES) as [ModelName, ...ModelName[]];

/** The family called `name`; a ConfigError naming the known ones otherwise. */
export function getFamily(name: string): ModelFamily {
  const family = (MODEL_FAMILIES as unknown as Record<string, ModelFamily>)[name];
  if (!family) throw new ConfigError(`unknown model family "${name}" (expected one of: ${MODEL_NAMES.join(', ')})`);
  return family;
}
