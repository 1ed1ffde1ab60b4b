import { expect } from 'vitest';

/** Every |a_i − b_i| ≤ tol (arrays of equal length); reports the worst entry. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `max |diff| at index ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(tol);
}

export const flat = (m: number[][]): number[] => m.flat();
