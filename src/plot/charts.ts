/**
 * Vega-Lite specs for the figures of experiment reports, built from plain data: pure functions, no
 * file IO. Render them with `renderFigure` / `writeFigure` (render.ts), which apply the theme
 * (font, sizes, white background). Series, groups and axis categories keep the order given.
 */
import type { TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

/** One curve of {@link lineChart}; `std` (where given) draws a shaded band of ±std around `y`. */
export interface LineSeries {
  name: string;
  points: { x: number; y: number; std?: number }[];
}

/**
 * Lines with points, one colour per series, and a shaded ±std band (errorband) for the points that
 * carry a `std` — e.g. test accuracy against epoch with and without SBP, mean ± std over seeds, or
 * accuracy (or backward MACs) against the SBP fraction p. `yScale: 'log'` for costs spanning decades.
 */
export function lineChart(options: {
  title: string;
  xTitle: string;
  yTitle: string;
  series: LineSeries[];
  yScale?: 'linear' | 'log';
  /** x takes whole numbers only (epochs): integer ticks. */
  xInteger?: boolean;
}): TopLevelSpec {
  const rows = options.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
  const bandRows = options.series.flatMap((s) =>
    s.points.flatMap((p) => (p.std === undefined ? [] : [{ series: s.name, x: p.x, lower: p.y - p.std, upper: p.y + p.std }])),
  );
  const names = options.series.map((s) => s.name);
  const log = options.yScale === 'log';
  const y = { type: 'quantitative', title: options.yTitle, scale: log ? ({ type: 'log' } as const) : { zero: false }, axis: log ? { format: '~s' } : {} } as const;
  return {
    title: options.title,
    data: { values: rows },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: { zero: false }, axis: options.xInteger ? { format: 'd', tickMinStep: 1 } : {} },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: names }, legend: { symbolOpacity: 1 } },
    },
    layer: [
      ...(bandRows.length === 0
        ? []
        : [{ data: { values: bandRows }, mark: { type: 'errorband', opacity: 0.2, borders: false }, encoding: { y: { field: 'lower', ...y }, y2: { field: 'upper' } } } as const]),
      { mark: { type: 'line', point: { size: 36, filled: true }, strokeWidth: 2 }, encoding: { y: { field: 'y', ...y } } } as const,
    ],
  };
}

/** A generous estimate of an axis title's length in px at the theme's 13 px (DejaVu Sans averages ~0.6 em). */
const titleLength = (title: string) => Math.ceil(0.65 * 13 * title.length);

/** One cell of {@link heatmap}: its column `x`, row `y` and value. */
export interface HeatmapCell {
  x: number | string;
  y: number | string;
  value: number;
}

/**
 * A grid of coloured cells with each value printed inside (white on dark cells, black on light
 * ones); columns and rows in the order they first appear in `cells`. With `diverging`, a red–blue
 * scheme centred on 0 with a domain symmetric around it (for Δ accuracy or Δ cost, SBP minus no
 * SBP); otherwise viridis. `format` is a d3-format string for the printed values (default ".2f").
 */
export function heatmap(options: {
  title: string;
  xTitle: string;
  yTitle: string;
  cells: HeatmapCell[];
  valueTitle: string;
  diverging?: boolean;
  format?: string;
}): TopLevelSpec {
  const { cells } = options;
  const xs = [...new Set(cells.map((c) => c.x))];
  const ys = [...new Set(cells.map((c) => c.y))];
  const finite = cells.map((c) => c.value).filter(Number.isFinite);
  const min = finite.length === 0 ? 0 : Math.min(...finite);
  const max = finite.length === 0 ? 1 : Math.max(...finite);
  const extent = Math.max(Math.abs(min), Math.abs(max)) || 1;
  // Where the cell colour is dark enough for white text: the ends of red–blue, the low end of viridis.
  const darkCell = (v: number) => (options.diverging ? Math.abs(v) / extent > 0.7 : (v - min) / (max - min || 1) < 0.45);
  const colorScale: { scheme: 'redblue' | 'viridis'; domain?: number[]; domainMid?: number } = options.diverging
    ? { scheme: 'redblue', domain: [-extent, extent], domainMid: 0 }
    : { scheme: 'viridis' };
  return {
    title: options.title,
    data: { values: cells.map((c) => ({ ...c, dark: darkCell(c.value) })) },
    // 56 × 34 px cells, stretched where the grid is shorter than its axis title (so titles never cross).
    width: Math.max(56 * xs.length, titleLength(options.xTitle)),
    height: Math.max(34 * ys.length, titleLength(options.yTitle)),
    encoding: {
      x: { field: 'x', type: 'ordinal', title: options.xTitle, scale: { domain: xs }, axis: { labelAngle: 0 } },
      y: { field: 'y', type: 'ordinal', title: options.yTitle, scale: { domain: ys } },
    },
    layer: [
      { mark: { type: 'rect' }, encoding: { color: { field: 'value', type: 'quantitative', title: options.valueTitle, scale: colorScale } } },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'value', type: 'quantitative', format: options.format ?? '.2f' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** One bar of {@link barChart}: bars of the same `group` stand side by side, coloured by `name`. */
export interface Bar {
  group: string;
  name: string;
  value: number;
  std?: number;
}

/**
 * Grouped bars (one cluster per `group`, one colour per `name`, offset within the cluster) with
 * ±std error bars where `std` is given — e.g. accuracy or cost per task, with and without SBP.
 */
export function barChart(options: { title: string; yTitle: string; bars: Bar[] }): TopLevelSpec {
  const { bars } = options;
  const groups = [...new Set(bars.map((b) => b.group))];
  const names = [...new Set(bars.map((b) => b.name))];
  const errorRows = bars.flatMap((b) => (b.std === undefined ? [] : [{ group: b.group, name: b.name, lower: b.value - b.std, upper: b.value + b.std }]));
  return {
    title: options.title,
    data: { values: bars.map((b) => ({ group: b.group, name: b.name, value: b.value })) },
    width: Math.max(240, groups.length * (names.length * 30 + 24)),
    height: 280,
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, scale: { domain: groups, paddingInner: 0.2 }, axis: { labelAngle: 0 } },
      xOffset: { field: 'name', type: 'nominal', scale: { domain: names, paddingInner: 0.05 } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'value', type: 'quantitative', title: options.yTitle },
          color: { field: 'name', type: 'nominal', title: null, scale: { domain: names } },
        },
      },
      ...(errorRows.length === 0
        ? []
        : [{ data: { values: errorRows }, mark: { type: 'errorbar', ticks: { size: 8 }, color: '#222' }, encoding: { y: { field: 'lower', type: 'quantitative', title: options.yTitle }, y2: { field: 'upper' } } } as const]),
    ],
  };
}

