/** The §1 spiking network as a model family (models/family.ts). */
import { PLASTICITY_RULES, RULE_NAMES } from '../../plasticity/registry.js';
import type { ModelFamily } from '../family.js';
import { resolveSnnConfig, snnSchema, type SnnConfig } from './config.js';
import { SnnModel } from './model.js';
import { recordSpikeRaster } from './raster.js';

/** The paper's rows per batch (§1.6: NETtalk uses batch 1). */
const BATCH_SIZES: Readonly<Record<string, number>> = { mnist: 50, nettalk: 1, dvsgesture: 50 };

const fixed = (v: number | readonly number[] | undefined, digits: number): string | undefined => (typeof v === 'number' ? v.toFixed(digits) : undefined);

export const snnFamily: ModelFamily<SnnConfig> = {
  name: 'snn',
  title: 'the §1 spiking network',
  schema: snnSchema,
  resolve: (section, task, source) => resolveSnnConfig(section, task.defaultLayers, source),
  unsupported: () => undefined,
  defaultBatchSize: (task) => BATCH_SIZES[task.name] ?? 50,
  defaultValidationRows: () => 0,
  layers: (c) => c.layers,
  create: (c, build) => new SnnModel(c, build),
  describe: (c) => `rule ${c.rule} (${PLASTICITY_RULES[c.rule].title})`,
  runName: (c) => c.rule,
  options: [
    { flags: '--rule <name>', description: 'plasticity rule (§1.3)', parse: 'string', choices: RULE_NAMES, path: ['rule'] },
    { flags: '--layers <sizes>', description: 'layer sizes, input first, e.g. 784,500,10 (SNN 2 to 6 layers; energy ANN and spiking MLP 3 to 6)', parse: 'numbers', path: ['layers'] },
    { flags: '--learning-rates <rates>', description: 'α per weight matrix, e.g. 0.1,0.05', parse: 'numbers', path: ['learningRates'], elsewhere: 'the spiking MLP takes --lr' },
    { flags: '--feedforward <on|off>', description: 'run the LIF feedforward phase (a) (on = paper-exact, §1.6)', parse: 'on-off', path: ['feedforward'] },
    { flags: '--drive <mode>', description: 'analog (paper-exact) or spike-driven layers with Bernoulli input (§1.6)', parse: 'string', choices: ['analog', 'spikes'], path: ['drive'] },
    { flags: '--reset-each-batch', description: 'reset V, g and particles at every batch instead of carrying them (§1.6)', parse: 'flag', path: ['resetEachBatch'] },
    { flags: '--spread-fraction <f>', description: 'fraction f of the SBP spread (§1.3; 0 = the base change D alone, the §1.6 ablation)', parse: 'number', path: ['sbp', 'fraction'], elsewhere: "the spiking MLP's fraction of SBP batches is --sbp-fraction" },
    { flags: '--noise <kind>', description: 'update noise (§1.4)', parse: 'string', choices: ['none', 'norm', 'poisson'], path: ['noise'] },
    { flags: '--lif-precision <mode>', description: 'arithmetic of the WebAssembly LIF loop: exact (float64, bit-identical to the JS loops) or fast (float32, four lanes)', parse: 'string', choices: ['exact', 'fast'], path: ['lif', 'precision'] },
    { flags: '--stp <on|off>', description: 'short-term plasticity (§1.4)', parse: 'on-off', path: ['stp', 'enabled'] },
    { flags: '--dale <on|off>', description: "Dale's law (§1.4)", parse: 'on-off', path: ['dale', 'enabled'] },
  ],
  spikeRaster: (model, sample) => recordSpikeRaster((model as SnnModel).network, sample),
  epochParts: (m) =>
    [
      fixed(m.trainEnergy, 3) && `E ${fixed(m.trainEnergy, 3)}`,
      fixed(m.trainCost, 4) && `C ${fixed(m.trainCost, 4)}`,
      fixed(m.trainHiddenActivity, 3) && `|s_hidden| ${fixed(m.trainHiddenActivity, 3)}`,
    ].filter((p): p is string => Boolean(p)),
};
