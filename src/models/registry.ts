/** Model family → model. */
import type { RunConfig } from '../train/run-config.js';
import { loadWeights } from '../train/weights-file.js';
import type { RandomStream } from '../tensor/index.js';
import type { Model } from './model.js';
import { SmlpModel } from './smlp/model.js';
import { SnnModel } from './snn/model.js';

/**
 * A fresh model for a run config, its random initial values drawn from `rng` (always drawn, so a
 * stream continues the same way whether or not weights are loaded). `initWeights`, when set and
 * `loadInitialWeights` is true, replaces the drawn weights.
 */
export function createModel(config: RunConfig, rng: RandomStream, loadInitialWeights = true): Model {
  switch (config.model) {
    case 'smlp': {
      const initial = loadInitialWeights && config.initWeights ? loadWeights(config.initWeights, config.smlp.layers) : undefined;
      return new SmlpModel(config.smlp, rng, initial);
    }
    case 'snn': {
      const initial = loadInitialWeights && config.initWeights ? loadWeights(config.initWeights, config.snn.layers) : undefined;
      return new SnnModel(config.snn, config.batchSize, rng, initial);
    }
  }
}
