/** The §3 spiking MLP as a model family (models/family.ts). */
import type { ModelFamily } from '../family.js';
import { resolveSmlpConfig, SMLP_BATCH_SIZES, smlpSchema, type SmlpConfig } from './config.js';
import { SmlpModel } from './model.js';

export const smlpFamily: ModelFamily<SmlpConfig> = {
  name: 'smlp',
  title: 'the §3 spiking MLP',
  schema: smlpSchema,
  resolve: (section, task, source) => resolveSmlpConfig(section, task.defaultLayers, source),
  unsupported: () => undefined,
  defaultBatchSize: (task) => SMLP_BATCH_SIZES[task.name] ?? 50,
  defaultValidationRows: () => 0,
  layers: (c) => c.layers,
  create: (c, build) => new SmlpModel(c, build),
  describe: (c) => `pBP + SBP in a fraction ${c.sbpFraction} of batches`,
  runName: (c) => `p${c.sbpFraction}`,
  options: [
    { flags: '--layers <sizes>', description: 'layer sizes, input first, e.g. 784,500,10 (SNN 2 to 6 layers; energy ANN and spiking MLP 3 to 6)', parse: 'numbers', path: ['layers'] },
    { flags: '--sbp-fraction <p>', description: 'fraction p of batches whose hidden layers learn by SBP (§3; 0 = pure pBP, 1 = pure SBP)', parse: 'number', path: ['sbpFraction'], elsewhere: "the SNN's SBP spread fraction is --spread-fraction" },
    { flags: '--lr <rate>', description: 'Adam learning rate (default 1e-3, ×0.1 at epoch 50)', parse: 'number', path: ['learningRate'], elsewhere: 'the SNN and the energy ANN take --learning-rates' },
    { flags: '--sbp-input <x>', description: "X of the SBP update: the layer input of every time step (per-step, default) or of the last one (last-step, the reference's)", parse: 'string', choices: ['per-step', 'last-step'], path: ['sbpInput'] },
    { flags: '--hebbian-weight <w>', description: 'weight of the Hebbian term of the SBP update (default 0.01; 0 skips it)', parse: 'number', path: ['hebbianWeight'] },
    { flags: '--time-steps <k>', description: 'time steps K per sample (default 20)', parse: 'integer', path: ['timeSteps'] },
  ],
  epochParts: (m) =>
    [
      typeof m.trainLoss === 'number' ? `loss ${m.trainLoss.toFixed(4)}` : undefined,
      typeof m.trainBackwardOps === 'number'
        ? `backward ${m.trainBackwardOps.toExponential(3)} executed / ${(m.trainBackwardMacs as number).toExponential(3)} dense MACs per sample`
        : typeof m.trainBackwardMacs === 'number'
          ? `backward ${m.trainBackwardMacs.toExponential(3)} MACs/sample`
          : undefined,
    ].filter((p): p is string => Boolean(p)),
};
