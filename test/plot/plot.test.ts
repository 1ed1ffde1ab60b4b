/**
 * The plotting module: every chart kind renders to an SVG with its texts and a 2× PNG; figures are
 * written atomically; histograms bin in JS; diverging heat maps are centred on 0; text is measured
 * with the bundled DejaVu Sans.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { barChart, binValues, heatmap, histogram, lineChart, multiPanel, spikeRaster } from '../../src/plot/charts.js';
import { FONT_FILES, textWidth } from '../../src/plot/fonts.js';
import { PNG_SCALE, renderFigure, writeFigure, type TopLevelSpec } from '../../src/plot/render.js';

const dir = mkdtempSync(join(tmpdir(), 'selfprop-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, the first chunk after the 8-byte signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Renders a spec and checks what every figure must satisfy; returns the SVG text. */
async function renderChecked(spec: TopLevelSpec, texts: string[]): Promise<string> {
  const { svg, png } = await renderFigure(spec);
  expect(svg.trimStart().startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  for (const text of texts) expect(svg).toContain(`>${text}</text>`);
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  const height = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
  expect(width).toBeGreaterThan(100);
  expect(height).toBeGreaterThan(100);
  expect(pngSize(png)).toEqual({ width: Math.round(PNG_SCALE * width), height: Math.round(PNG_SCALE * height) });
  return svg;
}

const accuracyCurves = lineChart({
  title: 'Test accuracy',
  xTitle: 'epoch',
  yTitle: 'accuracy (%)',
  series: [
    { name: 'with SBP', points: [1, 2, 3, 4].map((x) => ({ x, y: 90 + x, std: 0.5 })) },
    { name: 'without SBP', points: [1, 2, 3, 4].map((x) => ({ x, y: 88 + x })) },
  ],
});

const deltaCells = [
  { x: 0.25, y: 'MNIST', value: -0.35 },
  { x: 0.5, y: 'MNIST', value: 1.2 },
  { x: 0.25, y: 'NETtalk', value: 0.1 },
  { x: 0.5, y: 'NETtalk', value: -0.05 },
];

describe('charts render to SVG and a 2× PNG', () => {
  it('line chart with a ±std band and a legend', async () => {
    const svg = await renderChecked(accuracyCurves, ['Test accuracy', 'epoch', 'accuracy (%)', 'with SBP', 'without SBP']);
    expect(svg).toContain('font-family="DejaVu Sans"');
    const layers = (accuracyCurves as { layer: { mark: { type: string } }[] }).layer.map((l) => l.mark.type);
    expect(layers).toEqual(['errorband', 'line']);
  });

  it('line chart without any std has no band, and a log y scale renders', async () => {
    const spec = lineChart({ title: 'Backward MACs', xTitle: 'p', yTitle: 'MACs', yScale: 'log', series: [{ name: 'SBP', points: [0, 0.5, 1].map((x) => ({ x, y: 10 ** (6 - 2 * x) })) }] });
    expect((spec as { layer: unknown[] }).layer).toHaveLength(1);
    await renderChecked(spec, ['Backward MACs', 'p', 'MACs']);
  });

  it('heat map prints each cell value, with rows and columns in the given order', async () => {
    const spec = heatmap({ title: 'Delta accuracy', xTitle: 'SBP fraction p', yTitle: 'task', cells: deltaCells, valueTitle: 'delta (%)', diverging: true });
    const svg = await renderChecked(spec, ['Delta accuracy', 'SBP fraction p', 'task', 'delta (%)', '-0.35', '1.20', '0.10', '-0.05']);
    expect(svg.indexOf('>MNIST</text>')).toBeLessThan(svg.indexOf('>NETtalk</text>'));
  });

  it('diverging heat map: colour domain symmetric around 0; sequential one is not centred', () => {
    const colorScale = (spec: TopLevelSpec) => (spec as { layer: { encoding: { color: { scale: { domain?: number[]; domainMid?: number; scheme: string } } } }[] }).layer[0].encoding.color.scale;
    const diverging = colorScale(heatmap({ title: 't', xTitle: 'x', yTitle: 'y', cells: deltaCells, valueTitle: 'v', diverging: true }));
    expect(diverging.domain).toEqual([-1.2, 1.2]);
    expect(diverging.domainMid).toBe(0);
    const sequential = colorScale(heatmap({ title: 't', xTitle: 'x', yTitle: 'y', cells: deltaCells, valueTitle: 'v' }));
    expect(sequential.domain).toBeUndefined();
    expect(sequential.scheme).toBe('viridis');
  });

  it('grouped bar chart with error bars', async () => {
    const spec = barChart({
      title: 'Accuracy by task',
      yTitle: 'accuracy (%)',
      bars: [
        { group: 'MNIST', name: 'SBP', value: 97, std: 0.3 },
        { group: 'MNIST', name: 'no SBP', value: 96, std: 0.4 },
        { group: 'NETtalk', name: 'SBP', value: 80 },
        { group: 'NETtalk', name: 'no SBP', value: 78 },
      ],
    });
    const svg = await renderChecked(spec, ['Accuracy by task', 'accuracy (%)', 'MNIST', 'NETtalk', 'SBP', 'no SBP']);
    expect(svg).not.toMatch(/>[^<]*lower<\/text>/); // the error layer's field does not leak into the axis title
  });

  it('histogram: one panel per group, bin counts summing to the number of values', async () => {
    const w1 = Float32Array.from({ length: 392_000 }, (_, i) => Math.sin(i * 12.9898) * 0.1);
    const w2 = [0.5, -0.5, 0.25, 0, 0, 0.1];
    const spec = histogram({ title: 'Weights', xTitle: 'weight', groups: [{ name: 'W1', values: w1 }, { name: 'W2', values: w2 }], bins: 30 });
    const rows = (spec as { data: { values: { group: string; count: number }[] } }).data.values;
    expect(rows).toHaveLength(60);
    const total = (group: string) => rows.filter((r) => r.group === group).reduce((sum, r) => sum + r.count, 0);
    expect(total('W1')).toBe(w1.length);
    expect(total('W2')).toBe(w2.length);
    expect(JSON.stringify(spec).length).toBeLessThan(10_000);
    await renderChecked(spec, ['Weights', 'weight', 'W1', 'W2', 'count']);
  });

  it('spike raster of 50,000 spikes', async () => {
    const spikes = Array.from({ length: 50_000 }, (_, i) => ({ time: i % 100, neuron: (i * 7919) % 500 }));
    const started = performance.now();
    await renderChecked(spikeRaster({ title: 'Hidden spikes', spikes, timeTitle: 'time (ms)', neuronTitle: 'neuron' }), ['Hidden spikes', 'time (ms)', 'neuron']);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('multi-panel figure keeps each panel and drops top-level-only settings', async () => {
    const withConfig = { ...accuracyCurves, $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: { font: 'Arial' } } as TopLevelSpec;
    const spec = multiPanel([withConfig, heatmap({ title: 'Delta', xTitle: 'p', yTitle: 'task', cells: deltaCells, valueTitle: 'delta', diverging: true })], 2, 'Summary');
    expect(JSON.stringify(spec)).not.toContain('Arial');
    await renderChecked(spec, ['Summary', 'Test accuracy', 'Delta', 'with SBP', '-0.35']);
  });
});

describe('binValues', () => {
  it('puts the maximum in the last bin, skips non-finite values, widens a constant range', () => {
    const bins = binValues([0, 1, 2, 3, 4, NaN, Infinity], 4);
    expect(bins.map((b) => b.count)).toEqual([1, 1, 1, 2]);
    expect(bins[0].start).toBe(0);
    expect(bins[3].end).toBe(4);
    expect(binValues([2, 2, 2], 5).reduce((s, b) => s + b.count, 0)).toBe(3);
    expect(binValues([], 5)).toEqual([]);
  });
});

describe('writeFigure and fonts', () => {
  it('writes the SVG and the PNG, leaving no temporary file', async () => {
    const { svgPath, pngPath } = await writeFigure(join(dir, 'figures', 'accuracy'), accuracyCurves);
    expect(svgPath).toBe(join(dir, 'figures', 'accuracy.svg'));
    expect(pngPath).toBe(join(dir, 'figures', 'accuracy.png'));
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['accuracy.png', 'accuracy.svg']);
    expect(readFileSync(svgPath, 'utf8')).toContain('>Test accuracy</text>');
    expect([...readFileSync(pngPath).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('measures text with the bundled DejaVu Sans', () => {
    for (const file of FONT_FILES) expect(existsSync(file)).toBe(true);
    // DejaVu Sans advances (units per em 2048): "M" 1767, "i" 569, space 651.
    expect(textWidth('M', 2048)).toBe(1767);
    expect(textWidth('i i', 2048)).toBe(569 * 2 + 651);
    expect(textWidth('accuracy', 12, 'bold')).toBeGreaterThan(textWidth('accuracy', 12));
  });
});
