import { describe, expect, it } from 'vitest';
import { encodeTarget } from '../../../src/data/nettalk/encode.js';
import {
  PHONEME_CODES,
  cosineScore,
  decodeRow,
  frameAccuracy,
  nettalkMetrics,
  phonemeAccuracy,
} from '../../../src/data/nettalk/metrics.js';

/** rows × 26 targets from (phoneme, stress) pairs. */
function targets(pairs: [string, string][]): Float32Array {
  const t = new Float32Array(pairs.length * 26);
  pairs.forEach(([p, s], r) => encodeTarget(p, s, t, r * 26));
  return t;
}

describe('cosineScore (the paper\'s score)', () => {
  it('is the mean cosine similarity (hand-computed, width 2)', () => {
    // Row 0: cos = 1. Row 1: (1,1)·(0,1) / (√2 · 1) = 1/√2.
    const s = cosineScore(Float32Array.of(1, 0, 1, 1), Float32Array.of(1, 0, 0, 1), 2, 2);
    expect(s.score).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(s.meanDistance).toBeCloseTo(1 - (1 + Math.SQRT1_2) / 2, 12);
    expect(s.zeroOutputRows).toBe(0);
  });

  it('scores an all-zero output row as similarity 0 and counts it', () => {
    const t = targets([['D', '>'], ['D', '>']]); // ones at 1, 8, 12, 22
    const o = new Float32Array(52);
    o.set(t.subarray(0, 26));
    o[0] = 1; // row 0: dot 4, |o|² 5, |t|² 4 → cos = 4/√20
    const s = cosineScore(o, t, 2);
    expect(s.score).toBeCloseTo(4 / Math.sqrt(20) / 2, 7);
    expect(s.meanDistance).toBeCloseTo(1 - 4 / Math.sqrt(20) / 2, 7);
    expect(s.zeroOutputRows).toBe(1);
    expect(Number.isNaN(s.score)).toBe(false);
  });

  it('checks shapes', () => {
    expect(() => cosineScore(new Float32Array(26), new Float32Array(52), 2)).toThrow(RangeError);
  });
});

describe('phonemeAccuracy (nearest valid code, squared Euclidean)', () => {
  it('has 50 candidate codes: 51 used symbols, J and G merged, Q excluded', () => {
    expect(PHONEME_CODES).toHaveLength(50);
    expect(PHONEME_CODES.map((c) => c.symbols)).toContain('G/J');
    expect(PHONEME_CODES.some((c) => c.symbols.includes('Q'))).toBe(false);
  });

  it('hand-computed example: J/G is not an error, phoneme and stress parts counted apart', () => {
    const t = targets([['J', '1'], ['D', '>'], ['t', '>'], ['-', '<']]);
    const o = new Float32Array(4 * 26);
    // A: output = exact code of G with stress 1 → decodes to the G/J code: right.
    encodeTarget('G', '1', o, 0);
    // B: D's features (1, 8, 12) at 0.6, column 2 at 0.3, stress '0' strongest.
    // |o − D|² = 3·0.4² + 0.3² = 0.57; next best T (1, 8): 2·0.4² + 0.6² + 0.3² = 0.77.
    for (const j of [1, 8, 12]) o[26 + j] = 0.6;
    o[26 + 2] = 0.3;
    o[26 + 21 + 2] = 0.9; // '0'
    o[26 + 21 + 1] = 0.5; // '>' (the target) weaker
    // C: exactly d (t + Voiced) with the right stress: phoneme wrong, stress right.
    encodeTarget('d', '>', o, 52);
    // D: '-' at 0.9, stress '<' at 0.8: both right.
    o[78 + 17] = 0.9;
    o[78 + 18] = 0.9;
    o[78 + 21] = 0.8;
    const a = phonemeAccuracy(o, t, 4);
    expect(a).toEqual({ accuracy: 2 / 4, phonemeAccuracy: 3 / 4, stressAccuracy: 3 / 4, rows: 4 });
    expect(PHONEME_CODES[decodeRow(o, 26).code].symbols).toBe('D');
    expect(decodeRow(o, 26).stress).toBe(2);
    expect(PHONEME_CODES[decodeRow(t, 0).code].symbols).toBe('G/J');
  });

  it('a target decodes to its own code', () => {
    for (const c of PHONEME_CODES) {
      const t = targets([[c.symbols[0], '2']]);
      expect(PHONEME_CODES[decodeRow(t, 0).code]).toBe(c);
      expect(decodeRow(t, 0).stress).toBe(4);
    }
  });
});

describe('frameAccuracy (all 26 units right after thresholding)', () => {
  it('hand-computed example', () => {
    const t = targets([['D', '>'], ['D', '>']]);
    const o = new Float32Array(52);
    for (let j = 0; j < 26; j++) o[j] = t[j] ? 0.5 : 0.49; // row 0: 0.5 counts as on → all right
    o.set(t.subarray(26), 26);
    o[26 + 8] = 0.4; // row 1: one unit wrong
    const f = frameAccuracy(o, t, 2);
    expect(f).toEqual({ frameAccuracy: 0.5, bitAccuracy: 51 / 52, threshold: 0.5, rows: 2 });
    // Threshold 0.3: row 0's 0.49 zeros turn on (wrong), row 1's 0.4 one turns on (right).
    expect(frameAccuracy(o, t, 2, 0.3)).toMatchObject({ frameAccuracy: 0.5, bitAccuracy: 30 / 52 });
  });

  it('nettalkMetrics gathers everything', () => {
    const t = targets([['D', '>']]);
    const m = nettalkMetrics(t.slice(), t, 1);
    expect(m).toEqual({
      score: expect.closeTo(1, 6) as number,
      meanDistance: expect.closeTo(0, 6) as number,
      zeroOutputRows: 0,
      rows: 1,
      accuracy: 1,
      phonemeAccuracy: 1,
      stressAccuracy: 1,
      frameAccuracy: 1,
      bitAccuracy: 1,
    });
  });
});
