/**
 * Against the real corpus and the paper's own split, when the shared data folder is present
 * (skipped otherwise): the paper split rebuilt from nettalk.data + nettalk.list must equal the
 * plain-file conversion of nettalk_small.mat (nettalk_small/*.u8) byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNettalkData, parseNettalkList } from '../../../src/data/nettalk/corpus.js';
import { windowText } from '../../../src/data/nettalk/encode.js';
import type { NettalkData } from '../../../src/data/nettalk/load.js';
import { loadNettalk } from '../../../src/node/datasets/index.js';
import { PAPER_SINGLE_ENTRY, PAPER_TEST_ROWS, complementRows, entriesByWord, selectPaperEntries } from '../../../src/data/nettalk/split.js';
import { cosineScore, phonemeAccuracy } from '../../../src/data/nettalk/metrics.js';
import { SHARED_NETTALK_DIR } from './shared-dir.js';

const dir = SHARED_NETTALK_DIR ?? '';
const small = join(dir, 'nettalk_small');

interface SmallJson {
  split: { test_indices: number[]; train_indices: number[] };
  randnum_1based: number[];
  words_in_order: string[];
  nettalk_data_lines_used_in_order: number[];
}

/** Float32 0/1 matrix → bytes, to compare with the .u8 files. */
const toBytes = (a: Float32Array): Buffer => Buffer.from(Uint8Array.from(a));

