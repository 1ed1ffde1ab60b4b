import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  PHONEME_TABLE,
  STRESS_SYMBOLS,
  isPhoneme,
  isStress,
  phonemeFeatures,
  stressIndex,
} from '../../../src/data/nettalk/features.js';
import { SHARED_NETTALK_DIR } from './shared-dir.js';

describe('embedded phoneme feature table', () => {
  it('has 52 symbols × 21 bits; J and G share a code and are the only pair that does', () => {
    expect(PHONEME_TABLE).toHaveLength(52);
    expect(FEATURE_NAMES).toHaveLength(21);
    for (const [, bits] of PHONEME_TABLE) expect(bits).toMatch(/^[01]{21}$/);
    expect(new Set(PHONEME_TABLE.map(([s]) => s)).size).toBe(52);
    expect(new Set(PHONEME_TABLE.map(([, b]) => b)).size).toBe(51);
    expect([...phonemeFeatures('J')]).toEqual([...phonemeFeatures('G')]);
  });

  it('decodes symbols and stress', () => {
    // D (the): Front2, Fricative, Voiced.
    expect([...phonemeFeatures('D')].flatMap((b, j) => (b ? [FEATURE_NAMES[j]] : []))).toEqual([
      'Front2(dental)', 'Fricative', 'Voiced',
    ]);
    expect(isPhoneme('-')).toBe(true);
    expect(isPhoneme('%')).toBe(false);
    expect(STRESS_SYMBOLS).toBe('<>012');
    expect([...'<>012'].map(stressIndex)).toEqual([0, 1, 2, 3, 4]);
    expect(isStress('3')).toBe(false);
    expect(() => stressIndex('3')).toThrow(RangeError);
    expect(() => phonemeFeatures('%')).toThrow(RangeError);
  });

  const csv = SHARED_NETTALK_DIR && join(SHARED_NETTALK_DIR, 'phoneme_features.csv');
  it.skipIf(!csv || !existsSync(csv))('equals phoneme_features.csv of the shared data folder, row for row', () => {
    const lines = readFileSync(csv as string, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(1, 22).map((h) => h.toLowerCase())).toEqual(
      FEATURE_NAMES.map((n) => n.replace(/\(.*\)/, '').toLowerCase()),
    );
    const rows = lines.slice(1).map((l) => {
      const f = l.split(',');
      return [f[0], f.slice(1, 22).join('')];
    });
    expect(rows).toEqual(PHONEME_TABLE.map(([s, b]) => [s, b]));
  });
});
