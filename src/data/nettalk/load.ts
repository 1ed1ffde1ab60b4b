/**
 * NETtalk as a `TaskData` plus per-row metadata, from the texts of `nettalk.data` (and, for the
 * paper split, `nettalk.list`): `nettalkFromTexts`, or `readNettalk` from a DataSource (a
 * directory: selfprop/node's `loadNettalk`; files chosen in a browser).
 *
 * - `mode: 'paper'` rebuilds the split Zhang et al. (2021) used (`nettalk_small.mat`), byte for
 *   byte: 1000 list words → 1017 entries → 5,533 windows; test = the 500 embedded rows
 *   `PAPER_TEST_ROWS`, train = the other 5,033, both ascending. Train and test share words
 *   (the paper split by window). See `split.ts`.
 * - `mode: 'full'`: every usable entry of the corpus (20,007: the 20,008 minus the skipped
 *   `gunpowder` line), split by word so that no word is on both sides; `testFraction`
 *   (default 0.1) of the distinct words, chosen by `seed` (default 1), form the test set. A corpus
 *   with too few words to leave a word on each side is a DataFormatError.
 *
 * `evalKind` is 'test' in both modes: in paper mode the rows are the paper's own test set; in
 * full mode they are held-out words, never seen in training (tune on a part of `train`).
 */
import type { TaskData, Dataset } from '../dataset.js';
import { DataFormatError } from '../../errors.js';
import { latin1, readFirst, type DataSource } from '../source.js';
import { parseNettalkData, parseNettalkList, type NettalkCorpus, type SkippedLine } from './corpus.js';
import { encodeEntries, selectRows, INPUT_SIZE, TARGET_SIZE, type EncodedRows, type NettalkRowInfo } from './encode.js';
import { PAPER_ROWS, PAPER_TEST_ROWS, complementRows, selectPaperEntries, splitByWord } from './split.js';

export const NETTALK_DATA_FILE = 'nettalk.data';
export const NETTALK_LIST_FILE = 'nettalk.list';

export interface LoadNettalkOptions {
  /** 'paper': the paper's 5,033 / 500 window split; 'full': the whole corpus, split by word. */
  readonly mode: 'paper' | 'full';
  /** Full mode: fraction of distinct words held out for test, in (0, 1). Default 0.1. */
  readonly testFraction?: number;
  /** Full mode: seed of the word shuffle. Default 1. */
  readonly seed?: number;
  /** Refuse the reader's documented tolerances (see `corpus.ts`). Default false. */
  readonly strict?: boolean;
}

/** NETtalk rows and what each row is. */
export interface NettalkData {
  /** What a model trains and evaluates on. `data.train.count === train.count`, same for test. */
  readonly data: TaskData;
  /** Per-row metadata of `data.train`, row for row (phoneme and stress symbols, word, line). */
  readonly train: NettalkRowInfo;
  /** Per-row metadata of `data.test`, row for row. */
  readonly test: NettalkRowInfo;
  readonly mode: 'paper' | 'full';
  /** Dictionary entries used (paper: 1017; full: 20,007). */
  readonly entries: number;
  /** Corpus lines skipped under a documented tolerance (the real file: line 7766, `gunpowder`). */
  readonly skipped: SkippedLine[];
  /** Corpus lines whose trailing blanks were removed (the real file: 1415, 1609, 1611). */
  readonly trimmedLines: number[];
}

function dataset(rows: EncodedRows, description: string): Dataset {
  return {
    description,
    count: rows.info.count,
    inputSize: INPUT_SIZE,
    targetSize: TARGET_SIZE,
    inputs: rows.inputs,
    targets: rows.targets,
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** A text file's name (for messages) and contents. */
export interface NamedText {
  readonly file: string;
  readonly text: string;
}

/** NETtalk from the corpus text and, for the paper split, the list text (see the module comment). */
export function nettalkFromTexts(corpusText: NamedText, listText: NamedText | undefined, options: LoadNettalkOptions): NettalkData {
  const corpus = parseNettalkData(corpusText.text, corpusText.file, { strict: options.strict });
  if (options.mode === 'full') return fullSplit(corpus, options.testFraction ?? 0.1, options.seed ?? 1);
  if (!listText) throw new DataFormatError(NETTALK_LIST_FILE, "the paper's split needs nettalk.list beside nettalk.data");
  return paperSplit(corpus, listText);
}

/** NETtalk from a DataSource holding nettalk.data (and nettalk.list). */
export async function readNettalk(source: DataSource, options: LoadNettalkOptions): Promise<NettalkData> {
  const text = async (name: string): Promise<NamedText> => {
    const { file, bytes } = await readFirst(source, [name]);
    return { file, text: latin1(bytes) };
  };
  return nettalkFromTexts(await text(NETTALK_DATA_FILE), options.mode === 'paper' ? await text(NETTALK_LIST_FILE) : undefined, options);
}

function paperSplit(corpus: NettalkCorpus, listText: NamedText): NettalkData {
  const listFile = listText.file;
  const list = parseNettalkList(listText.text, listFile);
  const entries = selectPaperEntries(list, corpus, listFile);
  const all = encodeEntries(entries);
  if (all.info.count !== PAPER_ROWS) {
    throw new DataFormatError(
      listFile,
      `the paper's split needs ${fmt(PAPER_ROWS)} windows, these files give ${fmt(all.info.count)} (${list.length} words, ${entries.length} entries): not the original nettalk.data / nettalk.list`,
    );
  }
  const train = selectRows(all, complementRows(PAPER_ROWS, PAPER_TEST_ROWS));
  const test = selectRows(all, PAPER_TEST_ROWS);
  const what = `NETtalk, Zhang et al. 2021 split (nettalk_small.mat rebuilt from nettalk.data + nettalk.list: ${list.length} words, ${entries.length} entries, ${fmt(PAPER_ROWS)} windows)`;
  return {
    data: {
      train: dataset(train, `${what}: ${fmt(train.info.count)} training windows`),
      test: dataset(test, `${what}: the paper's ${test.info.count} test windows (split by window: they share words with training)`),
      evalKind: 'test',
    },
    train: train.info,
    test: test.info,
    mode: 'paper',
    entries: entries.length,
    skipped: corpus.skipped,
    trimmedLines: corpus.trimmedLines,
  };
}

function fullSplit(corpus: NettalkCorpus, testFraction: number, seed: number): NettalkData {
  const split = splitByWord(corpus.entries, testFraction, seed);
  if (split.trainWords === 0 || split.testWords === 0) {
    throw new DataFormatError(
      corpus.file,
      `${fmt(split.trainWords + split.testWords)} distinct word(s) are too few to split by word with test fraction ${testFraction}: ${fmt(split.trainWords)} would train and ${fmt(split.testWords)} test`,
    );
  }
  const train = encodeEntries(split.train);
  const test = encodeEntries(split.test);
  const skips = corpus.skipped.length ? `, ${corpus.skipped.length} malformed line(s) skipped` : '';
  const what = `NETtalk full corpus (${fmt(corpus.entries.length)} entries${skips}), split by word (test fraction ${testFraction}, seed ${seed})`;
  return {
    data: {
      train: dataset(train, `${what}: ${fmt(split.trainWords)} words, ${fmt(train.info.count)} training windows`),
      test: dataset(test, `${what}: ${fmt(split.testWords)} held-out words, ${fmt(test.info.count)} test windows`),
      evalKind: 'test',
    },
    train: train.info,
    test: test.info,
    mode: 'full',
    entries: corpus.entries.length,
    skipped: corpus.skipped,
    trimmedLines: corpus.trimmedLines,
  };
}