describe.skipIf(!SHARED_NETTALK_DIR)('real NETtalk files (shared/data/nettalk)', () => {
  const json = (): SmallJson => JSON.parse(readFileSync(join(small, 'nettalk_small.json'), 'utf8')) as SmallJson;

  it('reader: 20,008 entries minus the gunpowder line, 3 trimmed lines, 1000 list words', () => {
    const corpus = parseNettalkData(readFileSync(join(dir, 'nettalk.data'), 'latin1'), 'nettalk.data');
    expect(corpus.entries).toHaveLength(20007);
    expect(corpus.entries[0]).toMatchObject({ word: 'aardvark', line: 11 });
    expect(corpus.entries.at(-1)).toMatchObject({ word: 'zwinglian', line: 20018 });
    expect(corpus.skipped).toEqual([{ line: 7766, reason: 'stress field missing', text: 'gunpowder\tg^npW-d-R\t0\t' }]);
    expect(corpus.trimmedLines).toEqual([1415, 1609, 1611]);
    expect(new Set(corpus.entries.map((e) => e.word)).size).toBe(19801);
    const flags = [0, 0, 0];
    for (const e of corpus.entries) flags[e.flag]++;
    // 19,779 / 71 / 158 with gunpowder (flag 0), which is skipped. (The data README's 19,775 is off by 4.)
    expect(flags).toEqual([19778, 71, 158]);

    const list = parseNettalkList(readFileSync(join(dir, 'nettalk.list'), 'latin1'), 'nettalk.list');
    expect(list).toHaveLength(1000);
    expect(list.slice(0, 4).map((w) => w.word)).toEqual(['the', 'of', 'and', 'to']);
    expect(list[0].line).toBe(18);
    expect(list.at(-1)).toEqual({ word: 'anode', line: 115 });

    // The exception list covers exactly the 17 list words with two entries that keep one.
    const byWord = entriesByWord(corpus.entries);
    const multi = list.filter((w) => byWord.get(w.word)!.length > 1).map((w) => w.word);
    expect(multi).toHaveLength(34);
    for (const w of Object.keys(PAPER_SINGLE_ENTRY)) expect(multi).toContain(w);
    expect(Object.keys(PAPER_SINGLE_ENTRY)).toHaveLength(17);

    // The entries used, in order, are those recorded in nettalk_small.json.
    const entries = selectPaperEntries(list, corpus);
    const j = json();
    expect(entries.map((e) => e.word)).toEqual(j.words_in_order);
    expect(entries.map((e) => e.line)).toEqual(j.nettalk_data_lines_used_in_order);
  });

  it('embedded test rows = sort(randnum[0:500]) − 1 = split.test_indices of nettalk_small.json', () => {
    const j = json();
    expect([...PAPER_TEST_ROWS]).toEqual(j.split.test_indices);
    expect([...PAPER_TEST_ROWS]).toEqual(j.randnum_1based.slice(0, 500).map((r) => r - 1).sort((a, b) => a - b));
    expect(complementRows(5533, PAPER_TEST_ROWS)).toEqual(j.split.train_indices);
  });

  let paper: NettalkData | undefined;
  const loadPaper = (): NettalkData => (paper ??= loadNettalk(dir, { mode: 'paper' }));

  it('paper mode equals nettalk_small/{train,test}_{x,y}.u8 byte for byte', () => {
    const d = loadPaper();
    expect(d.data.train.count).toBe(5033);
    expect(d.data.test.count).toBe(500);
    expect(d.entries).toBe(1017);
    expect(d.data.evalKind).toBe('test');
    expect(d.data.train.inputSize).toBe(189);
    expect(d.data.train.targetSize).toBe(26);
    expect(toBytes(d.data.train.inputs).equals(readFileSync(join(small, 'train_x.u8')))).toBe(true);
    expect(toBytes(d.data.train.targets).equals(readFileSync(join(small, 'train_y.u8')))).toBe(true);
    expect(toBytes(d.data.test.inputs).equals(readFileSync(join(small, 'test_x.u8')))).toBe(true);
    expect(toBytes(d.data.test.targets).equals(readFileSync(join(small, 'test_y.u8')))).toBe(true);
  });

  it('all rows (train and test merged back in row order) equal all_x.u8 / all_y.u8; metadata matches windows.csv', () => {
    const d = loadPaper();
    const allX = new Float32Array(5533 * 189);
    const allY = new Float32Array(5533 * 26);
    const rows = new Array<string>(5533);
    const place = (part: typeof d.data.train, info: typeof d.train, indices: readonly number[]): void => {
      indices.forEach((r, i) => {
        allX.set(part.inputs.subarray(i * 189, (i + 1) * 189), r * 189);
        allY.set(part.targets.subarray(i * 26, (i + 1) * 26), r * 26);
        const w = info.words[i];
        rows[r] = [w, info.lines[i], info.letterPos[i], windowText(w, info.letterPos[i]), w[info.letterPos[i]], info.phonemes[i], info.stresses[i]].join(',');
      });
    };
    place(d.data.train, d.train, complementRows(5533, PAPER_TEST_ROWS));
    place(d.data.test, d.test, PAPER_TEST_ROWS);
    expect(toBytes(allX).equals(readFileSync(join(small, 'all_x.u8')))).toBe(true);
    expect(toBytes(allY).equals(readFileSync(join(small, 'all_y.u8')))).toBe(true);

    // windows.csv: index,split,word,nettalk_data_line,letter_pos,window,letter,phoneme,stress
    const csv = readFileSync(join(small, 'windows.csv'), 'utf8').trim().split('\n').slice(1);
    expect(csv).toHaveLength(5533);
    expect(csv.map((l) => l.split(',').filter((_, k) => k !== 0 && k !== 1).join(','))).toEqual(rows);
    expect(rows[0]).toBe('the,17776,0,___the_,t,D,>');
    expect(rows[5532]).toBe('anode,789,4,node___,e,-,<');
  });

  it('metrics: targets score perfectly against themselves; the paper split has no zero rows', () => {
    const { test } = loadPaper().data;
    expect(cosineScore(test.targets, test.targets, test.count).score).toBeCloseTo(1, 6);
    expect(phonemeAccuracy(test.targets, test.targets, test.count).accuracy).toBe(1);
  });

  it('full mode: 20,007 entries, 146,934 windows, split by word (10 %), deterministic, under 1 s', () => {
    const t0 = performance.now();
    const d = loadNettalk(dir, { mode: 'full' });
    const ms = performance.now() - t0;
    expect(d.entries).toBe(20007);
    expect(d.skipped.map((s) => s.line)).toEqual([7766]);
    expect(d.trimmedLines).toEqual([1415, 1609, 1611]);
    expect(d.data.train.count + d.data.test.count).toBe(146934);
    expect(d.data.train.inputs.length).toBe(d.data.train.count * 189);
    expect(d.data.test.targets.length).toBe(d.data.test.count * 26);
    const testWords = new Set(d.test.words);
    const trainWords = new Set(d.train.words);
    expect(testWords.size).toBe(1980); // round(0.1 × 19,801)
    expect(trainWords.size).toBe(19801 - 1980);
    expect([...testWords].filter((w) => trainWords.has(w))).toEqual([]);
    // Rows keep corpus order on each side.
    expect(d.test.lines.every((l, i) => i === 0 || l >= d.test.lines[i - 1])).toBe(true);
    expect(d.train.lines.every((l, i) => i === 0 || l >= d.train.lines[i - 1])).toBe(true);
    const again = loadNettalk(dir, { mode: 'full' });
    expect(again.test.lines).toEqual(d.test.lines);
    const other = loadNettalk(dir, { mode: 'full', seed: 2, testFraction: 0.2 });
    expect(new Set(other.test.words).size).toBe(Math.round(0.2 * 19801));
    // Generous bound for a shared 2-core machine; typically a few hundred ms.
    expect(ms).toBeLessThan(2000);
    console.log(`full NETtalk load: ${ms.toFixed(0)} ms`);
  });
});
