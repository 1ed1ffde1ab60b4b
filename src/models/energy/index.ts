export { energySchema, resolveEnergyConfig, defaultEnergyLearningRates, ENERGY_BATCH_SIZES, ENERGY_BETAS, SBP_ENERGIES, type EnergyConfig, type EnergyConfigInput, type SbpEnergyName } from './config.js';
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
export { initEnergyNetwork, energyKindOf, type EnergyNetwork } from './network.js';
export { prepareBatch, relax, measure, updateParameters, trainBatch, evaluateBatch, zeroStates, type BatchOperands, type BatchResult, type Teacher } from './phases.js';
export { initPersistentStates, gatherStates, scatterStates, persistentArrays, type PersistentStates } from './state.js';
export { EnergyModel } from './model.js';
