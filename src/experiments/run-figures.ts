/** Figures of one finished run: its weights per layer before and after training, its spike rasters. */
import { getFamily } from '../models/registry.js';
import { NO_ROWS } from '../models/model.js';
import { loadWeights } from '../node/weights-files.js';
import { histogram, multiPanel, spikeRaster } from '../plot/charts.js';
import type { TopLevelSpec } from '../plot/charts.js';
import { RandomStream, useBackend } from '../tensor/index.js';
import { createModel } from '../train/loop.js';
import { modelLayers, type RunConfig } from '../train/run-config.js';

/** Histograms of every weight matrix, initial (redrawn from the run's seed) and trained (weights.json). */
export async function weightsHistogram(config: RunConfig, weightsPath: string, title: string): Promise<TopLevelSpec> {
  await useBackend(config.backend);
  const layers = modelLayers(config);
  const initial = createModel(config, RandomStream.fromSeed(config.seed), NO_ROWS).parameters;
  const trained = loadWeights(weightsPath, layers);
  const groups = layers.slice(1).flatMap((_, k) => [
    { name: `W${k + 1} initial`, values: initial.weights[k].data },
    { name: `W${k + 1} trained`, values: trained.weights[k].data },
  ]);
  return histogram({ title, xTitle: 'weight', columns: 2, groups });
}

/**
 * Spike rasters of one input sample with the initial and with the trained weights side by side,
 * for a spiking family (its descriptor's `spikeRaster`); undefined for the others.
 */
export async function snnRasters(config: RunConfig, weightsPath: string, sample: Float32Array, title: string): Promise<TopLevelSpec | undefined> {
  const family = getFamily(config.model);
  if (!family.spikeRaster) return undefined;
  await useBackend(config.backend);
  const layers = modelLayers(config);
  // The same seed draws the same initial weights (and, with Dale's law, the same inhibitory neurons).
  const models: [string, ReturnType<typeof createModel>][] = [
    ['before training', createModel(config, RandomStream.fromSeed(config.seed), NO_ROWS)],
    ['after training', createModel(config, RandomStream.fromSeed(config.seed), NO_ROWS, loadWeights(weightsPath, layers))],
  ];
  const panels = models.map(([when, model]) =>
    spikeRaster({
      title: when,
      timeTitle: 'LIF step (0.1 ms)',
      neuronTitle: `neuron (hidden 1–${layers[1]}, then the next layers)`,
      spikes: family.spikeRaster!(model, sample).map((s) => ({ time: s.step, neuron: layers.slice(1, s.layer).reduce((a, n) => a + n, 0) + s.neuron })),
    }),
  );
  return multiPanel(panels, 2, title);
}
