/** Dataset downloading (with resume and checksums) and data-directory inspection. */
export {
  DVS_GESTURE_SOURCE,
  MNIST_RAW_FILES,
  MNIST_SOURCE,
  NETTALK_EXTRA_FILES,
  NETTALK_SOURCE,
  dvsGestureSplit,
  fileUrls,
  getSource,
  normaliseBaseUrl,
  preferredChecksum,
  type DatasetName,
  type DatasetSource,
  type DownloadSource,
  type ManualSource,
  type SourceFile,
} from './sources.js';
export {
  downloadFile,
  type DownloadOptions,
  type DownloadRequest,
  type DownloadResult,
  type DownloadStatus,
} from './download.js';
export { hashFile, type HashAlgorithm, type ProgressCallback } from './hash.js';
export { fetchDataset, type FetchOptions, type FetchReport } from './fetch-dataset.js';
export {
  dvsGestureInstructions,
  locateDvsGestureDir,
  verifyDvsGesture,
  type DvsGestureReport,
  type RecordingCheck,
  type RecordingStatus,
  type VerifyDvsGestureOptions,
} from './dvsgesture.js';
export {
  inspectDataDir,
  type ChecksumState,
  type DataDirInfo,
  type DatasetInfo,
  type FileInfo,
  type FileKind,
  type InspectOptions,
} from './info.js';
export { ChecksumMismatchError, DatasetIncompleteError, DownloadError, IncompleteDownloadError } from './errors.js';
