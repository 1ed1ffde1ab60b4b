/**
 * selfprop as a library: configs (one schema, the paper's defaults), tasks and loaders, the three
 * model families, the training loop, checkpoints and weights, the §4 cost, sweeps and the paper's
 * experiments, and the figures. The `selfprop` command is a thin layer over these.
 *
 *   import { resolveRunConfig, getTask, train } from 'selfprop';
 *   const config = resolveRunConfig({ task: 'mnist', model: 'snn', snn: { rule: 'sbp' }, epochs: 3 });
 *   const data = await getTask(config.task).load(config.data, { trainLimit: config.trainLimit, testLimit: config.testLimit });
 *   const { history } = await train(config, data, { outDir: 'runs/example' });
 */
export { SelfpropError, DataFormatError, ConfigError, DivergenceError } from './errors.js';

// Configs and the training loop.
export { resolveRunConfig, runSchema, MODEL_NAMES, modelLayers, validationRowsFor, type RunConfig, type RunConfigInput, type ModelName } from './train/run-config.js';
export { train, readHistory, type EpochMetrics, type ProgressInfo, type TrainingHooks, type TrainingOptions, type TrainingResult } from './train/trainer.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './train/checkpoint.js';
export { loadWeights, saveWeightsJson, saveWeightsNpy } from './train/weights-file.js';
export { readNpy, writeNpy } from './train/npy.js';
export { paperOpsPerSample, pairedPaperCost, epochsToReach } from './train/cost.js';

// Models.
export { createModel } from './models/registry.js';
export type { Model, BatchContext, BatchOutcome, ModelParameters, Split, SplitRows } from './models/model.js';
export { SnnModel } from './models/snn/model.js';
export { recordSpikeRaster, type RasterSpike } from './models/snn/raster.js';
export { SmlpModel } from './models/smlp/model.js';
export { EnergyModel } from './models/energy/model.js';
export { PLASTICITY_RULES } from './plasticity/registry.js';

// Tasks and data.
export { getTask, TASK_NAMES, type TaskName } from './tasks/registry.js';
export type { Task, Scores, Limits } from './tasks/task.js';
export { holdOutValidation, datasetRows, type Dataset, type TaskData } from './data/dataset.js';
export { loadMnistDir, loadEmbeddedMnist } from './data/mnist.js';
export { loadNettalk } from './data/nettalk/load.js';

// Engine.
export { useBackend, currentBackend, BACKENDS, macCounter, RandomStream, type Matrix, type BackendName } from './tensor/index.js';

// Sweeps, the paper's experiments, figures.
export { runSweep, parseShard, shardCells, readManifest, finishedOutcomes, type SweepOptions, type Shard } from './experiments/sweep.js';
export { runCell, type Cell, type CellOutcome } from './experiments/cell.js';
export { gridCells, gridSummary, PAPER_GRID_ITERATIONS } from './experiments/grid.js';
export { curveCells, curveSummary, PAPER_CURVE_FRACTIONS } from './experiments/curve.js';
export { reproduceCells, EXPERIMENT_SETS, SCALES, type ExperimentSet, type Scale } from './experiments/reproduce.js';
export { CLAIMS, judge, type Claim, type Verdict } from './experiments/paper.js';
export { writeReproduceReport } from './experiments/reproduce-report.js';
export { writeGridReport, writeCurveReport } from './experiments/sweep-report.js';
export { redrawFigures } from './experiments/redraw.js';
export { renderFigure, writeFigure } from './plot/render.js';
export * as charts from './plot/charts.js';
