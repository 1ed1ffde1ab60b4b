/**
 * NETtalk window encoding, exactly as in the paper's `nettalk_small.mat`:
 *
 * - Each word is processed IN ISOLATION (no running text, no neighbouring words), padded with
 *   blanks. One row per letter: a 7-letter window with that letter in the centre (position 3).
 *   `the` → `___the_`, `__the__`, `_the___`.
 * - Input (189 = 7 × 27): `x[p*27 + s] = 1` for window position p = 0..6 and symbol s, where
 *   s = 0..25 is `a`..`z` and s = 26 the blank. Exactly one 1 per position. (The original
 *   NETtalk used 29 symbols per position; the paper's file uses 27.)
 * - Target (26): columns 0-20 the articulatory features of the centre letter's phoneme,
 *   columns 21-25 the one-hot stress symbol in the order `< > 0 1 2`.
 */
import type { NettalkEntry } from './corpus.js';
import { FEATURE_COUNT, phonemeFeatures, stressIndex } from './features.js';

/** Letters per window. */
export const WINDOW = 7;
/** Window position of the letter being pronounced. */
export const CENTRE = 3;
/** Symbols per window position: a-z and the blank. */
export const SYMBOLS_PER_POSITION = 27;
/** Index of the blank symbol within a position. */
export const BLANK_INDEX = 26;
/** How a blank is written in window strings. */
export const BLANK = '_';
/** 7 × 27 = 189. */
export const INPUT_SIZE = WINDOW * SYMBOLS_PER_POSITION;
/** 21 features + 5 stress units = 26. */
export const TARGET_SIZE = 26;

/** A numeric array a row can be written into. */
export type RowArray = Float32Array | Uint8Array;

/** Symbol index 0-26 of a window character: `a`..`z` → 0..25, `_` → 26. */
export function symbolIndex(ch: string): number {
  if (ch === BLANK) return BLANK_INDEX;
  const s = ch.charCodeAt(0) - 97;
  if (ch.length !== 1 || s < 0 || s > 25) throw new RangeError(`not a NETtalk window symbol: ${JSON.stringify(ch)}`);
  return s;
}

/** The 7-character window centred on letter `pos` of `word`, blanks as `_`. */
export function windowText(word: string, pos: number): string {
  let w = '';
  for (let p = 0; p < WINDOW; p++) {
    const k = pos - CENTRE + p;
    w += k >= 0 && k < word.length ? word[k] : BLANK;
  }
  return w;
}

/** Writes the 189-unit one-hot input of the window centred on letter `pos` of `word` at `out[offset..]`. */
export function encodeWindow(word: string, pos: number, out: RowArray, offset: number): void {
  for (let p = 0; p < WINDOW; p++) {
    const k = pos - CENTRE + p;
    const s = k >= 0 && k < word.length ? symbolIndex(word[k]) : BLANK_INDEX;
    out[offset + p * SYMBOLS_PER_POSITION + s] = 1;
  }
}

/** Writes the 26-unit target (21 features + stress one-hot) at `out[offset..]`. */
export function encodeTarget(phoneme: string, stress: string, out: RowArray, offset: number): void {
  const f = phonemeFeatures(phoneme);
  for (let j = 0; j < FEATURE_COUNT; j++) out[offset + j] = f[j];
  out[offset + FEATURE_COUNT + stressIndex(stress)] = 1;
}

/** Per-row metadata: where each row comes from and what it should be pronounced as. */
export interface NettalkRowInfo {
  /** Number of rows. */
  readonly count: number;
  /** The word of each row's entry. */
  readonly words: string[];
  /** 0-based position in the word of the centre letter. */
  readonly letterPos: Uint16Array;
  /** `nettalk.data` symbol of the phoneme aligned with the centre letter (e.g. `D`, `-`). */
  readonly phonemes: string[];
  /** `nettalk.data` stress symbol aligned with the centre letter (`< > 0 1 2`). */
  readonly stresses: string[];
  /** 1-based `nettalk.data` line of each row's entry. */
  readonly lines: Uint32Array;
}

/** Encoded rows plus their metadata. */
export interface EncodedRows {
  readonly info: NettalkRowInfo;
  /** count × 189, row-major, 0/1. */
  readonly inputs: Float32Array;
  /** count × 26, row-major, 0/1. */
  readonly targets: Float32Array;
}

/** Total letters (= rows) of some entries. */
export function countLetters(entries: readonly NettalkEntry[]): number {
  let n = 0;
  for (const e of entries) n += e.word.length;
  return n;
}

/** Encodes every letter of every entry, entries in the order given, letters left to right. */
export function encodeEntries(entries: readonly NettalkEntry[]): EncodedRows {
  const count = countLetters(entries);
  const inputs = new Float32Array(count * INPUT_SIZE);
  const targets = new Float32Array(count * TARGET_SIZE);
  const info: NettalkRowInfo = {
    count,
    words: new Array<string>(count),
    letterPos: new Uint16Array(count),
    phonemes: new Array<string>(count),
    stresses: new Array<string>(count),
    lines: new Uint32Array(count),
  };
  let r = 0;
  for (const e of entries) {
    for (let pos = 0; pos < e.word.length; pos++, r++) {
      encodeWindow(e.word, pos, inputs, r * INPUT_SIZE);
      encodeTarget(e.phonemes[pos], e.stress[pos], targets, r * TARGET_SIZE);
      info.words[r] = e.word;
      info.letterPos[r] = pos;
      info.phonemes[r] = e.phonemes[pos];
      info.stresses[r] = e.stress[pos];
      info.lines[r] = e.line;
    }
  }
  return { info, inputs, targets };
}

/** The rows at `indices` (in that order), sharing no memory with `rows`. */
export function selectRows(rows: EncodedRows, indices: ArrayLike<number>): EncodedRows {
  const n = indices.length;
  const inputs = new Float32Array(n * INPUT_SIZE);
  const targets = new Float32Array(n * TARGET_SIZE);
  const src = rows.info;
  const info: NettalkRowInfo = {
    count: n,
    words: new Array<string>(n),
    letterPos: new Uint16Array(n),
    phonemes: new Array<string>(n),
    stresses: new Array<string>(n),
    lines: new Uint32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= src.count) throw new RangeError(`row ${r} out of range 0..${src.count - 1}`);
    inputs.set(rows.inputs.subarray(r * INPUT_SIZE, (r + 1) * INPUT_SIZE), i * INPUT_SIZE);
    targets.set(rows.targets.subarray(r * TARGET_SIZE, (r + 1) * TARGET_SIZE), i * TARGET_SIZE);
    info.words[i] = src.words[r];
    info.letterPos[i] = src.letterPos[r];
    info.phonemes[i] = src.phonemes[r];
    info.stresses[i] = src.stresses[r];
    info.lines[i] = src.lines[r];
  }
  return { info, inputs, targets };
}
