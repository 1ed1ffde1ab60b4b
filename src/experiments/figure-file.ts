/**
 * Writing a figure file. plot/render.ts loads vega and resvg — slow to load, and vega-canvas is an
 * async module that `require` cannot load — so they are imported only when a figure is drawn:
 * selfprop/node stays quick to import and loadable with `require`.
 */
import type { TopLevelSpec } from '../plot/charts.js';

/** Render a Vega-Lite spec to PATH.svg and PATH.png. */
export async function writeFigure(path: string, spec: TopLevelSpec): Promise<void> {
  const render = await import('../plot/render.js');
  await render.writeFigure(path, spec);
}
