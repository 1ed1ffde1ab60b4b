/** Model family → model. */
import type { RunConfig } from '../train/run-config.js';
import { loadWeights } from '../train/weights-file.js';
import type { RandomStream } from '../tensor/index.js';
import { NO_ROWS, type Model, type SplitRows } from './model.js';
import { EnergyModel } from './energy/model.js';
import { SmlpModel } from './smlp/model.js';
import { SnnModel } from './snn/model.js';

/**
 * A fresh model for a run config, its random initial values drawn from `rng` (always drawn, so a
 * stream continues the same way whether or not weights are loaded). `initWeights`, when set and
 * `loadInitialWeights` is true, replaces the drawn weights. `rows` sizes the per-example state of
 * models that keep one (§2).
 */
export function createModel(config: RunConfig, rng: RandomStream, loadInitialWeights = true, rows: SplitRows = NO_ROWS): Model {
  switch (config.model) {
    case 'ann': {
      const initial = loadInitialWeights && config.initWeights ? loadWeights(config.initWeights, config.ann.layers) : undefined;
      return new EnergyModel(config.ann, rng, initial, rows);
    }
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
