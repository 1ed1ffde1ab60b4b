import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/errors.js';
import { parseNettalkData, parseNettalkList } from '../../../src/data/nettalk/corpus.js';
import { loadNettalk } from '../../../src/node/datasets/index.js';

/** The real file's 10-line header: title, copyright, blank lines, 75 dashes at line 9, blank. */
const HEADER = [
  '     The NetTalk Corpus: Phonetic Transcription of 20,008 English Words',
  '',
  '\t\tCopyright (C) 1988 by Terrence J. Sejnowski',
  '',
  'Permission is hereby given to use the included data for non-commercial',
  'research purposes.  Contact The Johns Hopkins University, Cognitive Science',
  'Center, Baltimore MD, USA for information on commercial use.',
  '',
  '-'.repeat(75),
  '',
];

/** A fixture in the real format, with both real quirks: entries start at line 11. */
const BODY = [
  'aback\txb@k-\t0>1<<\t0', // line 11
  'at\t@t\t1<\t0', // 12
  'at\txt\t0<\t0', // 13
  'aweigh\txwe---\t0>1<<<\t0 ', // 14: trailing space after the flag (real line 1415)
  'gunpowder\tg^npW-d-R\t0\t', // 15: stress field missing (real line 7766)
  'the\tD-x\t>>0\t0', // 16
  'corps\tkor--\t>1<<<\t1', // 17
];
const DATA = [...HEADER, ...BODY, ''].join('\n');

/** Replaces fixture line `lineNo` (1-based) and parses; returns the thrown error. */
function errorWithLine(lineNo: number, text: string): DataFormatError {
  const lines = DATA.split('\n');
  lines[lineNo - 1] = text;
  try {
    parseNettalkData(lines.join('\n'), 'fixture.data');
  } catch (err) {
    expect(err).toBeInstanceOf(DataFormatError);
    return err as DataFormatError;
  }
  throw new Error('expected a DataFormatError');
}

describe('parseNettalkData', () => {
  it('reads entries after the header, with 1-based line numbers, tolerating the two real quirks', () => {
    const c = parseNettalkData(DATA, 'fixture.data');
    expect(c.entries.map((e) => e.word)).toEqual(['aback', 'at', 'at', 'aweigh', 'the', 'corps']);
    expect(c.entries[0]).toEqual({ word: 'aback', phonemes: 'xb@k-', stress: '0>1<<', flag: 0, line: 11 });
    expect(c.entries[3]).toEqual({ word: 'aweigh', phonemes: 'xwe---', stress: '0>1<<<', flag: 0, line: 14 });
    expect(c.entries[5].flag).toBe(1);
    expect(c.trimmedLines).toEqual([14]);
    expect(c.skipped).toEqual([{ line: 15, reason: 'stress field missing', text: 'gunpowder\tg^npW-d-R\t0\t' }]);
  });

  it('reads a file without a header (no dash line) from line 1, and accepts CRLF', () => {
    const c = parseNettalkData('the\tD-x\t>>0\t0\r\nat\t@t\t1<\t0\r\n', 'x');
    expect(c.entries.map((e) => [e.word, e.line])).toEqual([['the', 1], ['at', 2]]);
    expect(c.trimmedLines).toEqual([1, 2]);
  });

  it('strict mode refuses both tolerances', () => {
    expect(() => parseNettalkData(DATA, 'fixture.data', { strict: true })).toThrow(
      'fixture.data (line 14): trailing blanks after the flag field (strict mode)',
    );
    const noSpace = DATA.replace('\t0 \n', '\t0\n');
    expect(() => parseNettalkData(noSpace, 'fixture.data', { strict: true })).toThrow(
      'fixture.data (line 15): stress field missing for "gunpowder" (strict mode)',
    );
  });

  it.each([
    ['wrong field count (truncated line)', 'the\tD-x\t>>0', 'expected 4 tab-separated fields (word, phonemes, stress, flag), found 3'],
    ['too many fields', 'the\tD-x\t>>0\t0\t1', 'expected 4 tab-separated fields (word, phonemes, stress, flag), found 5'],
    ['phonemes shorter than the word', 'the\tD-\t>>0\t0', 'phoneme string "D-" has 2 symbols, word "the" has 3 letters'],
    ['stress longer than the word', 'the\tD-x\t>>00\t0', 'stress string ">>00" has 4 symbols, word "the" has 3 letters'],
    ['unknown phoneme', 'the\tD-%\t>>0\t0', 'unknown phoneme symbol "%" at letter 3 of "the"'],
    ['unknown stress', 'the\tD-x\t>>3\t0', 'unknown stress symbol "3" at letter 3 of "the" (expected one of < > 0 1 2)'],
    ['upper-case letter', 'The\tD-x\t>>0\t0', 'word "The" has "T": only lower-case letters a-z are allowed'],
    ['non a-z letter', 'th\u00e9\tD-x\t>>0\t0', 'word "th\u00e9" has "\u00e9": only lower-case letters a-z are allowed'],
    ['empty word', '\tD-x\t>>0\t0', 'empty word field'],
    ['bad flag', 'the\tD-x\t>>0\t3', 'flag must be 0, 1 or 2, found "3"'],
    ['missing flag on a one-letter word', 'a\tx\t0\t', 'flag must be 0, 1 or 2, found ""'],
  ])('%s: error names the file and line', (_name, text, detail) => {
    const err = errorWithLine(16, text);
    expect(err.message).toBe(`fixture.data (line 16): ${detail}`);
    expect(err.file).toBe('fixture.data');
    expect(err.position).toBe('line 16');
  });

  it('a file without entries is an error', () => {
    expect(() => parseNettalkData(HEADER.join('\n'), 'empty.data')).toThrow('empty.data: no entries found');
  });
});

