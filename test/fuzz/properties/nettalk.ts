/** NETtalk: `parseNettalkData`, `parseNettalkList`, `nettalkFromTexts`. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseNettalkData, parseNettalkList } from '../../../src/data/nettalk/corpus.js';
import { INPUT_SIZE, TARGET_SIZE, WINDOW } from '../../../src/data/nettalk/encode.js';
import { PHONEME_TABLE, STRESS_SYMBOLS } from '../../../src/data/nettalk/features.js';
import { nettalkFromTexts, type LoadNettalkOptions } from '../../../src/data/nettalk/load.js';
import { expectTypedOrOk, fuzzParameters } from '../harness.js';
import { textInputs } from '../mutations.js';

const PHONEMES = PHONEME_TABLE.map(([s]) => s);

/** The real file's 10-line header (a line of 75 dashes at line 9). */
const HEADER = ['     The NetTalk Corpus: Phonetic Transcription of 20,008 English Words', '', '\t\tCopyright (C) 1988 by Terrence J. Sejnowski', '', 'research purposes.', '', '', '', '-'.repeat(75), ''];

const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 6 });

const entry = word.chain((w) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...PHONEMES), { minLength: w.length, maxLength: w.length }),
      fc.array(fc.constantFrom(...STRESS_SYMBOLS), { minLength: w.length, maxLength: w.length }),
      fc.constantFrom('0', '1', '2'),
      fc.constantFrom('', '', '', ' ', '\r'),
    )
    .map(([p, s, flag, tail]) => `${w}\t${p.join('')}\t${s.join('')}\t${flag}${tail}`),
);

/** A corpus in the real layout: optional header, entries, sometimes the real `gunpowder` quirk and blank lines. */
const corpusTexts = fc
  .record({ header: fc.boolean(), entries: fc.array(entry, { minLength: 1, maxLength: 10 }), quirk: fc.boolean(), blank: fc.boolean(), lf: fc.boolean() })
  .map(({ header, entries, quirk, blank, lf }) => {
    const lines = [...(header ? HEADER : []), ...entries, ...(quirk ? ['gunpowder\tg^npW-d-R\t0\t'] : []), ...(blank ? [''] : [])];
    return lines.join('\n') + (lf ? '\n' : '');
  });

/** A list in Fahlman's layout: a note, then `(WORD WORD …)` over one or more lines. */
const listTexts = fc
  .record({ words: fc.uniqueArray(word, { minLength: 1, maxLength: 12 }), perLine: fc.integer({ min: 1, max: 5 }), note: fc.boolean() })
  .map(({ words, perLine, note }) => {
    const upper = words.map((w) => w.toUpperCase());
    const rows: string[] = [];
    for (let i = 0; i < upper.length; i += perLine) rows.push(upper.slice(i, i + perLine).join(' '));
    return [...(note ? ['Scott Fahlman: the 1000 most common words.', ''] : []), `(${rows.join('\n ')})`, ''].join('\n');
  });

function checkRows(d: { count: number; inputs: Float32Array; targets: Float32Array; inputSize: number; targetSize: number }): void {
  if (d.inputSize !== INPUT_SIZE || d.targetSize !== TARGET_SIZE) throw new Error('sizes');
  if (d.inputs.length !== d.count * INPUT_SIZE || d.targets.length !== d.count * TARGET_SIZE) throw new Error('array lengths');
  for (let r = 0; r < d.count; r++) {
    const ones = d.inputs.subarray(r * INPUT_SIZE, (r + 1) * INPUT_SIZE).reduce((a, b) => a + b, 0);
    if (ones !== WINDOW) throw new Error(`row ${r}: ${ones} symbols set in a window of ${WINDOW}`);
    const stress = d.targets.subarray(r * TARGET_SIZE + 21, (r + 1) * TARGET_SIZE).reduce((a, b) => a + b, 0);
    if (stress !== 1) throw new Error(`row ${r}: stress not one-hot`);
  }
}

const options: fc.Arbitrary<LoadNettalkOptions> = fc.oneof(
  fc.record({ mode: fc.constant('full' as const), testFraction: fc.option(fc.constantFrom(0.1, 0.5, 0.9, 0, 1, -1, Number.NaN), { nil: undefined }), seed: fc.option(fc.constantFrom(1, 2, 1.5, -7), { nil: undefined }), strict: fc.boolean() }, { requiredKeys: ['mode'] }),
  fc.record({ mode: fc.constant('paper' as const), strict: fc.boolean() }),
);

export function nettalkProperties(runs: number): void {
  describe('NETtalk', () => {
    it('parseNettalkData: entries of equal-length word, phonemes and stress, or a DataFormatError', () => {
      fc.assert(
        fc.property(textInputs(corpusTexts), fc.boolean(), (text, strict) => {
          expectTypedOrOk(
            () => parseNettalkData(text, 'c.data', { strict }),
            (corpus) => {
              if (corpus.entries.length === 0) throw new Error('no entries');
              let lastLine = 0;
              for (const e of corpus.entries) {
                if (!/^[a-z]+$/.test(e.word) || e.phonemes.length !== e.word.length || e.stress.length !== e.word.length) throw new Error(`entry ${JSON.stringify(e)}`);
                if (![...e.phonemes].every((p) => PHONEMES.includes(p)) || ![...e.stress].every((s) => STRESS_SYMBOLS.includes(s))) throw new Error('symbols');
                if (![0, 1, 2].includes(e.flag) || e.line <= lastLine) throw new Error('flag or line');
                lastLine = e.line;
              }
              if (strict && (corpus.skipped.length > 0 || corpus.trimmedLines.length > 0)) throw new Error('strict mode tolerated a quirk');
            },
            { file: 'c.data' },
          );
        }),
        fuzzParameters(runs),
      );
    });

    it('parseNettalkList: distinct lower-case words, or a DataFormatError', () => {
      fc.assert(
        fc.property(textInputs(listTexts), (text) => {
          expectTypedOrOk(
            () => parseNettalkList(text, 'c.list'),
            (words) => {
              if (words.length === 0 || new Set(words.map((w) => w.word)).size !== words.length) throw new Error('empty or repeated');
              if (!words.every((w) => /^[a-z]+$/.test(w.word) && w.line >= 1)) throw new Error('not lower-case words');
            },
            { file: 'c.list' },
          );
        }),
        fuzzParameters(runs),
      );
    });

    it('nettalkFromTexts: windows of 7 symbols with one-hot stress, train and test words apart, or a typed error', () => {
      fc.assert(
        fc.property(textInputs(corpusTexts), fc.option(textInputs(listTexts), { nil: undefined }), options, (corpus, list, opts) => {
          expectTypedOrOk(
            () => nettalkFromTexts({ file: 'n.data', text: corpus }, list === undefined ? undefined : { file: 'n.list', text: list }, opts),
            (d) => {
              if (d.data.train.count !== d.train.count || d.data.test.count !== d.test.count) throw new Error('metadata rows');
              if (d.train.count === 0 || d.test.count === 0) throw new Error(`an empty split: ${d.train.count} training and ${d.test.count} test rows`);
              checkRows(d.data.train);
              checkRows(d.data.test);
              if (d.mode === 'full') {
                const trainWords = new Set(d.train.words);
                if (d.test.words.some((w) => trainWords.has(w))) throw new Error('a word on both sides of a split by word');
              }
            },
            { inputBytes: (corpus.length + (list?.length ?? 0)) * 1200 },
          );
        }),
        fuzzParameters(runs),
      );
    });
  });
}
