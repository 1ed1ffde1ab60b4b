/** The §2 energy-based ANN as a model family (models/family.ts). */
import type { ModelFamily } from '../family.js';
import { ANN_BATCH_SIZES, ANN_BETAS, annSchema, resolveAnnConfig, SBP_ENERGIES, type AnnConfig } from './config.js';
import { AnnModel } from './model.js';

const fixed = (v: number | readonly number[] | undefined, digits: number): string | undefined => (typeof v === 'number' ? v.toFixed(digits) : undefined);

export const annFamily: ModelFamily<AnnConfig> = {
  name: 'ann',
  title: 'the §2 energy-based ANN',
  schema: annSchema,
  resolve: (section, task, source) => resolveAnnConfig(section, { layers: task.defaultLayers, beta: ANN_BETAS[task.name] ?? 0.2 }, source),
  unsupported: (task) =>
    task.name === 'dvsgesture'
      ? 'the energy ANN on DvsGesture takes all 100 frames of a gesture concatenated (102,400 inputs, §2/§5), but the dvsgesture task provides one 1,024-input frame per row; this combination is not supported'
      : undefined,
  defaultBatchSize: (task) => ANN_BATCH_SIZES[task.name] ?? 20,
  // §2 MNIST protocol: train on the first 50,000 training images, report the last 10,000.
  defaultValidationRows: (task, trainRows) => (task.name === 'mnist' ? Math.floor(trainRows / 6) : 0),
  layers: (c) => c.layers,
  create: (c, build) => new AnnModel(c, build),
  describe: (c) =>
    `${c.sbp ? `SBP energy E_θ (${c.sbpEnergy}, θ ${c.theta})` : 'standard energy (SBP off)'}, N_s ${c.sleepIterations}, N_w ${c.wakeIterations}, ε ${c.epsilon}, β ±${c.beta}, α [${c.learningRates.join(',')}]`,
  runName: (c) => `sbp-${c.sbp ? 'on' : 'off'}`,
  options: [
    { flags: '--layers <sizes>', description: 'layer sizes, input first, e.g. 784,500,10 (SNN 2 to 6 layers; energy ANN and spiking MLP 3 to 6)', parse: 'numbers', path: ['layers'] },
    { flags: '--learning-rates <rates>', description: 'α per weight matrix, e.g. 0.1,0.05', parse: 'numbers', path: ['learningRates'], elsewhere: 'the spiking MLP takes --lr' },
    { flags: '--sbp <on|off>', description: 'the SBP energy E_θ (on, default) or the standard energy (off) (§2)', parse: 'on-off', path: ['sbp'] },
    { flags: '--sbp-energy <form>', description: 'which E_θ with --sbp on: §2 as written (literal, default) or with the output\'s own quadratic term (output-quadratic; see docs/algorithms.md)', parse: 'string', choices: SBP_ENERGIES, path: ['sbpEnergy'] },
    { flags: '--sleep <n>', description: 'free-phase iterations N_s (default 20)', parse: 'integer', path: ['sleepIterations'] },
    { flags: '--wake <n>', description: 'nudged-phase iterations N_w (default 4)', parse: 'integer', path: ['wakeIterations'] },
    { flags: '--theta <t>', description: 'SBP coefficient θ (default 0.5)', parse: 'number', path: ['theta'] },
    { flags: '--beta <b>', description: 'nudging strength β₀, its sign drawn per batch (default MNIST 0.2, NETtalk 1)', parse: 'number', path: ['beta'] },
    { flags: '--epsilon <e>', description: 'relaxation step ε (default 1)', parse: 'number', path: ['epsilon'] },
  ],
  epochParts: (m) =>
    [fixed(m.trainEnergy, 3) && `E ${fixed(m.trainEnergy, 3)}`, fixed(m.trainCost, 4) && `C ${fixed(m.trainCost, 4)}`].filter((p): p is string => Boolean(p)),
};
