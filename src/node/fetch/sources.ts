/**
 * Where each dataset comes from and the published checksums of its files.
 *
 * The checksums are the canonical ones (MNIST: the SHA-256/MD5 that torchvision and TensorFlow
 * Datasets check; NETtalk: the original 1990 UCI/CMU benchmark files; DvsGesture: the per-recording
 * MD5 list published in norse). A download is accepted only when its checksum matches.
 */
import { ConfigError } from '../../errors.js';
import { DVS_GESTURE_RECORDINGS } from '../../data/dvsgesture/recordings.js';

export type DatasetName = 'mnist' | 'nettalk' | 'dvsgesture';

/** One file of a dataset with its published size and checksum(s). */
export interface SourceFile {
  /** File name, both on the server (relative to a base URL) and on disk. */
  readonly name: string;
  readonly size?: number;
  /** Lower-case hex. At least one of sha256 / md5 is given; sha256 is preferred when both are. */
  readonly sha256?: string;
  readonly md5?: string;
  /** What the file is, e.g. "training images". */
  readonly role?: string;
}

/** A dataset that can be downloaded file by file from one of several base URLs. */
export interface DownloadSource {
  readonly kind: 'download';
  readonly name: string;
  readonly title: string;
  readonly homepage: string;
  readonly licence: string;
  /** Candidate base URLs, each ending in '/', tried in order for every file. */
  readonly baseUrls: readonly string[];
  readonly files: readonly SourceFile[];
}

/** A dataset the user has to download by hand (licence page); we only verify what is there. */
export interface ManualSource {
  readonly kind: 'manual';
  readonly name: string;
  readonly title: string;
  readonly homepage: string;
  readonly licence: string;
  /** The archive to download. */
  readonly archive: string;
  /** The directory the archive unpacks to, inside the data directory. */
  readonly subdir: string;
  /** Recordings (base names without extension) and the MD5 of each `.aedat`. */
  readonly recordings: readonly (readonly [name: string, md5: string])[];
}

export type DatasetSource = DownloadSource | ManualSource;

export const MNIST_SOURCE: DownloadSource = {
  kind: 'download',
  name: 'mnist',
  title: 'MNIST handwritten digits (LeCun, Cortes & Burges), the four canonical IDX .gz files',
  homepage: 'http://yann.lecun.com/exdb/mnist/',
  licence: 'CC BY-SA 3.0 (as usually distributed)',
  // torchvision's mirror first: the original site often answers 403 to scripted downloads.
  baseUrls: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  files: [
    {
      name: 'train-images-idx3-ubyte.gz',
      role: 'training images',
      size: 9_912_422,
      sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    },
    {
      name: 'train-labels-idx1-ubyte.gz',
      role: 'training labels',
      size: 28_881,
      sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      md5: 'd53e105ee54ea40749a09fcbcd1e9432',
    },
    {
      name: 't10k-images-idx3-ubyte.gz',
      role: 'test images',
      size: 1_648_877,
      sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      md5: '9fb629c4189551a2d022fa330f9573f3',
    },
    {
      name: 't10k-labels-idx1-ubyte.gz',
      role: 'test labels',
      size: 4_542,
      sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      md5: 'ec29112dd5afa0611ce80d1b7f02629c',
    },
  ],
};

