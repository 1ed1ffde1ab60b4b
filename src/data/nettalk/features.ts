/**
 * NETtalk output code: 21 articulatory features of a phoneme + a one-hot stress code (26 units).
 *
 * The feature table is EMBEDDED here (it is small, and the library must not read the shared
 * data folder at runtime). It is a copy of `phoneme_features.csv` from the data folder: 47 rows
 * read out of the paper's own `nettalk_small.mat`, plus 5 rows (K M Q ! +) transcribed from
 * Sejnowski & Rosenberg (1987), Appendix A, that do not occur in the paper's split. A test
 * (`test/data/nettalk/features.test.ts`) checks this table against the CSV bit for bit.
 *
 * Caveat: `J` (jam) and `G` (long) have the SAME 21-bit code in the paper's data, so the
 * 52 symbols give only 51 distinct codes. Anything that decodes outputs must therefore compare
 * codes, not symbols (see `metrics.ts`).
 */

/** Names of the 21 feature units, columns 0-20 of a target row, in order. */
export const FEATURE_NAMES: readonly string[] = [
  'Front1(labial)', 'Front2(dental)', 'Central1(alveolar)', 'Central2(palatal)', 'Back1(velar)',
  'Back2(glottal)', 'Stop', 'Nasal', 'Fricative', 'Affricative', 'Glide', 'Liquid', 'Voiced',
  'Tensed', 'High', 'Medium', 'Low', 'Silent', 'Elide', 'Pause', 'FullStop',
];

/** Number of articulatory feature units (columns 0-20). */
export const FEATURE_COUNT = 21;

/**
 * Stress symbols in the order of their one-hot units (columns 21-25):
 * `<` after the first vowel of the nucleus, `>` consonant before the nucleus,
 * `0` unstressed, `1` primary, `2` secondary stress.
 */
export const STRESS_SYMBOLS = '<>012';

/** Number of stress units (columns 21-25). */
export const STRESS_COUNT = 5;

/**
 * Symbol → the 21 feature bits as a string of '0'/'1' in `FEATURE_NAMES` order.
 * Row order and contents are those of `phoneme_features.csv`.
 */
export const PHONEME_TABLE: readonly (readonly [symbol: string, bits: string])[] = [
  ['a', '000100000000010010000'], // wad, dot, odd
  ['b', '100000100000100000000'], // bad
  ['c', '000010000000000100000'], // o in or, au in caught, aw in awe
  ['d', '001000100000100000000'], // add
  ['e', '010000000000010100000'], // angel, blade, way
  ['f', '100000001000000000000'], // farm
  ['g', '000010100000100000000'], // gap
  ['h', '000001000010000000000'], // hot, who
  ['i', '100000000000011000000'], // long e as in eve, theme, bee
  ['k', '000010100000000000000'], // cab, keep
  ['l', '010000000001100000000'], // lad
  ['m', '100000010000100000000'], // man, imp
  ['n', '001000010000100000000'], // gnat, and
  ['o', '000001000000010100000'], // only, own
  ['p', '100000100000000000000'], // pad, apt
  ['r', '000100000001100000000'], // rap
  ['s', '001000001000000000000'], // cent, ask
  ['t', '001000100000000000000'], // tab
  ['u', '000001000000011000000'], // boot, ooze, you
  ['v', '100000001000100000000'], // vat
  ['w', '100000000010100000000'], // we, liquid
  ['x', '000100000000000100000'], // a in pirate, o in welcome
  ['y', '000100000010100000000'], // yes, senior
  ['z', '001000001000100000000'], // zoo, goes
  ['A', '011000000000010100000'], // long i as in ice, height, eye
  ['C', '000100000100000000000'], // chart, cello
  ['D', '010000001000100000000'], // the, mother
  ['E', '110000000000000100000'], // many, end, head
  ['G', '000010010000100000000'], // length, long, bank (same code as J)
  ['I', '100000000000001000000'], // i in give, u in busy, ai in captain
  ['J', '000010010000100000000'], // jam, gem (same code as G)
  ['K', '000110001100000000000'], // anxious, sexual (Appendix A, not in the .mat)
  ['L', '001000000001100000000'], // evil, able
  ['M', '010000010000100000000'], // chasm (Appendix A, not in the .mat)
  ['N', '000100010000100000000'], // shorten, basin
  ['O', '001100000000010100000'], // oil, boy
  ['Q', '100010100100100000000'], // quilt (Appendix A; never used in nettalk.data)
  ['R', '000010000001100000000'], // honer, after, satyr
  ['S', '000100001000000000000'], // ocean, wish
  ['T', '010000001000000000000'], // thaw, bath
  ['U', '000010000000001000000'], // wood, could, put
  ['W', '000110000000011100000'], // out, towel, house
  ['X', '011000000100000000000'], // mixture, annex
  ['Y', '111000000000011000000'], // use, feud, new
  ['Z', '000100001000100000000'], // s in usual, s in vision
  ['!', '110000000100000000000'], // z in nazi, zz in pizza (Appendix A, not in the .mat)
  ['#', '000110000100100000000'], // x in auxiliary, x in exist
  ['*', '101000000010100010000'], // wh in what
  ['+', '000100000000010100000'], // oi in abattoir, mademoiselle (Appendix A, not in the .mat)
  ['-', '000000000000000001100'], // silent letter / continuation
  ['@', '010000000000000010000'], // cab, plaid
  ['^', '001000000000000010000'], // u in up, o in son, oo in blood
];

/** Symbol → 21 feature bits (0/1). */
const FEATURES: ReadonlyMap<string, Uint8Array> = new Map(
  PHONEME_TABLE.map(([symbol, bits]) => [symbol, Uint8Array.from(bits, (b) => (b === '1' ? 1 : 0))]),
);

/** True for the 52 phoneme symbols of the table (51 used by nettalk.data, plus `Q`). */
export function isPhoneme(symbol: string): boolean {
  return FEATURES.has(symbol);
}

/** True for the 5 stress symbols `< > 0 1 2`. */
export function isStress(symbol: string): boolean {
  return symbol.length === 1 && STRESS_SYMBOLS.includes(symbol);
}

/** The 21 feature bits of a phoneme symbol (a shared, read-only-by-convention array). */
export function phonemeFeatures(symbol: string): Uint8Array {
  const f = FEATURES.get(symbol);
  if (f === undefined) throw new RangeError(`unknown NETtalk phoneme symbol ${JSON.stringify(symbol)}`);
  return f;
}

/** Index 0-4 of a stress symbol's one-hot unit (`<`=0, `>`=1, `0`=2, `1`=3, `2`=4). */
export function stressIndex(symbol: string): number {
  const i = symbol.length === 1 ? STRESS_SYMBOLS.indexOf(symbol) : -1;
  if (i < 0) throw new RangeError(`unknown NETtalk stress symbol ${JSON.stringify(symbol)}`);
  return i;
}
