/**
 * Readers for the two NETtalk text files: `nettalk.data` (the 20,008-entry dictionary of
 * Sejnowski & Rosenberg) and `nettalk.list` (Fahlman's reconstruction of the 1000-word list).
 *
 * Both readers take the file's TEXT (so tests can feed fixtures) plus the file name used in
 * error messages; `load.ts` does the file I/O. Every problem is a one-line `DataFormatError`
 * naming the file and the 1-based line.
 *
 * ## nettalk.data
 * Optional header (in the real file: lines 1-10, ending with a line of dashes at line 9 and
 * a blank line), then one entry per line: `word<TAB>phonemes<TAB>stress<TAB>flag`.
 * The header is everything up to and including the first line made only of dashes (10 or
 * more) among the first 20 lines; a file with no such line is read as having no header.
 * Blank lines carry nothing and are ignored.
 *
 * Tolerances for the real file (documented, counted, reported in the result):
 * - `trimmedLines`: spaces (and a CR) after the flag are removed. Lines 1415 `aweigh`,
 *   1609 `barrow` and 1611 `barter` end with `0 `.
 * - `skipped`: line 7766 is `gunpowder<TAB>g^npW-d-R<TAB>0<TAB>`: the stress string is missing,
 *   the flag sits in the stress field and the 4th field is empty. We SKIP such a line (a line
 *   whose 4th field is empty and whose 3rd field is a lone flag digit while the word is longer
 *   than one letter) rather than invent a stress string. `gunpowder` is not one of the 1000
 *   list words, so the paper's split is unaffected; the full corpus has 20,007 usable entries.
 * With `strict: true` neither tolerance applies and both lines are errors.
 *
 * Everything else malformed is an error: wrong field count, non a-z letters in the word,
 * phoneme or stress strings whose length differs from the word's, unknown phoneme or stress
 * symbols, a flag other than 0/1/2, or a file without a single entry.
 */
import { DataFormatError, quoteText } from '../../errors.js';
import { isPhoneme, isStress } from './features.js';

/** One dictionary entry (one pronunciation of one word). */
export interface NettalkEntry {
  /** Lower-case letters a-z. */
  readonly word: string;
  /** One phoneme symbol per letter (`-` = silent letter / continuation). */
  readonly phonemes: string;
  /** One stress symbol per letter, from `< > 0 1 2`. */
  readonly stress: string;
  /** 0 regular, 1 irregular, 2 foreign. */
  readonly flag: 0 | 1 | 2;
  /** 1-based line number in the file the entry was read from. */
  readonly line: number;
}

/** A line that was tolerated but not turned into an entry. */
export interface SkippedLine {
  readonly line: number;
  /** Why it was skipped, e.g. "stress field missing". */
  readonly reason: string;
  /** The line as found in the file. */
  readonly text: string;
}

/** The parsed dictionary. */
export interface NettalkCorpus {
  /** The name used in error messages (normally the path that was read). */
  readonly file: string;
  /** Entries in file order. */
  readonly entries: NettalkEntry[];
  /** Lines skipped under a documented tolerance (the real file: only line 7766, `gunpowder`). */
  readonly skipped: SkippedLine[];
  /** Lines whose trailing spaces after the flag were removed (the real file: 1415, 1609, 1611). */
  readonly trimmedLines: number[];
}

export interface ParseDataOptions {
  /** Refuse the documented tolerances (trailing spaces, missing stress field). Default false. */
  readonly strict?: boolean;
}

/** A line made only of dashes (10 or more) ends the header. */
const HEADER_END = /^-{10,}\s*$/;
/** How far down the header separator is looked for. */
const HEADER_SEARCH_LINES = 20;
const WORD = /^[a-z]+$/;

/**
 * Parses the text of `nettalk.data`.
 * @param text the whole file
 * @param file the name used in error messages
 */
