/**
 * NETtalk measures. All functions take row-major `outputs` and `targets` of `rows × 26`
 * (a length mismatch is a RangeError: a programming error, not a data error).
 *
 * 1. `cosineScore`: the PAPER's score, 1 − mean cosine distance between output and target
 *    rows, i.e. the mean cosine similarity. An all-zero output row has no direction: it counts
 *    as distance 1 (similarity 0) and is counted in `zeroOutputRows` (docs/algorithms.md §1.6; the
 *    reference gives NaN). The same holds for an all-zero target row, which real data never
 *    has (every target has 3-6 ones). NaN outputs propagate (they signal divergence).
 * 2. `phonemeAccuracy`: each row is decoded to the NEAREST VALID CODE under squared Euclidean
 *    distance: the phoneme part (columns 0-20) to the nearest of the distinct feature codes of
 *    the 51 phoneme symbols used by nettalk.data (`Q` never occurs and is not a candidate), the
 *    stress part (columns 21-25) to the nearest of the 5 one-hot codes. Squared Euclidean
 *    distance is additive over the two column groups, so the two nearest parts together are
 *    the nearest (phoneme, stress) code. Ties go to the first code in table order. The target
 *    row is decoded the same way (exactly, distance 0) and CODES are compared, not symbols:
 *    `J` and `G` share one feature code, so no decoder can tell them apart and J/G confusion is
 *    not counted as an error. `accuracy` needs both parts right; the parts are also reported.
 * 3. `frameAccuracy`: the strictest, decoder-free measure: a row is right when all 26 outputs
 *    thresholded (`output >= threshold`, default 0.5) equal the target bits. `bitAccuracy` is
 *    the fraction of the rows × 26 units that are right after the same thresholding.
 */
import { FEATURE_COUNT, PHONEME_TABLE, STRESS_COUNT } from './features.js';
import { TARGET_SIZE } from './encode.js';

/** A distinct phoneme feature code and the symbols that share it. */
export interface PhonemeCode {
  /** Symbols with this code, e.g. `G/J`. */
  readonly symbols: string;
  /** The 21 feature bits. */
  readonly bits: Uint8Array;
}

/** The distinct feature codes of the 51 symbols nettalk.data uses (50 codes: `G` and `J` share one), table order. */
export const PHONEME_CODES: readonly PhonemeCode[] = (() => {
  const byBits = new Map<string, string[]>();
  for (const [symbol, bits] of PHONEME_TABLE) {
    if (symbol === 'Q') continue; // listed in nettalk.names, never used in nettalk.data
    const same = byBits.get(bits);
    if (same) same.push(symbol);
    else byBits.set(bits, [symbol]);
  }
  return [...byBits].map(([bits, symbols]) => ({
    symbols: symbols.join('/'),
    bits: Uint8Array.from(bits, (b) => (b === '1' ? 1 : 0)),
  }));
})();

/** Per code, the feature columns that are 1 (for a fast distance). */
const CODE_ONES: readonly Int32Array[] = PHONEME_CODES.map((c) => Int32Array.from(Array.from(c.bits).flatMap((b, j) => (b ? [j] : []))));

function checkShapes(outputs: Float32Array, targets: Float32Array, rows: number, width: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (outputs.length !== rows * width) throw new RangeError(`outputs has ${outputs.length} values, expected ${rows} rows × ${width}`);
  if (targets.length !== rows * width) throw new RangeError(`targets has ${targets.length} values, expected ${rows} rows × ${width}`);
}

export interface CosineScore {
  /** 1 − mean cosine distance = mean cosine similarity (the paper's NETtalk accuracy). */
  readonly score: number;
  /** Mean cosine distance (the paper's NETtalk "error"). */
  readonly meanDistance: number;
  /** Output rows that were all zero (each scored as similarity 0). */
  readonly zeroOutputRows: number;
  readonly rows: number;
}

/** The paper's score (see the module comment). `width` defaults to 26. */
export function cosineScore(outputs: Float32Array, targets: Float32Array, rows: number, width = TARGET_SIZE): CosineScore {
  checkShapes(outputs, targets, rows, width);
  let sum = 0;
  let zeroOutputRows = 0;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let oo = 0;
    let tt = 0;
    for (let j = r * width, end = j + width; j < end; j++) {
      const o = outputs[j];
      const t = targets[j];
      dot += o * t;
      oo += o * o;
      tt += t * t;
    }
    if (oo === 0) zeroOutputRows++;
    if (oo !== 0 && tt !== 0) sum += dot / Math.sqrt(oo * tt);
  }
  const score = rows === 0 ? NaN : sum / rows;
  return { score, meanDistance: 1 - score, zeroOutputRows, rows };
}

