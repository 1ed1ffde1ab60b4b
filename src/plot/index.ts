/**
 * selfprop/plot: figures as Vega-Lite specs (charts.ts), rendered to SVG by vega and to PNG by
 * resvg with the bundled DejaVu Sans (render.ts). Node only.
 */
export { renderFigure, writeFigure } from './render.js';
export * as charts from './charts.js';
export type { TopLevelSpec } from './charts.js';