/** SHA-256 of the decompressed MNIST files (for directories holding raw IDX files). */
export const MNIST_RAW_FILES: readonly SourceFile[] = [
  {
    name: 'train-images-idx3-ubyte',
    role: 'training images',
    size: 47_040_016,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  {
    name: 'train-labels-idx1-ubyte',
    role: 'training labels',
    size: 60_008,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  {
    name: 't10k-images-idx3-ubyte',
    role: 'test images',
    size: 7_840_016,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  {
    name: 't10k-labels-idx1-ubyte',
    role: 'test labels',
    size: 10_008,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
];

export const NETTALK_SOURCE: DownloadSource = {
  kind: 'download',
  name: 'nettalk',
  title: 'NETtalk corpus (Sejnowski & Rosenberg), UCI/CMU connectionist benchmark files',
  homepage: 'https://archive.ics.uci.edu/ml/datasets/Connectionist+Bench+(Nettalk+Corpus)',
  licence: 'Copyright (C) 1988 Terrence J. Sejnowski; non-commercial research use',
  baseUrls: ['https://archive.ics.uci.edu/ml/machine-learning-databases/undocumented/connectionist-bench/nettalk/'],
  files: [
    {
      name: 'nettalk.data',
      role: 'dictionary of 20,008 words',
      size: 541_269,
      sha256: 'bf5628ee4368e5348e22189a9e2236bf86853363dd5832d07f6d7223b614f8ab',
    },
    {
      name: 'nettalk.list',
      role: 'the 1000-word list',
      size: 7_382,
      sha256: '07c47f92dba791e5525b757ee5797953bb42b50a7de5937dd3af5cb0e112b856',
    },
    {
      name: 'nettalk.names',
      role: 'description of the symbols',
      size: 13_704,
      sha256: 'e737f09d98819f60f0b8d6d0014a75a275ec69431257f6e7485a49b28754016b',
    },
  ],
};

/** Other NETtalk files `data info` recognises (not downloaded by `data fetch`). */
export const NETTALK_EXTRA_FILES: readonly SourceFile[] = [
  {
    name: 'nettalk_small.mat',
    role: 'NETtalk split used by Zhang et al. 2021 (thomasaimondy/MDN-SNN)',
    size: 129_127,
    sha256: '5819ff5f98de082440432414dcbd1ee4efe07959d258eb79a2b7e5b41acb828c',
  },
];

export const DVS_GESTURE_SOURCE: ManualSource = {
  kind: 'manual',
  name: 'dvsgesture',
  title: 'IBM DVS128 Gesture Dataset (Amir et al., CVPR 2017)',
  homepage: 'https://research.ibm.com/interactive/dvsgesture/',
  licence: 'CC BY 4.0',
  archive: 'DvsGesture.tar.gz',
  subdir: 'DvsGesture',
  recordings: DVS_GESTURE_RECORDINGS,
};

/** The source of a dataset by name among `sources` (node/datasets/registry.ts: each dataset's); unknown names are a ConfigError listing the known ones. */
export function getSource(name: string, sources: Readonly<Record<string, DatasetSource>>): DatasetSource {
  const source = Object.prototype.hasOwnProperty.call(sources, name) ? sources[name] : undefined;
  if (!source) {
    throw new ConfigError(`unknown dataset "${name}"; known datasets: ${Object.keys(sources).join(', ')}`);
  }
  return source;
}

/** Check a mirror base URL and make it end in '/' so that file names resolve below it. */
export function normaliseBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--mirror: not a URL: "${url}" (expected e.g. https://example.org/mnist/)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`--mirror: only http and https URLs are supported, got "${url}"`);
  }
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed.toString();
}

/** The candidate URLs of one file: below `mirror` if given, else below each of the source's bases. */
export function fileUrls(source: DownloadSource, file: SourceFile, mirror?: string): string[] {
  const bases = mirror !== undefined ? [normaliseBaseUrl(mirror)] : source.baseUrls.map(normaliseBaseUrl);
  return bases.map((base) => new URL(encodeURIComponent(file.name), base).toString());
}

/** The checksum a file is verified with: sha256 when published, else md5. */
export function preferredChecksum(file: {
  readonly sha256?: string;
  readonly md5?: string;
}): { algorithm: 'sha256' | 'md5'; expected: string } | undefined {
  if (file.sha256) return { algorithm: 'sha256', expected: file.sha256.toLowerCase() };
  if (file.md5) return { algorithm: 'md5', expected: file.md5.toLowerCase() };
  return undefined;
}

/** Official split of a DvsGesture recording: users 1-23 train, 24-29 test. */
export function dvsGestureSplit(recording: string): 'train' | 'test' | undefined {
  const m = /^user(\d+)_/.exec(recording);
  if (!m) return undefined;
  const user = Number(m[1]);
  return user <= 23 ? 'train' : 'test';
}
