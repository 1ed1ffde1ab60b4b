/**
 * The §3 model's input spikes, drawn per batch from four 32-bit seed words the run's stream gives
 * (`seedWords`): s_0^t[r, i] = 1[u < x[r, i]] with u uniform in [0, 1), drawn only for the nonzero
 * pixels x > 0 (a zero pixel never spikes: 81 % of MNIST's pixels, and no random numbers spent on
 * them). The generator is two xoroshiro128+ streams seeded by splitmix64 from the words; each step
 * of the pair gives four 32-bit words, one per pixel, taken as u = (word >>> 8)·2⁻²⁴ (24 bits, exact
 * in float32). Pixels are visited row by row, step by step, four nonzero pixels at a time (a row's
 * last group padded with zeros, whose draws are spent and never spike).
 *
 * This is the reference of the WebAssembly kernel's generator (kernels/assembly/smlp.ts
 * `inputSpikes`), which gives the same spikes bit for bit (a test checks it); the autodiff path
 * (smlp.ts) trains on these.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function splitmix(x: bigint): bigint {
  let z = x & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** Four 32-bit seed words from a stream whose uniform() carries 32 random bits (the run's RandomStream). */
export function seedWords(rng: { uniform(): number }): Uint32Array {
  return Uint32Array.from({ length: 4 }, () => Math.floor(rng.uniform() * 4294967296) >>> 0);
}

/** One xoroshiro128+ stream as two 32-bit halves of each state word (plain numbers: no BigInt per draw). */
class Xoroshiro {
  private s0h: number;
  private s0l: number;
  private s1h: number;
  private s1l: number;

  constructor(s0: bigint, s1: bigint) {
    this.s0h = Number(s0 >> 32n) >>> 0;
    this.s0l = Number(s0 & 0xffffffffn) >>> 0;
    this.s1h = Number(s1 >> 32n) >>> 0;
    this.s1l = Number(s1 & 0xffffffffn) >>> 0;
  }

  /** The next 64 bits (s0 + s1) as [low, high] into `out`, then the state step (a, b, c = 24, 16, 37). */
  next(out: Uint32Array, at: number): void {
    const { s0h, s0l, s1h, s1l } = this;
    const lo = (s0l + s1l) >>> 0;
    out[at] = lo;
    out[at + 1] = (s0h + s1h + (lo < s0l ? 1 : 0)) >>> 0;
    const xh = (s1h ^ s0h) >>> 0;
    const xl = (s1l ^ s0l) >>> 0;
    // s0 ← rotl(s0, 24) ^ x ^ (x << 16)
    const rh = ((s0h << 24) | (s0l >>> 8)) >>> 0;
    const rl = ((s0l << 24) | (s0h >>> 8)) >>> 0;
    this.s0h = (rh ^ xh ^ ((xh << 16) | (xl >>> 16))) >>> 0;
    this.s0l = (rl ^ xl ^ (xl << 16)) >>> 0;
    // s1 ← rotl(x, 37) = rotl(rotl(x, 32), 5)
    this.s1h = ((xl << 5) | (xh >>> 27)) >>> 0;
    this.s1l = ((xh << 5) | (xl >>> 27)) >>> 0;
  }
}

/**
 * The input spikes of `rows` rows of x (rows × n0) for K steps, as K·rows·n0 values 0/1: step t
 * outer, then row-major (spikes of step t, row r, pixel i at (t·rows + r)·n0 + i).
 */
export function inputSpikes(x: Float32Array, rows: number, n0: number, K: number, seeds: ArrayLike<number>): Float32Array {
  const word = (i: number) => BigInt(seeds[i] >>> 0);
  let z = splitmix(((word(0) << 32n) | word(1)) + GOLDEN) ^ ((word(2) << 32n) | word(3));
  const step = () => splitmix((z = (z + GOLDEN) & MASK64));
  let a0 = step();
  const a1 = step();
  let b0 = step();
  const b1 = step();
  if ((a0 | a1) === 0n) a0 = 1n;
  if ((b0 | b1) === 0n) b0 = 1n;
  const a = new Xoroshiro(a0, a1);
  const b = new Xoroshiro(b0, b1);
  const words = new Uint32Array(4);
  const out = new Float32Array(K * rows * n0);
  const nz = new Int32Array(n0 + 4);
  const value = new Float32Array(n0 + 4);
  for (let r = 0; r < rows; r++) {
    let count = 0;
    for (let i = 0; i < n0; i++) {
      const xi = x[r * n0 + i];
      if (xi > 0) {
        nz[count] = i;
        value[count++] = xi;
      }
    }
    const padded = (count + 3) & ~3;
    for (let t = 0; t < K; t++) {
      const base = (t * rows + r) * n0;
      for (let o = 0; o < padded; o += 4) {
        a.next(words, 0);
        b.next(words, 2);
        for (let q = 0; q < 4 && o + q < count; q++) {
          if (Math.fround((words[q] >>> 8) * 5.9604644775390625e-8) < value[o + q]) out[base + nz[o + q]] = 1;
        }
      }
    }
  }
  return out;
}