const LIST = [
  'Note (by Scott Fahlman):',
  '',
  'The Nettalk paper (a note that mentions words like THE and OF).',
  '*'.repeat(75),
  '',
  '(THE OF AND TO',
  ' AT CORPS)',
  '',
].join('\n');

describe('parseNettalkList', () => {
  it('reads the Lisp list, lower-cased, with line numbers, ignoring the note before it', () => {
    expect(parseNettalkList(LIST, 'fixture.list')).toEqual([
      { word: 'the', line: 6 },
      { word: 'of', line: 6 },
      { word: 'and', line: 6 },
      { word: 'to', line: 6 },
      { word: 'at', line: 7 },
      { word: 'corps', line: 7 },
    ]);
  });

  it.each([
    ['no list', 'just a note\n', 'fixture.list: no word list found (expected a line starting with "(")'],
    ['not closed', '(THE OF\n AND\n', 'fixture.list (line 3): word list not closed: no ")" before the end of the file'],
    ['non-letter token', '(THE O2F\n AND)\n', 'fixture.list (line 1): list entry "O2F" is not a word of letters A-Z'],
    ['repeated word', '(THE OF\n THE)\n', 'fixture.list (line 2): word "the" repeated (first on line 1)'],
    ['text after the list', '(THE OF)\nMORE\n', 'fixture.list (line 2): unexpected text after the closing ")": "MORE"'],
    ['empty list', '()\n', 'fixture.list (line 1): the word list is empty'],
  ])('%s', (_name, text, message) => {
    expect(() => parseNettalkList(text, 'fixture.list')).toThrow(message);
  });
});

describe('loadNettalk on fixture files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nettalk-fixture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'nettalk.data'), DATA);
  writeFileSync(join(dir, 'nettalk.list'), LIST);

  it('full mode: split by word, skipped lines reported, metadata row for row', () => {
    const d = loadNettalk(dir, { mode: 'full', testFraction: 0.4, seed: 3 });
    expect(d.entries).toBe(6);
    expect(d.skipped.map((s) => s.line)).toEqual([15]);
    expect(d.trimmedLines).toEqual([14]);
    const letters = 5 + 2 + 2 + 6 + 3 + 5;
    expect(d.data.train.count + d.data.test.count).toBe(letters);
    expect(d.train.count).toBe(d.data.train.count);
    expect(d.test.count).toBe(d.data.test.count);
    expect(d.data.train.inputs.length).toBe(d.data.train.count * 189);
    expect(d.data.test.targets.length).toBe(d.data.test.count * 26);
    expect(d.data.evalKind).toBe('test');
    // 5 distinct words, round(0.4 × 5) = 2 held out; both `at` entries go to the same side.
    const testWords = new Set(d.test.words);
    expect(testWords.size).toBe(2);
    for (const w of d.train.words) expect(testWords.has(w)).toBe(false);
    expect(d.train.words.filter((w) => w === 'at').length + d.test.words.filter((w) => w === 'at').length).toBe(4);
    // Deterministic.
    expect(loadNettalk(dir, { mode: 'full', testFraction: 0.4, seed: 3 }).test.words).toEqual(d.test.words);
  });

  it('paper mode refuses files that are not the original ones', () => {
    expect(() => loadNettalk(dir, { mode: 'paper' })).toThrow(/nettalk\.list \(line 6\): list word "of" is not in .*nettalk\.data/);
  });

  it('a missing file is a DataFormatError naming it', () => {
    expect(() => loadNettalk(join(dir, 'nope'), { mode: 'full' })).toThrow(/nope[/\\]nettalk\.data: file not found/);
  });

  it('bad options are ConfigErrors', () => {
    expect(() => loadNettalk(dir, { mode: 'full', testFraction: 1 })).toThrow('NETtalk testFraction must be in (0, 1), got 1');
    expect(() => loadNettalk(dir, { mode: 'full', seed: 1.5 })).toThrow('NETtalk split seed must be an integer, got 1.5');
  });
});
