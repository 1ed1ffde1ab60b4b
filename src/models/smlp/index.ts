export { smlpSchema, resolveSmlpConfig, SMLP_BATCH_SIZES, type SmlpConfig, type SmlpConfigInput } from './config.js';
export { initSmlpNetwork, adamStep, learningRateAt, parameterArrays, type SmlpNetwork, type AdamState } from './network.js';
export { makeSpikeFunction, layerStep, type LayerState } from './neurons.js';
export { spikeSteps, batchGradients, batchGradientsWithSpikes, chooseHiddenRule, evaluateBatch, evaluateBatchWithSpikes, sbpHiddenGradients, trainBatch, type BatchGradients, type HiddenRule } from './smlp.js';
export { inputSpikes, seedWords } from './spikes.js';
export { SmlpModel } from './model.js';
