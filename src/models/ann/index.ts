export { annSchema, resolveAnnConfig, defaultAnnLearningRates, ANN_BATCH_SIZES, ANN_BETAS, SBP_ENERGIES, type AnnConfig, type AnnConfigInput, type SbpEnergyName } from './config.js';
export {
  energyForm,
  energyPerRow,
  costPerRow,
  meanEnergy,
  meanCost,
  stateGradients,
  parameterGradientDifference,
  gradientEntry,
  layerGradientCoefficients,
  rho,
  rhoPrime,
  type EnergyForm,
  type EnergyKind,
  type Dense,
  type Product,
} from './energy.js';
export { initAnnNetwork, energyKindOf, type AnnNetwork } from './network.js';
export { prepareBatch, relax, measure, updateParameters, trainBatch, evaluateBatch, zeroStates, type BatchOperands, type BatchResult, type Teacher } from './phases.js';
export { initPersistentStates, gatherStates, scatterStates, type PersistentStates } from './state.js';
export { AnnModel, annPaperOps } from './model.js';
export { annLoops, JS_ANN_LOOPS, wasmAnnUnsupported, type AnnLoops } from './loops.js';
export { wasmAnnLoops, type WasmAnnOptions } from './loops-wasm.js';
export { annFamily } from './family.js';
