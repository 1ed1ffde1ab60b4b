/**
 * Figures: a Vega-Lite spec → Vega → SVG (vega's headless View) → PNG (resvg), in Node, with no
 * system fonts and no network. Text is set in the bundled DejaVu Sans (package `dejavu-fonts-ttf`),
 * which resvg loads from its TTF files, so a PNG drawn on a bare machine shows the same glyphs as
 * anywhere else. Only src/plot imports vega, vega-lite and resvg.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../node/files.js';
import { FONT_FAMILY, FONT_FILES, textWidth } from './fonts.js';

export type { TopLevelSpec } from 'vega-lite';
export { FONT_FAMILY } from './fonts.js';

/** PNG pixels per SVG pixel. */
export const PNG_SCALE = 2;

// Vega measures text through `textMetrics.width`, which a headless host may replace (vega-scenegraph
// expects a user-defined one, as vl-convert installs); vega's typings omit it. Installed once, on
// import: text is measured with DejaVu Sans's own advance widths.
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: { fontSize?: number; fontWeight?: string | number }, text: unknown) => number } };
textMetrics.width = (item, text) => textWidth(text == null ? '' : String(text).trim(), item.fontSize ?? 11, item.fontWeight);

const axis = { labelFontSize: 12, labelLimit: 320, maxExtent: 360, titleFontSize: 13, titleFontWeight: 'normal', titlePadding: 8, gridColor: '#e6e6e6', domainColor: '#444', tickColor: '#444', labelColor: '#222', titleColor: '#111' } as const;

/**
 * The figure theme, merged under each spec's own `config`: white background, DejaVu Sans,
 * 12–15 px text, 420 × 280 px plots, ASCII minus signs (so SVG text is searchable as typed).
 */
export const THEME: Config = {
  background: 'white',
  padding: 12,
  font: FONT_FAMILY,
  title: { fontSize: 15, fontWeight: 'bold', subtitleFontSize: 12, offset: 10, color: '#111' },
  axis,
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', symbolSize: 90, labelLimit: 320 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  text: { fontSize: 12 },
  view: { continuousWidth: 420, continuousHeight: 280, stroke: '#bbb' },
  range: { category: { scheme: 'tableau10' } },
  locale: { number: { decimal: '.', thousands: ',', grouping: [3], currency: ['', ''], minus: '-' } },
};

/**
 * Renders a Vega-Lite spec with the figure theme: the SVG text, and a PNG at {@link PNG_SCALE}×
 * the SVG's pixel size (white background, text drawn with the bundled DejaVu Sans).
 */
export async function renderFigure(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const { spec: vegaSpec } = compile(spec, { config: THEME });
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      background: 'white',
      font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    }).render().asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}

/**
 * Renders a spec and writes `<path>.svg` and `<path>.png`, each atomically (temporary file,
 * fsync, rename), creating the folder if needed. Returns the two paths.
 */
export async function writeFigure(pathWithoutExtension: string, spec: TopLevelSpec): Promise<{ svgPath: string; pngPath: string }> {
  const { svg, png } = await renderFigure(spec);
  const svgPath = `${pathWithoutExtension}.svg`;
  const pngPath = `${pathWithoutExtension}.png`;
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(pngPath, png);
  return { svgPath, pngPath };
}
