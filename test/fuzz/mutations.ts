/**
 * Mutations for the fuzzers: valid encodings go in, damaged ones come out. Byte mutations
 * (truncation, bit flips, insertions, deletions, duplications, header fields set to extreme
 * values), text mutations (lines duplicated, dropped, swapped or cut, fields replaced by
 * NaN-producing or huge numbers, stray separators) and JSON mutations (a value anywhere replaced,
 * a key dropped or added). Positions are drawn as fractions so one mutation fits any length, and
 * every arbitrary shrinks towards the unmutated input.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------- bytes

/** A numeric field of a binary layout that a mutation may set to an extreme value. */
export interface Field {
  readonly offset: number;
  readonly width: 1 | 2 | 4 | 8;
  readonly endian: 'be' | 'le';
}

/** Values a header field is set to: limits, sign boundaries, off-by-one. */
export const EXTREME_U32 = [0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

type ByteOp =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly count: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'field'; readonly which: number; readonly value: number | 'delta'; readonly delta: number }
  | { readonly kind: 'zero-run'; readonly at: number; readonly count: number; readonly value: number };

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
  fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: frac, value: fc.oneof(fc.constantFrom(0, 0xff, 0x0a, 0x0d, 0x23, 0x7b, 0x80), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('insert' as const), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: frac, count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: frac, count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('field' as const),
    which: fc.nat(),
    value: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EXTREME_U32) }, fc.constant('delta' as const), fc.nat({ max: 0xffffffff })),
    delta: fc.integer({ min: -3, max: 3 }),
  }),
  fc.record({ kind: fc.constant('zero-run' as const), at: frac, count: fc.integer({ min: 1, max: 32 }), value: fc.constantFrom(0, 0xff) }),
);

function readField(b: Uint8Array, f: Field): number {
  let v = 0;
  for (let i = 0; i < f.width; i++) {
    const byte = b[f.offset + (f.endian === 'be' ? i : f.width - 1 - i)] ?? 0;
    v = v * 256 + byte;
  }
  return v;
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  // Width 8: the value goes in the low 4 bytes, the high ones are 0 (or 0xff for "all ones").
  let v = value;
  const ones = f.width === 8 && value === 0xffffffff;
  for (let i = 0; i < f.width; i++) {
    const pos = f.offset + (f.endian === 'be' ? f.width - 1 - i : i);
    if (pos < b.length) b[pos] = i >= 4 ? (ones ? 0xff : 0) : v & 0xff;
    v = Math.floor(v / 256);
  }
}

function applyByteOp(input: Uint8Array, op: ByteOp, fields: readonly Field[]): Uint8Array {
  const n = input.length;
  const pos = (at: number, extra = 0) => Math.floor(at * (n + extra));
  switch (op.kind) {
    case 'truncate':
      return input.slice(0, pos(op.at));
    case 'flip': {
      if (n === 0) return input;
      const out = input.slice();
      out[pos(op.at)] ^= 1 << op.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return input;
      const out = input.slice();
      out[pos(op.at)] = op.value;
      return out;
    }
    case 'insert': {
      const p = pos(op.at, 1);
      return concat(input.subarray(0, p), op.bytes, input.subarray(p));
    }
    case 'delete': {
      const p = pos(op.at);
      return concat(input.subarray(0, p), input.subarray(p + op.count));
    }
    case 'duplicate': {
      const p = pos(op.at);
      return concat(input.subarray(0, p + op.count), input.subarray(p));
    }
    case 'append':
      return concat(input, op.bytes);
    case 'field': {
      if (fields.length === 0) return input;
      const f = fields[op.which % fields.length];
      if (f.offset + f.width > n) return input;
      const out = input.slice();
      const max = f.width >= 4 ? 0xffffffff : 2 ** (8 * f.width) - 1;
      const value = op.value === 'delta' ? readField(out, f) + op.delta : op.value;
      writeField(out, f, ((value % (max + 1)) + (max + 1)) % (max + 1));
      return out;
    }
    case 'zero-run': {
      if (n === 0) return input;
      const out = input.slice();
      out.fill(op.value, pos(op.at), pos(op.at) + op.count);
      return out;
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Valid encodings from `valid`, each damaged by 1–4 byte mutations. `fields(bytes)` lists the
 * header fields of that encoding that a mutation may set to extreme values.
 */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, fields: (bytes: Uint8Array) => readonly Field[] = () => []): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(byteOp, { minLength: 1, maxLength: 4 })).map(([bytes, ops]) => {
    const f = fields(bytes);
    return ops.reduce((b, op) => applyByteOp(b, op, f), bytes);
  });
}

