/**
 * selfprop: the browser-safe core. Configs (one schema, the paper's defaults), the three model
 * families behind one descriptor each, their hot loops (JS reference and WebAssembly kernels, which
 * load from bytes embedded in the package), the training loop over data in memory, checkpoints and
 * weights as bytes, tasks and their loaders over any DataSource, the event-camera readers, and the
 * §4 cost. It imports nothing from Node: the same code trains in Node and in a browser's Web Worker.
 * Files, run directories, downloads and sweeps are `selfprop/node`; figures are `selfprop/plot`.
 *
 *   import { resolveRunConfig, getTask, memorySource, train } from 'selfprop';
 *   const config = resolveRunConfig({ task: 'mnist', model: 'snn', snn: { rule: 'sbp' }, epochs: 3 });
 *   const data = await getTask('mnist').load(memorySource('mnist', files), {});
 *   const { history } = await train(config, data, { hooks: { onEpoch: (m) => console.log(m.testAccuracy) } });
 */
export { SelfpropError, DataFormatError, ConfigError, DivergenceError } from './errors.js';

// Configs and the training loop.
export { resolveRunConfig, commonSchema, MODEL_NAMES, modelLayers, familyConfig, validationRowsFor, checkNetworkFitsTask, type RunConfig, type RunConfigInput, type ModelName } from './train/run-config.js';
export {
  train,
  runSplit,
  runData,
  createModel,
  identity,
  differingField,
  type EpochMetrics,
  type ProgressInfo,
  type StartInfo,
  type TrainingHooks,
  type TrainingOptions,
  type TrainingResult,
  type ResumePoint,
  type EpochEnd,
  type SplitTotals,
  type SplitOptions,
} from './train/loop.js';
export { encodeCheckpoint, decodeCheckpoint, readCheckpointSummary, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint, type CheckpointContents } from './train/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type Tensor as SafetensorsArray } from './train/safetensors.js';
export { encodeWeightsJson, decodeWeightsJson, encodeWeightsNpy, decodeWeightsNpy } from './train/weights.js';
export { encodeNpy, decodeNpy, type NpyArray } from './train/npy.js';
export { pairedPaperCost, epochsToReach } from './train/cost.js';

// Model families.
export { MODEL_FAMILIES, getFamily } from './models/registry.js';
export { KERNEL_SETTINGS, type KernelsSetting, type ModelFamily, type FamilyOption, type ModelBuild, type RasterSpike } from './models/family.js';
export type { Model, BatchContext, BatchOutcome, ModelParameters, NamedArray, Split, SplitRows } from './models/model.js';
export { SnnModel } from './models/snn/model.js';
export { recordSpikeRaster } from './models/snn/raster.js';
export { PhaseTimer, type PhaseObserver } from './models/snn/snn.js';
export { sbpBaseChange, sbpSumsOf, sbpSpread, isHiddenMatrix } from './plasticity/sbp.js';
export type { SbpFactors, SbpSums, SbpTrace, RuleInput } from './plasticity/rule.js';
export { SmlpModel } from './models/smlp/model.js';
export { AnnModel } from './models/ann/model.js';
export { PLASTICITY_RULES, RULE_NAMES, getRule, type RuleDescriptor, type RuleName } from './plasticity/registry.js';
export { compileKernels, kernelsUnavailable, KernelUnavailableError } from './kernels/index.js';
export { NeuronKernels } from './kernels/neurons.js';
export { lifOnThreads, runLifCall, rowSlices, type LifCall, type LifCallResult, type LifThreads } from './kernels/lif-threads.js';
export { sharedMemoryThreads, serveLifCalls, LifThreadError, type MessageEndpoint } from './kernels/lif-transport.js';

// Tasks and data.
export { getTask, TASK_NAMES, type TaskName } from './tasks/registry.js';
export type { Task, Scores, Limits, LoadOptions } from './tasks/task.js';
export { holdOutValidation, datasetRows, type Dataset, type TaskData } from './data/dataset.js';
export { memorySource, bytesSource, readAll, maybeGunzip, type DataSource, type ByteSource } from './data/source.js';
export { readMnist, mnistFromFiles, embeddedMnist, digitsFromJson, type MnistFiles } from './data/mnist.js';
export { readNettalk, nettalkFromTexts, type NettalkData } from './data/nettalk/load.js';
export { parseIdx, readIdxHeader, type IdxArray, type IdxHeader } from './data/idx.js';
// Event cameras: AEDAT 3.1 / 2.0 and N-MNIST readers, labels, the official split, framing (bytes in, typed arrays out).
export * from './data/dvsgesture/index.js';

// Engine.
export { useBackend, currentBackend, BACKENDS, macCounter, RandomStream, type Matrix, type BackendName, type BackendOptions } from './tensor/index.js';
