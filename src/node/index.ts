/**
 * selfprop/node: what needs a file system, worker threads or a network, over the browser-safe core
 * (`selfprop`): datasets from directories (and the embedded MNIST default), run directories with
 * locks, crash-safe checkpoints and logs, weights files, dataset downloads with checksums and
 * `data info`, and sweeps in worker threads with the paper's experiments and their reports. Figures
 * are `selfprop/plot` (loaded only when a report draws one).
 *
 *   import { loadTaskData, trainRun } from 'selfprop/node';
 *   import { resolveRunConfig } from 'selfprop';
 *   const config = resolveRunConfig({ task: 'mnist', model: 'snn', snn: { rule: 'sbp' }, epochs: 3 });
 *   const { history } = await trainRun(config, await loadTaskData(config), { out: 'runs/example' });
 */
// Datasets from disk.
export {
  loadTaskData,
  readIdx,
  idxCandidates,
  loadMnistDir,
  loadEmbeddedMnist,
  readEmbeddedDigits,
  loadNettalk,
  loadDvsGestureDir,
  listGestureRecordingsIn,
  readGestureLabelsFile,
  md5OfFile,
  verifyRecording,
  openAedat3File,
  readAedat3File,
  openAedat2File,
  readAedat2File,
  readNmnistFile,
} from './datasets/index.js';
export { directorySource, fileByteSource, writeFileAtomic, readBytes } from './files.js';

// Runs on disk.
export { trainRun, prepareRun, trainPrepared, type RunOptions, type PreparedRun } from './train-run.js';
export { lifThreads, type WorkerLifThreads } from './threads/worker-threads.js';
export { RunDirectory, RunLockedError, readRunHistory, readMetricsFile, CHECKPOINT_FILE } from './run-directory.js';
export { loadWeights, saveWeightsJson, saveWeightsNpy, readNpy, writeNpy } from './weights-files.js';

// Downloads and data info.
export * from './fetch/index.js';
export { DATASETS, DATASET_NAMES, SOURCES, type DiskDataset } from './datasets/registry.js';

// Sweeps, the paper's experiments, reports.
export { runSweep, parseShard, shardCells, readManifest, finishedOutcomes, type SweepOptions, type Shard } from '../experiments/sweep.js';
export { runCell, type Cell, type CellOutcome } from '../experiments/cell.js';
export { gridCells, gridSummary, PAPER_GRID_ITERATIONS } from '../experiments/grid.js';
export { curveCells, curveSummary, PAPER_CURVE_FRACTIONS } from '../experiments/curve.js';
export { reproduceCells, EXPERIMENT_SETS, SCALES, type ExperimentSet, type Scale } from '../experiments/reproduce.js';
export { CLAIMS, judge, type Claim, type Verdict } from '../experiments/paper.js';
export { writeReproduceReport } from '../experiments/reproduce-report.js';
export { writeGridReport, writeCurveReport } from '../experiments/sweep-report.js';
export { redrawFigures } from '../experiments/redraw.js';