/** Valid, mutated and random inputs, weighted. */
export function bytesInputs(valid: fc.Arbitrary<Uint8Array>, fields?: (bytes: Uint8Array) => readonly Field[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: valid },
    { weight: 6, arbitrary: mutatedBytes(valid, fields) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  );
}

// ---------------------------------------------------------------- text

/** Field values that break number parsing: empty, signs, overflows, NaN, exotic digits and spaces. */
export const EXTREME_TOKENS = [
  '', ' ', '\t', '0', '1', '2', '3', '-1', '-0', '+1', '00', '11', '12', '255', '256', '2147483647', '2147483648', '4294967295', '4294967296',
  '9007199254740991', '9007199254740992', '9007199254740993', '1e3', '1e309', '-1e309', 'NaN', 'Infinity', '0x10', '0b1', '1.5', '.5', '1,2',
  '\u0661', '\uff11', '\u00a0', '\ufeff', 'é', '\u2028', 'undefined', 'null', 'true', '__proto__', 'constructor', '#', '(', ')', '"', "'",
];

type TextOp =
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'drop-line'; readonly at: number }
  | { readonly kind: 'dup-line'; readonly at: number; readonly times: number }
  | { readonly kind: 'swap-lines'; readonly a: number; readonly b: number }
  | { readonly kind: 'field'; readonly line: number; readonly field: number; readonly token: string }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'case'; readonly line: number }
  | { readonly kind: 'eol'; readonly eol: string };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: frac }),
  fc.record({ kind: fc.constant('drop-line' as const), at: frac }),
  fc.record({ kind: fc.constant('dup-line' as const), at: frac, times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: frac, b: frac }),
  fc.record({ kind: fc.constant('field' as const), line: frac, field: fc.nat({ max: 6 }), token: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EXTREME_TOKENS) }, fc.string({ maxLength: 8 })) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: frac,
    text: fc.oneof(
      fc.constantFrom('\t', ',', '\n', '\r', '\r\n', ' ', '(', ')', '#', '-'.repeat(12), '\u0000', '\u00ff', '9'.repeat(400), 'x'.repeat(3000)),
      fc.string({ maxLength: 6, unit: 'binary' }),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: frac, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('case' as const), line: frac }),
  fc.record({ kind: fc.constant('eol' as const), eol: fc.constantFrom('\r\n', '\r', '\n\n') }),
);

const SEPARATORS = /(\t|,|\s+)/;

function applyTextOp(text: string, op: TextOp): string {
  const lines = () => text.split('\n');
  const lineAt = (ls: string[], at: number) => Math.min(ls.length - 1, Math.floor(at * ls.length));
  switch (op.kind) {
    case 'cut':
      return text.slice(0, Math.floor(op.at * text.length));
    case 'drop-line': {
      const ls = lines();
      ls.splice(lineAt(ls, op.at), 1);
      return ls.join('\n');
    }
    case 'dup-line': {
      const ls = lines();
      const i = lineAt(ls, op.at);
      ls.splice(i, 0, ...Array<string>(op.times).fill(ls[i]));
      return ls.join('\n');
    }
    case 'swap-lines': {
      const ls = lines();
      const i = lineAt(ls, op.a);
      const j = lineAt(ls, op.b);
      [ls[i], ls[j]] = [ls[j], ls[i]];
      return ls.join('\n');
    }
    case 'field': {
      const ls = lines();
      const i = lineAt(ls, op.line);
      const parts = ls[i].split(SEPARATORS);
      const fieldIdx = [...parts.keys()].filter((k) => k % 2 === 0);
      parts[fieldIdx[op.field % fieldIdx.length]] = op.token;
      ls[i] = parts.join('');
      return ls.join('\n');
    }
    case 'insert': {
      const p = Math.floor(op.at * (text.length + 1));
      return text.slice(0, p) + op.text + text.slice(p);
    }
    case 'delete': {
      const p = Math.floor(op.at * text.length);
      return text.slice(0, p) + text.slice(p + op.count);
    }
    case 'case': {
      const ls = lines();
      const i = lineAt(ls, op.line);
      ls[i] = ls[i] === ls[i].toUpperCase() ? ls[i].toLowerCase() : ls[i].toUpperCase();
      return ls.join('\n');
    }
    case 'eol':
      return text.split('\n').join(op.eol);
  }
}

