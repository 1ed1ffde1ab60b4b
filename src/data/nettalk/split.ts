/**
 * Which entries and rows go where: the paper's split, rebuilt exactly, and a by-word split of
 * the full corpus.
 *
 * ## Paper split (Zhang et al. 2021, `nettalk_small.mat`)
 * The 1000 words of `nettalk.list`, in list order, each looked up in `nettalk.data`; a word
 * with several entries contributes them in corpus order. 34 list words have two entries. The
 * paper's file keeps BOTH for 17 of them (close complex corps increase lead live lower mouth
 * present pretty progress read record subject though while why) and ONE for the other 17.
 * No simple rule separates the two groups: not list position (`while`, rank 131, keeps both;
 * `permit`, rank 993, keeps one), not whether the entries differ in phonemes or in stress, not
 * the flag. So the 17 one-entry words are embedded below as a documented exception list,
 * with the entry kept: the first for 16 of them and the SECOND (`xt`, unstressed) for `at`.
 * Result: 1017 entries, 5,533 letters = rows. Test rows: `PAPER_TEST_ROWS` (500, ascending);
 * train rows: all others, ascending. The split is by window: train and test share words.
 *
 * ## Full-corpus split
 * All entries (minus the reader's documented skips), split BY WORD so that no word (spelling)
 * has rows on both sides; every entry of a word goes with the word. The distinct words, in
 * order of first appearance, are shuffled by a seeded Fisher-Yates shuffle (mulberry32 PRNG);
 * the first `round(testFraction × words)` shuffled words are the test words. Rows keep corpus
 * order on each side. Same corpus + seed + fraction → same split, on every platform.
 */
import { ConfigError, DataFormatError } from '../../errors.js';
import type { NettalkCorpus, NettalkEntry, NettalkListWord } from './corpus.js';
import { PAPER_TEST_ROWS } from './paper-test-rows.js';

export { PAPER_TEST_ROWS };

/** Rows of the paper's window table (all rows, before the split). */
export const PAPER_ROWS = 5533;
/** Entries of the paper's table (1000 words, 17 of them with two pronunciations). */
export const PAPER_ENTRIES = 1017;

/**
 * List words with several dictionary entries of which the paper's file uses only one:
 * word → 0-based index, among that word's entries in corpus order, of the entry kept.
 * Every other list word keeps all of its entries.
 */
export const PAPER_SINGLE_ENTRY: Readonly<Record<string, number>> = {
  to: 0, that: 0, was: 0, as: 0, his: 0,
  at: 1, // the second entry, `xt` (0<), not `@t` (1<)
  there: 0, when: 0, will: 0, can: 0, where: 0, just: 0, house: 0,
  project: 0, rose: 0, produce: 0, permit: 0,
};

/** All entries of each word, in corpus order. */
export function entriesByWord(entries: readonly NettalkEntry[]): Map<string, NettalkEntry[]> {
  const byWord = new Map<string, NettalkEntry[]>();
  for (const e of entries) {
    const list = byWord.get(e.word);
    if (list) list.push(e);
    else byWord.set(e.word, [e]);
  }
  return byWord;
}

/**
 * The paper's entries: list words in list order, each with its entries chosen by
 * `PAPER_SINGLE_ENTRY` (all entries, in corpus order, for words not in it).
 * @param listFile name of the list file, for errors (a list word missing from the corpus)
 */
export function selectPaperEntries(list: readonly NettalkListWord[], corpus: NettalkCorpus, listFile = 'nettalk.list'): NettalkEntry[] {
  const byWord = entriesByWord(corpus.entries);
  const out: NettalkEntry[] = [];
  for (const { word, line } of list) {
    const found = byWord.get(word);
    if (!found) throw new DataFormatError(listFile, `list word ${JSON.stringify(word)} is not in ${corpus.file}`, `line ${line}`);
    const keep = Object.hasOwn(PAPER_SINGLE_ENTRY, word) ? PAPER_SINGLE_ENTRY[word] : undefined;
    if (keep === undefined) {
      out.push(...found);
    } else if (keep < found.length) {
      out.push(found[keep]);
    } else {
      throw new DataFormatError(corpus.file, `the paper's split uses entry ${keep + 1} of ${JSON.stringify(word)}, but the file has only ${found.length}`);
    }
  }
  return out;
}

/** Train rows of the paper split: 0..rows-1 without the test rows, ascending. */
export function complementRows(rows: number, testRows: readonly number[]): number[] {
  const isTest = new Uint8Array(rows);
  for (const r of testRows) isTest[r] = 1;
  const train: number[] = [];
  for (let r = 0; r < rows; r++) if (!isTest[r]) train.push(r);
  return train;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The result of a by-word split. */
export interface WordSplit {
  readonly train: NettalkEntry[];
  readonly test: NettalkEntry[];
  /** Distinct words on each side. */
  readonly trainWords: number;
  readonly testWords: number;
}

/**
 * Splits entries by word (see the module comment): no word has entries on both sides.
 * @param testFraction fraction of distinct words held out, in (0, 1)
 * @param seed any integer; the split is a pure function of (entries, testFraction, seed)
 */
export function splitByWord(entries: readonly NettalkEntry[], testFraction: number, seed: number): WordSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new ConfigError(`NETtalk testFraction must be in (0, 1), got ${testFraction}`);
  if (!Number.isInteger(seed)) throw new ConfigError(`NETtalk split seed must be an integer, got ${seed}`);
  const words = [...entriesByWord(entries).keys()];
  const rand = mulberry32(seed);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [words[i], words[j]] = [words[j], words[i]];
  }
  const nTest = Math.round(testFraction * words.length);
  const testWords = new Set(words.slice(0, nTest));
  const train: NettalkEntry[] = [];
  const test: NettalkEntry[] = [];
  for (const e of entries) (testWords.has(e.word) ? test : train).push(e);
  return { train, test, trainWords: words.length - nTest, testWords: nTest };
}
