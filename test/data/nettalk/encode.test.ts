import { describe, expect, it } from 'vitest';
import {
  INPUT_SIZE,
  TARGET_SIZE,
  encodeEntries,
  encodeTarget,
  encodeWindow,
  selectRows,
  symbolIndex,
  windowText,
} from '../../../src/data/nettalk/encode.js';

/** Positions of the ones in a row. */
const ones = (a: Float32Array | Uint8Array, start: number, n: number): number[] => {
  const out: number[] = [];
  for (let j = 0; j < n; j++) if (a[start + j] === 1) out.push(j);
  return out;
};

describe('window encoding', () => {
  it('windows of "the" are centred and blank-padded, each word in isolation', () => {
    expect([0, 1, 2].map((i) => windowText('the', i))).toEqual(['___the_', '__the__', '_the___']);
    expect(windowText('a', 0)).toBe('___a___');
    expect(windowText('abcdefghij', 5)).toBe('cdefghi');
  });

  it('one-hot over 27 symbols per position: a..z = 0..25, blank = 26', () => {
    expect(symbolIndex('a')).toBe(0);
    expect(symbolIndex('z')).toBe(25);
    expect(symbolIndex('_')).toBe(26);
    expect(() => symbolIndex('A')).toThrow(RangeError);
    const x = new Float32Array(INPUT_SIZE);
    encodeWindow('the', 0, x, 0); // ___the_ : t=19, h=7, e=4
    expect(ones(x, 0, INPUT_SIZE)).toEqual([0 * 27 + 26, 1 * 27 + 26, 2 * 27 + 26, 3 * 27 + 19, 4 * 27 + 7, 5 * 27 + 4, 6 * 27 + 26]);
    expect(ones(x, 0, INPUT_SIZE)).toEqual([26, 53, 80, 100, 115, 139, 188]);
    const y = new Float32Array(INPUT_SIZE);
    encodeWindow('the', 1, y, 0); // __the__
    expect(ones(y, 0, INPUT_SIZE)).toEqual([26, 53, 54 + 19, 81 + 7, 108 + 4, 135 + 26, 162 + 26]);
  });

  it('target: 21 features of the phoneme + stress one-hot < > 0 1 2 at 21-25', () => {
    const t = new Float32Array(TARGET_SIZE);
    encodeTarget('D', '>', t, 0); // D = Front2, Fricative, Voiced; > = column 22
    expect(ones(t, 0, TARGET_SIZE)).toEqual([1, 8, 12, 22]);
    const s = new Float32Array(TARGET_SIZE);
    encodeTarget('-', '2', s, 0); // - = Silent, Elide; 2 = column 25
    expect(ones(s, 0, TARGET_SIZE)).toEqual([17, 18, 25]);
  });

  it('encodeEntries: one row per letter with metadata; selectRows copies rows', () => {
    const rows = encodeEntries([
      { word: 'the', phonemes: 'D-x', stress: '>>0', flag: 0, line: 17776 },
      { word: 'of', phonemes: 'xv', stress: '0<', flag: 0, line: 12261 },
    ]);
    expect(rows.info.count).toBe(5);
    expect(rows.inputs.length).toBe(5 * 189);
    expect(rows.targets.length).toBe(5 * 26);
    expect(rows.info.phonemes).toEqual(['D', '-', 'x', 'x', 'v']);
    expect(rows.info.stresses).toEqual(['>', '>', '0', '0', '<']);
    expect(rows.info.words).toEqual(['the', 'the', 'the', 'of', 'of']);
    expect([...rows.info.letterPos]).toEqual([0, 1, 2, 0, 1]);
    expect([...rows.info.lines]).toEqual([17776, 17776, 17776, 12261, 12261]);
    // Row 4 is letter 1 of "of" (f): window __of___.
    expect(ones(rows.inputs, 4 * 189, 189)).toEqual([26, 53, 54 + 14, 81 + 5, 108 + 26, 135 + 26, 162 + 26]);
    const sel = selectRows(rows, [4, 0]);
    expect(sel.info.phonemes).toEqual(['v', 'D']);
    expect([...sel.inputs.subarray(0, 189)]).toEqual([...rows.inputs.subarray(4 * 189, 5 * 189)]);
    expect([...sel.targets.subarray(26, 52)]).toEqual([...rows.targets.subarray(0, 26)]);
    sel.inputs[0] = 7;
    expect(rows.inputs[4 * 189]).toBe(0);
    expect(() => selectRows(rows, [5])).toThrow(RangeError);
  });
});