/**
 * Counts of `values` in `bins` equal-width bins over [min, max], the maximum in the last bin;
 * non-finite values are skipped; a constant sample gets the range [v − 0.5, v + 0.5].
 */
export function binValues(values: ArrayLike<number>, bins: number): { start: number; end: number; count: number }[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`binValues: bins must be a positive integer, got ${bins}`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min > max) return [];
  if (min === max) [min, max] = [min - 0.5, max + 0.5];
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  }
  return counts.map((count, b) => ({ start: min + b * width, end: b === bins - 1 ? max : min + (b + 1) * width, count }));
}

/**
 * One histogram panel per group (e.g. per weight layer), each over its own value range and with its
 * own count axis. Values are binned here (`bins`, default 40), so the spec holds only bin counts
 * however many values there are.
 */
export function histogram(options: { title: string; xTitle: string; groups: { name: string; values: ArrayLike<number> }[]; bins?: number; columns?: number }): TopLevelSpec {
  const bins = options.bins ?? 40;
  const rows = options.groups.flatMap((g) => binValues(g.values, bins).map((b) => ({ group: g.name, ...b })));
  return {
    title: options.title,
    data: { values: rows },
    columns: options.columns ?? Math.min(3, Math.max(1, options.groups.length)),
    facet: { field: 'group', type: 'nominal', title: null, sort: options.groups.map((g) => g.name) },
    spec: {
      width: 260,
      height: 180,
      mark: { type: 'bar', binSpacing: 0, color: '#4c78a8' },
      encoding: {
        x: { field: 'start', type: 'quantitative', bin: 'binned', title: options.xTitle, axis: { tickCount: 5 } },
        x2: { field: 'end' },
        y: { field: 'count', type: 'quantitative', title: 'count' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/**
 * A spike raster: one short vertical tick per spike at (time, neuron index). Handles ~50,000 spikes
 * (the tick length shrinks with the number of neurons shown).
 */
export function spikeRaster(options: { title: string; spikes: { time: number; neuron: number }[]; timeTitle: string; neuronTitle: string }): TopLevelSpec {
  let low = Infinity;
  let high = -Infinity;
  for (const s of options.spikes) {
    if (s.neuron < low) low = s.neuron;
    if (s.neuron > high) high = s.neuron;
  }
  if (low > high) [low, high] = [0, 1];
  const height = 300;
  const tickLength = Math.max(1, Math.min(10, (0.8 * height) / (high - low + 1)));
  return {
    title: options.title,
    data: { values: options.spikes.map((s) => ({ t: s.time, n: s.neuron })) },
    width: 480,
    height,
    // aria: false keeps per-spike accessibility labels out of the SVG (50,000 of them would be ~8 MB).
    mark: { type: 'tick', orient: 'vertical', size: tickLength, thickness: 1, color: '#1a1a1a', opacity: 1, aria: false },
    encoding: {
      x: { field: 't', type: 'quantitative', title: options.timeTitle, scale: { zero: false } },
      y: { field: 'n', type: 'quantitative', title: options.neuronTitle, scale: { domain: [low - 0.5, high + 0.5], nice: false, zero: false }, axis: { format: 'd', tickMinStep: 1, grid: false } },
    },
  };
}

/**
 * Several specs side by side in a grid of `columns` columns (one row when `columns` ≥ the number of
 * specs), each with its own colour scale and legend. Settings only a top-level spec may carry
 * ($schema, config, background, padding, autosize) are dropped from the panels.
 */
export function multiPanel(specs: TopLevelSpec[], columns: number, title?: string): TopLevelSpec {
  const topLevelOnly = new Set(['$schema', 'config', 'background', 'padding', 'autosize']);
  const panels = specs.map((spec) => Object.fromEntries(Object.entries(spec).filter(([key]) => !topLevelOnly.has(key))));
  return { ...(title === undefined ? {} : { title }), concat: panels, columns, resolve: { scale: { color: 'independent' } } } as TopLevelSpec;
}