/** Valid texts from `valid`, each damaged by 1–4 text mutations. */
export function mutatedText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.array(textOp, { minLength: 1, maxLength: 4 })).map(([text, ops]) => ops.reduce(applyTextOp, text));
}

/** Valid, mutated and random texts, weighted. */
export function textInputs(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: valid },
    { weight: 6, arbitrary: mutatedText(valid) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  );
}

// ---------------------------------------------------------------- JSON values

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values a JSON field is set to: wrong types, limits, huge sizes. */
export const EXTREME_JSON: Json[] = [
  null, true, false, 0, -0, 1, -1, 0.5, 2, 3, 255, 256, 100_000, 100_001, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e300, -1e300, 1e-300,
  '', '0', '1', 'NaN', 'x', 'snn', 'smlp', 'ann', 'mnist', 'nettalk', 'dvsgesture', 'F32', 'U8', 'F64', '__proto__', [], [0], [1, 2], [4, 3, 2], [4, 1e9, 2], [-1, 2], [[]], {}, { a: 1 },
];

type JsonOp =
  | { readonly kind: 'replace'; readonly at: number; readonly value: Json }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'add'; readonly at: number; readonly key: string; readonly value: Json }
  | { readonly kind: 'nudge'; readonly at: number; readonly delta: number };

const jsonLeaf: fc.Arbitrary<Json> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...EXTREME_JSON) }, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>);

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: frac, value: jsonLeaf }) },
  fc.record({ kind: fc.constant('delete' as const), at: frac }),
  fc.record({ kind: fc.constant('add' as const), at: frac, key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'bogus', 'layers', 'snn', 'train', 'dtype', 'a\nb'), fc.string({ maxLength: 5 }), fc.string({ maxLength: 5, unit: 'binary' })), value: jsonLeaf }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('nudge' as const), at: frac, delta: fc.constantFrom(-1, 1, -0.5, 1e6, 2 ** 31) }) },
);

type Path = (string | number)[];

function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) paths(value[k], [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: Path, f: (old: Json, parent: Json[] | Record<string, Json>, key: string | number) => void): Json {
  if (path.length === 0) return root;
  let node = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  f(node[path[path.length - 1]], node as Json[] | Record<string, Json>, path[path.length - 1]);
  return root;
}

function define(target: Json[] | Record<string, Json>, key: string | number, value: Json): void {
  // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it.
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

function applyJsonOp(input: Json, op: JsonOp): Json {
  const root = JSON.parse(JSON.stringify(input)) as Json; // keeps an own "__proto__" key
  const all = paths(root);
  const path = all[Math.floor(op.at * all.length)];
  switch (op.kind) {
    case 'replace':
      if (path.length === 0) return op.value;
      return setAt(root, path, (_, parent, key) => define(parent, key, op.value));
    case 'nudge':
      return setAt(root, path, (old, parent, key) => {
        if (typeof old === 'number') define(parent, key, old + op.delta);
      });
    case 'delete':
      return setAt(root, path, (_, parent, key) => {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
      });
    case 'add': {
      const target = path.length === 0 ? root : path.reduce<Json>((n, k) => (n as Record<string | number, Json>)[k], root);
      if (Array.isArray(target)) target.push(op.value);
      else if (target !== null && typeof target === 'object') define(target, op.key, op.value);
      return root;
    }
  }
}

/** Valid JSON values from `valid`, each changed by 1–3 JSON mutations. */
export function mutatedJson(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc.tuple(valid, fc.array(jsonOp, { minLength: 1, maxLength: 3 })).map(([value, ops]) => ops.reduce(applyJsonOp, value));
}