export function parseNettalkData(text: string, file = 'nettalk.data', options: ParseDataOptions = {}): NettalkCorpus {
  const strict = options.strict ?? false;
  const lines = text.split('\n');
  const headerEnd = lines.slice(0, HEADER_SEARCH_LINES).findIndex((l) => HEADER_END.test(l));
  const entries: NettalkEntry[] = [];
  const skipped: SkippedLine[] = [];
  const trimmedLines: number[] = [];

  for (let i = headerEnd + 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const fail = (detail: string): never => {
      throw new DataFormatError(file, detail, `line ${lineNo}`);
    };

    const line = raw.replace(/[ \r]+$/, '');
    if (line !== raw) {
      if (strict) fail(`trailing blanks after the flag field (strict mode)`);
      trimmedLines.push(lineNo);
    }
    const fields = line.split('\t');
    if (fields.length !== 4) {
      fail(`expected 4 tab-separated fields (word, phonemes, stress, flag), found ${fields.length}`);
    }
    const [word, phonemes, stress, flag] = fields;

    if (!WORD.test(word)) {
      const bad = [...word].find((c) => c < 'a' || c > 'z');
      fail(
        word === ''
          ? 'empty word field'
          : `word ${quoteText(word)} has ${quoteText(bad ?? '')}: only lower-case letters a-z are allowed`,
      );
    }
    // The `gunpowder` quirk: stress string missing, the flag in the stress field, 4th field empty.
    if (flag === '' && /^[012]$/.test(stress) && word.length > 1) {
      if (strict) fail(`stress field missing for ${quoteText(word)} (strict mode)`);
      skipped.push({ line: lineNo, reason: 'stress field missing', text: raw });
      continue;
    }
    if (phonemes.length !== word.length) {
      fail(`phoneme string ${quoteText(phonemes)} has ${phonemes.length} symbols, word ${quoteText(word)} has ${word.length} letters`);
    }
    if (stress.length !== word.length) {
      fail(`stress string ${quoteText(stress)} has ${stress.length} symbols, word ${quoteText(word)} has ${word.length} letters`);
    }
    for (let k = 0; k < word.length; k++) {
      if (!isPhoneme(phonemes[k])) fail(`unknown phoneme symbol ${quoteText(phonemes[k])} at letter ${k + 1} of ${quoteText(word)}`);
      if (!isStress(stress[k])) fail(`unknown stress symbol ${quoteText(stress[k])} at letter ${k + 1} of ${quoteText(word)} (expected one of < > 0 1 2)`);
    }
    if (flag !== '0' && flag !== '1' && flag !== '2') {
      fail(`flag must be 0, 1 or 2, found ${quoteText(flag)}`);
    }
    entries.push({ word, phonemes, stress, flag: Number(flag) as 0 | 1 | 2, line: lineNo });
  }

  if (entries.length === 0) {
    throw new DataFormatError(file, 'no entries found (expected lines word<TAB>phonemes<TAB>stress<TAB>flag)');
  }
  return { file, entries, skipped, trimmedLines };
}

/** A word of `nettalk.list`, lower-cased, with the 1-based line it is on. */
export interface NettalkListWord {
  readonly word: string;
  readonly line: number;
}

/**
 * Parses the text of `nettalk.list`: a free-text note by Scott Fahlman, then the words as one
 * Lisp list, upper-case, whitespace-separated, from a line starting with `(` to the `)` that
 * closes it: `(THE OF AND ... ELECTION ANODE)`. Words are returned lower-cased, in list order.
 * Errors: no line starting with `(`, no closing `)`, a token that is not letters, a repeated
 * word, or text after the `)`.
 */
export function parseNettalkList(text: string, file = 'nettalk.list'): NettalkListWord[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimStart().startsWith('('));
  if (start < 0) throw new DataFormatError(file, 'no word list found (expected a line starting with "(")');

  const words: NettalkListWord[] = [];
  const firstLine = new Map<string, number>();
  let closed = false;
  for (let i = start; i < lines.length; i++) {
    const lineNo = i + 1;
    let body = lines[i];
    if (i === start) body = body.slice(body.indexOf('(') + 1);
    if (closed) {
      if (body.trim() !== '') throw new DataFormatError(file, `unexpected text after the closing ")": ${quoteText(body.trim())}`, `line ${lineNo}`);
      continue;
    }
    const close = body.indexOf(')');
    if (close >= 0) {
      const after = body.slice(close + 1).trim();
      if (after !== '') throw new DataFormatError(file, `unexpected text after the closing ")": ${quoteText(after)}`, `line ${lineNo}`);
      body = body.slice(0, close);
      closed = true;
    }
    for (const token of body.split(/\s+/)) {
      if (token === '') continue;
      if (!/^[A-Za-z]+$/.test(token)) throw new DataFormatError(file, `list entry ${quoteText(token)} is not a word of letters A-Z`, `line ${lineNo}`);
      const word = token.toLowerCase();
      const seen = firstLine.get(word);
      if (seen !== undefined) throw new DataFormatError(file, `word ${quoteText(word)} repeated (first on line ${seen})`, `line ${lineNo}`);
      firstLine.set(word, lineNo);
      words.push({ word, line: lineNo });
    }
  }
  if (!closed) throw new DataFormatError(file, 'word list not closed: no ")" before the end of the file', `line ${lines.length}`);
  if (words.length === 0) throw new DataFormatError(file, 'the word list is empty', `line ${start + 1}`);
  return words;
}