/** The nearest valid code of one 26-unit row. */
export interface DecodedRow {
  /** Index into `PHONEME_CODES`. */
  readonly code: number;
  /** Stress index 0-4 (`< > 0 1 2`). */
  readonly stress: number;
}

/** Decodes the row at `values[offset .. offset + 26)` to its nearest valid code (squared Euclidean). */
export function decodeRow(values: Float32Array, offset: number): DecodedRow {
  // |o − b|² = |o|² − 2 Σ_{j: b_j = 1} o_j + #ones(b); |o|² is the same for every candidate.
  let code = 0;
  let best = Infinity;
  for (let c = 0; c < CODE_ONES.length; c++) {
    const ones = CODE_ONES[c];
    let d = ones.length;
    for (let k = 0; k < ones.length; k++) d -= 2 * values[offset + ones[k]];
    if (d < best) {
      best = d;
      code = c;
    }
  }
  // One-hot stress: the nearest one-hot code is the largest unit.
  let stress = 0;
  for (let s = 1; s < STRESS_COUNT; s++) {
    if (values[offset + FEATURE_COUNT + s] > values[offset + FEATURE_COUNT + stress]) stress = s;
  }
  return { code, stress };
}

export interface PhonemeAccuracy {
  /** Fraction of rows whose decoded (phoneme code, stress) both equal the target's. */
  readonly accuracy: number;
  /** Fraction of rows with the right phoneme code (J/G count as the same). */
  readonly phonemeAccuracy: number;
  /** Fraction of rows with the right stress. */
  readonly stressAccuracy: number;
  readonly rows: number;
}

/** Nearest-code accuracy (see the module comment). */
export function phonemeAccuracy(outputs: Float32Array, targets: Float32Array, rows: number): PhonemeAccuracy {
  checkShapes(outputs, targets, rows, TARGET_SIZE);
  let both = 0;
  let phon = 0;
  let stress = 0;
  for (let r = 0; r < rows; r++) {
    const o = decodeRow(outputs, r * TARGET_SIZE);
    const t = decodeRow(targets, r * TARGET_SIZE);
    const p = o.code === t.code;
    const s = o.stress === t.stress;
    if (p) phon++;
    if (s) stress++;
    if (p && s) both++;
  }
  const n = rows === 0 ? NaN : rows;
  return { accuracy: both / n, phonemeAccuracy: phon / n, stressAccuracy: stress / n, rows };
}

export interface FrameAccuracy {
  /** Fraction of rows with all 26 thresholded outputs equal to the target bits. */
  readonly frameAccuracy: number;
  /** Fraction of the rows × 26 units right after thresholding. */
  readonly bitAccuracy: number;
  readonly threshold: number;
  readonly rows: number;
}

/** Thresholded exact-match measures (see the module comment). Targets are read as `target >= 0.5`. */
export function frameAccuracy(outputs: Float32Array, targets: Float32Array, rows: number, threshold = 0.5): FrameAccuracy {
  checkShapes(outputs, targets, rows, TARGET_SIZE);
  let frames = 0;
  let bits = 0;
  for (let r = 0; r < rows; r++) {
    let right = 0;
    for (let j = r * TARGET_SIZE, end = j + TARGET_SIZE; j < end; j++) {
      if ((outputs[j] >= threshold) === (targets[j] >= 0.5)) right++;
    }
    bits += right;
    if (right === TARGET_SIZE) frames++;
  }
  const n = rows === 0 ? NaN : rows;
  return { frameAccuracy: frames / n, bitAccuracy: bits / (n * TARGET_SIZE), threshold, rows };
}

/** All NETtalk measures at once. */
export interface NettalkMetrics extends CosineScore, PhonemeAccuracy, Omit<FrameAccuracy, 'threshold'> {}

export function nettalkMetrics(outputs: Float32Array, targets: Float32Array, rows: number, threshold = 0.5): NettalkMetrics {
  const { frameAccuracy: frame, bitAccuracy } = frameAccuracy(outputs, targets, rows, threshold);
  return { ...cosineScore(outputs, targets, rows), ...phonemeAccuracy(outputs, targets, rows), frameAccuracy: frame, bitAccuracy };
}
