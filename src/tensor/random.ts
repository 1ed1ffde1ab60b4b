/**
 * Seeded random streams (xoroshiro128+ from pure-rand). Every random draw in the library comes
 * from one of these, so the same seed gives the same weights; the state can be saved in a
 * checkpoint and restored exactly.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

const TWO_POW_32 = 4294967296;

export class RandomStream {
  private constructor(private generator: JumpableRandomGenerator) {}

  static fromSeed(seed: number): RandomStream {
    return new RandomStream(xoroshiro128plus(seed | 0));
  }

  static fromState(state: readonly number[]): RandomStream {
    return new RandomStream(xoroshiro128plusFromState(state));
  }

  /** The generator's full state (for checkpoints). */
  state(): number[] {
    return [...this.generator.getState()];
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return (this.generator.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
