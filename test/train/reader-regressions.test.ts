/**
 * The training-file reader bugs the fuzzers (test/fuzz) found, one deterministic case each:
 * .npy, weights, safetensors and checkpoints.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DataFormatError, SelfpropError } from '../../src/errors.js';
import { RandomStream } from '../../src/tensor/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.js';
import { createModel } from '../../src/train/loop.js';
import { decodeNpy, encodeNpy } from '../../src/train/npy.js';
import { resolveRunConfig } from '../../src/train/run-config.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/train/safetensors.js';
import { decodeWeightsJson, decodeWeightsNpy, encodeWeightsNpy } from '../../src/train/weights.js';

/** The SelfpropError `fn` throws, checked to be one line. */
function typedError(fn: () => unknown): SelfpropError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelfpropError);
    expect((err as Error).message).not.toMatch(/[\r\n]/);
    return err as SelfpropError;
  }
  throw new Error('expected a SelfpropError, nothing was thrown');
}

function npyWithHeader(header: string, data = new Uint8Array(0)): Uint8Array {
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([header.length]).buffer), Buffer.from(header, 'latin1')]);
  return Buffer.concat([head, data]);
}

describe('.npy', () => {
  it('an unreadable header is quoted on one line (was: the raw header, line breaks included)', () => {
    const e = typedError(() => decodeNpy(npyWithHeader("{'descr': '<f4',\n 'shape': (2,), }\n"), 'h.npy'));
    expect(e.message).toBe(`h.npy (byte 10): unreadable .npy header: "{'descr': '<f4',\\n 'shape': (2,), }"`);
  });

  it('a zero dimension makes an empty array whatever the others say (was: "needs NaN data bytes")', () => {
    const big = Array<number>(20).fill(2 ** 53 - 1);
    const a = decodeNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${[...big, 0].join(', ')}), }\n`), 'z.npy');
    expect(a.data.length).toBe(0);
  });
});

describe('weights', () => {
  const layers = [2, 1];

  it('JSON that does not parse: the parser message on one line', () => {
    const e = typedError(() => decodeWeightsJson('{"a":\n\n x}', layers, 'w.json'));
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toMatch(/^w\.json: not valid JSON \(/);
  });

  it('a value beyond float32 (1e39 → Infinity) is refused (was: Infinity weights)', () => {
    const text = JSON.stringify({ format: 'selfprop-weights', layers, weights: [{ shape: [2, 1], data: [1, 1e39] }], biases: [[0]] });
    expect(typedError(() => decodeWeightsJson(text, layers, 'w.json')).message).toBe('w.json: weights[0]: value 1 is Infinity in float32; weights must be finite');
  });

  it('a NaN in a .npy weight file is refused', () => {
    const files = encodeWeightsNpy({ weights: [{ rows: 2, cols: 1, data: Float32Array.of(0.5, Number.NaN) }], biases: [new Float32Array(0), Float32Array.of(0)] });
    expect(typedError(() => decodeWeightsNpy(files, layers, 'dir')).message).toBe('dir/W1.npy: the array: value 1 is NaN in float32; weights must be finite');
    expect(decodeNpy(encodeNpy(Float32Array.of(Number.NaN), [1]), 'n.npy').data[0]).toBeNaN(); // .npy itself may hold NaN
  });
});

describe('safetensors', () => {
  it('a header that is not JSON: one line; names quoted', () => {
    const head = Buffer.from('{"a":\n\n x}');
    const bytes = Buffer.concat([Buffer.from(new BigUint64Array([BigInt(head.length)]).buffer), head]);
    expect(typedError(() => decodeSafetensors(bytes, 't.st')).message).toMatch(/^t\.st \(byte 8\): the header is not JSON \(.*\)$/);
    const named = encodeSafetensors([{ name: 'a\nb', dtype: 'U8', shape: [2], bytes: Uint8Array.of(1, 2) }], {});
    expect(decodeSafetensors(named, 'n.st').tensors.get('a\nb')?.bytes.length).toBe(2);
    const header = '{"a\\nb":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}';
    const bad = Buffer.concat([Buffer.from(new BigUint64Array([BigInt(header.length)]).buffer), Buffer.from(header), Buffer.alloc(8)]);
    expect(typedError(() => decodeSafetensors(bad, 'b.st')).message).toBe('b.st (byte 8): tensor "a\\nb": dtype "F64" (this reader takes F32 and U8)');
  });
});

describe('checkpoints', () => {
  const config = resolveRunConfig({ task: 'mnist', epochs: 1, batchSize: 2, snn: { layers: [4, 3, 2], lif: { tMs: 1 } } });
  const rows = { train: 0, validation: 0, test: 0 };
  const model = createModel(config, RandomStream.fromSeed(config.seed), rows);
  const rngState = RandomStream.fromSeed(3).state();
  const valid = encodeCheckpoint({ epoch: 0, config, model, rngState, history: [], rows });

  /** The checkpoint with metadata values replaced (the header re-encoded). */
  function withMetadata(change: Record<string, string>): Uint8Array {
    const n = Number(new DataView(valid.buffer, valid.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(valid.subarray(8, 8 + n)).toString()) as { __metadata__: Record<string, string> };
    header.__metadata__ = { ...header.__metadata__, ...change };
    const head = Buffer.from(JSON.stringify(header));
    return Buffer.concat([Buffer.from(new BigUint64Array([BigInt(head.length)]).buffer), head, valid.subarray(8 + n)]);
  }

  it('reads the valid one', () => {
    expect(decodeCheckpoint(valid, 'c').rngState).toEqual(rngState);
  });

  it('a config claiming 10^9 hidden neurons fails fast, without allocating them (was: RangeError: Invalid typed array length)', () => {
    const huge = { ...config, snn: { ...(config as { snn: object }).snn, layers: [4, 1e9, 2] } };
    const started = performance.now();
    const e = typedError(() => decodeCheckpoint(withMetadata({ config: JSON.stringify(huge) }), 'run/c'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toMatch(/^run\/c: its config \(snn \[4,1000000000,2\], batch 2\) and 0 training \/ 0 validation \/ 0 test rows need at least 36,000,000,024 bytes of arrays, the file holds \d+$/);
  });

  it('an energy-ANN checkpoint claiming 2^40 rows (was: RangeError)', () => {
    const ann = resolveRunConfig({ task: 'mnist', model: 'ann', epochs: 1, batchSize: 2, ann: { layers: [4, 3, 2] } });
    const annRows = { train: 3, validation: 0, test: 1 };
    const m = createModel(ann, RandomStream.fromSeed(1), annRows);
    const bytes = encodeCheckpoint({ epoch: 0, config: ann, model: m, rngState, history: [], rows: { ...annRows, train: 2 ** 40 } });
    expect(typedError(() => decodeCheckpoint(bytes, 'a')).message).toMatch(/need at least .* bytes of arrays/);
  });

  it('a random stream state that RandomStream cannot restore (was: accepted; resume then threw a plain Error)', () => {
    expect(typedError(() => decodeCheckpoint(withMetadata({ rngState: '[1,2,3]' }), 'c')).message).toBe('c: random stream state [1,2,3] is not 4 32-bit integers (xoroshiro128+)');
    expect(typedError(() => decodeCheckpoint(withMetadata({ rngState: '[1,2,3,4294967296]' }), 'c')).message).toMatch(/is not 4 32-bit integers/);
  });

  it('history entries that are not epoch metrics (was: accepted)', () => {
    expect(typedError(() => decodeCheckpoint(withMetadata({ history: '[1]' }), 'c')).message).toBe('c: metadata "history" entry 0 is not an epoch\'s metrics (an object with an integer "epoch")');
  });

  it('metadata that is not JSON, and a config key with a line break: one line', () => {
    expect(typedError(() => decodeCheckpoint(withMetadata({ rows: '{"a":\n\n x}' }), 'c')).message).toMatch(/^c: metadata "rows" is not JSON \(/);
    const e = typedError(() => decodeCheckpoint(withMetadata({ config: JSON.stringify({ ...config, 'a\nb': 1 }) }), 'c'));
    expect(e).toBeInstanceOf(ConfigError);
  });
});
