/**
 * The bundled DejaVu Sans: the paths of its TTF files (package `dejavu-fonts-ttf`, found through
 * Node's resolver) and its advance widths, read from the font's own tables, so that vega lays out
 * text (axis and legend space, label overlap) with the widths resvg later draws. Without a canvas
 * vega would guess 0.8 em for every character, which leaves gaps and hides tick labels.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The font family of every figure. */
export const FONT_FAMILY = 'DejaVu Sans';

const fontDirectory = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The TTF files resvg loads: regular, bold (titles) and oblique. */
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((name) => join(fontDirectory, name));

/** Advance widths of one TrueType font: `width(text)` in em (kerning ignored). */
export interface AdvanceWidths {
  width(text: string): number;
}

/**
 * Reads a TrueType font's advance widths: `head` (units per em), `hhea` (number of horizontal
 * metrics), `hmtx` (advances by glyph) and the Unicode BMP `cmap` subtable (format 4, platform 3,
 * encoding 1). Characters outside the table count as the width of the missing glyph.
 */
export function readAdvanceWidths(path: string): AdvanceWidths {
  const font = readFileSync(path);
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0, n = view.getUint16(4); i < n; i++) tables.set(font.toString('latin1', 12 + 16 * i, 16 + 16 * i), view.getUint32(20 + 16 * i));
  const table = (tag: string) => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`${path}: no '${tag}' table in the font`);
    return offset;
  };
  const unitsPerEm = view.getUint16(table('head') + 18);
  const horizontalMetrics = view.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advance = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, horizontalMetrics - 1)) / unitsPerEm;

  const cmap = table('cmap');
  let segments = -1;
  for (let i = 0, n = view.getUint16(cmap + 2); i < n; i++) {
    const record = cmap + 4 + 8 * i;
    const subtable = cmap + view.getUint32(record + 4);
    if (view.getUint16(record) === 3 && view.getUint16(record + 2) === 1 && view.getUint16(subtable) === 4) segments = subtable;
  }
  if (segments < 0) throw new Error(`${path}: no Unicode BMP (format 4) cmap subtable`);
  const segCount = view.getUint16(segments + 6) / 2;
  const endCodes = segments + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;
  const glyphOf = (code: number): number => {
    for (let s = 0; s < segCount; s++) {
      if (code > view.getUint16(endCodes + 2 * s)) continue;
      const start = view.getUint16(startCodes + 2 * s);
      if (code < start) return 0;
      const rangeOffset = view.getUint16(idRangeOffsets + 2 * s);
      if (rangeOffset === 0) return (code + view.getInt16(idDeltas + 2 * s)) & 0xffff;
      const glyph = view.getUint16(idRangeOffsets + 2 * s + rangeOffset + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + view.getInt16(idDeltas + 2 * s)) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return {
    width(text: string): number {
      let em = 0;
      for (const character of text) {
        const code = character.codePointAt(0) ?? 0;
        let w = cache.get(code);
        if (w === undefined) cache.set(code, (w = advance(code > 0xffff ? 0 : glyphOf(code))));
        em += w;
      }
      return em;
    },
  };
}

let regular: AdvanceWidths | undefined;
let bold: AdvanceWidths | undefined;

/**
 * The width in pixels of `text` set in DejaVu Sans at `fontSize` px, bold when `fontWeight` is
 * "bold"/"bolder" or ≥ 600 (the signature vega's `textMetrics.width` hook needs, via the item).
 */
export function textWidth(text: string, fontSize: number, fontWeight?: string | number): number {
  const isBold = fontWeight === 'bold' || fontWeight === 'bolder' || Number(fontWeight) >= 600;
  const widths = isBold ? (bold ??= readAdvanceWidths(FONT_FILES[1])) : (regular ??= readAdvanceWidths(FONT_FILES[0]));
  return widths.width(text) * fontSize;
}
