/** Figures of one finished run: its weights per layer before and after training, its spike rasters. */
import { SnnModel } from '../models/snn/model.js';
import type { SnnNetwork } from '../models/snn/network.js';
import { recordSpikeRaster } from '../models/snn/raster.js';
import { createModel } from '../models/registry.js';
import { histogram, multiPanel, spikeRaster } from '../plot/charts.js';
import type { TopLevelSpec } from '../plot/render.js';
import { RandomStream, useBackend } from '../tensor/index.js';
import { modelLayers, type RunConfig } from '../train/run-config.js';
import { loadWeights } from '../train/weights-file.js';

/** Histograms of every weight matrix, initial (redrawn from the run's seed) and trained (weights.json). */
export async function weightsHistogram(config: RunConfig, weightsPath: string, title: string): Promise<TopLevelSpec> {
  await useBackend(config.backend);
  const layers = modelLayers(config);
  const initial = createModel(config, RandomStream.fromSeed(config.seed), false).parameters;
  const trained = loadWeights(weightsPath, layers);
  const groups = layers.slice(1).flatMap((_, k) => [
    { name: `W${k + 1} initial`, values: initial.weights[k].data },
    { name: `W${k + 1} trained`, values: trained.weights[k].data },
  ]);
  return histogram({ title, xTitle: 'weight', columns: 2, groups });
}

/**
 * Spike rasters of one input sample in phase (a) of the §1 network, with the initial and with the
 * trained weights side by side; undefined for the other model families.
 */
export async function snnRasters(config: RunConfig, weightsPath: string, sample: Float32Array, title: string): Promise<TopLevelSpec | undefined> {
  await useBackend(config.backend);
  const initial = createModel(config, RandomStream.fromSeed(config.seed), false);
  if (!(initial instanceof SnnModel)) return undefined;
  const layers = modelLayers(config);
  const trained = loadWeights(weightsPath, layers);
  const nets: [SnnNetwork, string][] = [
    [initial.network, 'before training'],
    [{ ...initial.network, weights: trained.weights, biases: trained.biases }, 'after training'],
  ];
  const panels = nets.map(([net, when]) =>
    spikeRaster({
      title: when,
      timeTitle: 'LIF step (0.1 ms)',
      neuronTitle: `neuron (hidden 1–${layers[1]}, then the next layers)`,
      spikes: recordSpikeRaster(net, sample).map((s) => ({ time: s.step, neuron: layers.slice(1, s.layer).reduce((a, n) => a + n, 0) + s.neuron })),
    }),
  );
  return multiPanel(panels, 2, title);
}
