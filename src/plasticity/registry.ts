/**
 * The §1.3 plasticity rules by name. Adding a rule = its file (a pure ΔW function) + one line
 * here (plus its float64 reference in the tests); the SNN's config schema, the CLI's choices and
 * the §4 operation count read this table.
 */
import { ConfigError } from '../errors.js';
import type { PlasticityRule } from './rule.js';
import { selfBackpropagation } from './sbp.js';
import { differentialStdp, symmetricStdp } from './stdp.js';

export interface RuleDescriptor {
  readonly name: string;
  /** For help texts and reports. */
  readonly title: string;
  readonly delta: PlasticityRule;
  /**
   * How §4 counts a run of the rule: 'with-sbp' = mn + nk + n (SNN-SBP), 'without-sbp' =
   * mn + nk + n + m (the SNN without SBP: the STDP rules).
   */
  readonly paperCost: 'with-sbp' | 'without-sbp';
}

export const PLASTICITY_RULES = {
  sbp: { name: 'sbp', title: 'self-backpropagation (SBP)', delta: selfBackpropagation, paperCost: 'with-sbp' },
  'stdp-differential': { name: 'stdp-differential', title: 'differential STDP', delta: differentialStdp, paperCost: 'without-sbp' },
  'stdp-symmetric': { name: 'stdp-symmetric', title: 'symmetric STDP (equilibrium propagation)', delta: symmetricStdp, paperCost: 'without-sbp' },
} as const satisfies Record<string, RuleDescriptor>;

export type RuleName = keyof typeof PLASTICITY_RULES;
export const RULE_NAMES = Object.keys(PLASTICITY_RULES) as [RuleName, ...RuleName[]];

/** The rule called `name`; a ConfigError naming the known rules otherwise. */
export function getRule(name: string): RuleDescriptor {
  const rule = (PLASTICITY_RULES as Record<string, RuleDescriptor>)[name];
  if (!rule) throw new ConfigError(`unknown plasticity rule "${name}" (expected one of: ${RULE_NAMES.join(', ')})`);
  return rule;
}
