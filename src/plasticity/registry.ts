/** Rule name → ΔW function (§1.3). */
import type { SnnRuleName } from '../models/snn/config.js';
import type { PlasticityRule } from './rule.js';
import { selfBackpropagation } from './sbp.js';
import { differentialStdp, symmetricStdp } from './stdp.js';

export const PLASTICITY_RULES: Record<SnnRuleName, PlasticityRule> = {
  sbp: selfBackpropagation,
  'stdp-differential': differentialStdp,
  'stdp-symmetric': symmetricStdp,
};
