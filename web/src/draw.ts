/**
 * The pictures that are not curves, on plain canvases: an input row, the §1 network's spike raster,
 * W₁'s receptive fields as tiles, and SBP's spread factors as a heat map. Each returns a one-line
 * text alternative for the canvas's aria-label.
 */
import type { FactorsView, FieldsView, RasterView } from './protocol.js';

const VIRIDIS = [
  [68, 1, 84],
  [65, 68, 135],
  [42, 120, 142],
  [34, 168, 132],
  [122, 209, 81],
  [253, 231, 37],
];

/** Viridis at t ∈ [0, 1]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** Blue (negative) – white – red (positive) at t ∈ [−1, 1]. */
function diverging(t: number): [number, number, number] {
  const x = Math.max(-1, Math.min(1, t));
  return x < 0 ? [255 + x * (255 - 33), 255 + x * (255 - 102), 255 + x * (255 - 172)] : [255 - x * (255 - 178), 255 - x * (255 - 24), 255 - x * (255 - 43)];
}

function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  return ctx;
}

/** An input row (pixels in [0, 1]) as a grey image, black ink on white. */
export function drawInput(canvas: HTMLCanvasElement, input: Float32Array, width: number, height: number, scale: number): void {
  const ctx = context(canvas, width * scale, height * scale);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(255 * (1 - Math.max(0, Math.min(1, input[i]))));
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect((i % width) * scale, Math.floor(i / width) * scale, scale, scale);
  }
}

/** Steps along x, neurons along y (hidden layers 1 px per neuron, the output 5 px), one mark per spike. */
export function drawRaster(canvas: HTMLCanvasElement, view: RasterView): string {
  const left = 48;
  const bottom = 28;
  const px = 4;
  const rowsPer = view.layers.map((n, k) => (k === view.layers.length - 1 ? Math.max(1, Math.floor(60 / n)) : n > 400 ? 1 : 2));
  const layerTop: number[] = [];
  let y = 6;
  for (let k = 1; k < view.layers.length; k++) {
    layerTop[k] = y;
    y += view.layers[k] * rowsPer[k] + 8;
  }
  const height = y + bottom;
  const width = left + view.steps * px + 10;
  const ctx = context(canvas, width, height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#333';
  ctx.textBaseline = 'middle';
  const counts = view.layers.map(() => 0);
  for (let k = 1; k < view.layers.length; k++) {
    ctx.fillStyle = '#f3f4f6';
    ctx.fillRect(left, layerTop[k], view.steps * px, view.layers[k] * rowsPer[k]);
    ctx.fillStyle = '#333';
    const name = k === view.layers.length - 1 ? 'output' : `hidden ${view.layers.length > 3 ? k : ''}`.trim();
    ctx.save();
    ctx.translate(14, layerTop[k] + (view.layers[k] * rowsPer[k]) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(`${name} (${view.layers[k]})`, 0, 0);
    ctx.restore();
  }
  ctx.fillStyle = '#111';
  const s = view.spikes;
  for (let i = 0; i < s.length; i += 3) {
    const [layer, neuron, step] = [s[i], s[i + 1], s[i + 2]];
    counts[layer]++;
    ctx.fillRect(left + (step - 1) * px, layerTop[layer] + neuron * rowsPer[layer], px - 1, rowsPer[layer]);
  }
  ctx.fillStyle = '#333';
  ctx.textAlign = 'center';
  for (let step = 0; step <= view.steps; step += 20) ctx.fillText(String(step), left + step * px, height - bottom + 10);
  ctx.fillText('time step of the feedforward phase (a)', left + (view.steps * px) / 2, height - 8);
  const parts = counts.slice(1).map((c, k) => `${c} in layer ${k + 2}`);
  return `Spike raster of held-out row ${view.row}${view.label !== undefined ? ` (digit ${view.label})` : ''}: ${s.length / 3} spikes over ${view.steps} steps, ${parts.join(', ')}`;
}

/** Columns of W₁ as tiles, each scaled to its own largest |w| (red positive, blue negative). */
export function drawFields(canvas: HTMLCanvasElement, view: FieldsView, scale = 2): string {
  const cols = Math.min(10, view.count);
  const rows = Math.ceil(view.count / cols);
  const gap = 2;
  const tw = view.width * scale;
  const th = view.height * scale;
  const ctx = context(canvas, cols * (tw + gap) - gap, rows * (th + gap) - gap);
  const n = view.width * view.height;
  const inputs = view.data.length / view.count;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let t = 0; t < view.count; t++) {
    let max = 0;
    for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(view.data[t * inputs + i]));
    const ox = (t % cols) * (tw + gap);
    const oy = Math.floor(t / cols) * (th + gap);
    for (let i = 0; i < n; i++) {
      const v = i < inputs ? view.data[t * inputs + i] : 0;
      const [r, g, b] = diverging(max > 0 ? v / max : 0);
      const x0 = ox + (i % view.width) * scale;
      const y0 = oy + Math.floor(i / view.width) * scale;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const p = 4 * ((y0 + dy) * canvas.width + x0 + dx);
          image.data[p] = r;
          image.data[p + 1] = g;
          image.data[p + 2] = b;
          image.data[p + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  return `Receptive fields: ${view.change ? 'the change since the start of the run of ' : ''}the input weights (columns of W1) of the first ${view.count} of ${view.hidden} hidden neurons, as ${view.width}×${view.height} tiles`;
}

export interface FactorRange {
  readonly matrix: string;
  readonly component: string;
  readonly per: string;
  readonly neurons: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * One strip per matrix and component, neurons along x, colour = (factor − 1) / (largest factor − 1)
 * of that matrix (viridis; every factor is ≥ 1). Returns the ranges for the table beside it.
 */
export function drawFactors(canvas: HTMLCanvasElement, view: FactorsView): { label: string; ranges: FactorRange[] } {
  const left = 64;
  const strip = 14;
  const gap = 4;
  const titleH = 18;
  const widest = Math.max(...view.matrices.flatMap((m) => [m.pre, m.post]));
  const plotW = Math.min(800, Math.max(400, widest));
  let height = 4;
  for (const m of view.matrices) height += titleH + m.components.length * (strip + gap) + 6;
  const ctx = context(canvas, left + plotW + 6, height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const ranges: FactorRange[] = [];
  let y = 4;
  for (const m of view.matrices) {
    let top = 1;
    for (const c of m.components) for (const v of c.values) if (v > top) top = v;
    ctx.fillStyle = '#111';
    ctx.fillText(`${m.name} (${m.pre} × ${m.post}); colour: factor from 1 to ${top.toFixed(4)}`, 4, y + titleH / 2);
    y += titleH;
    for (const c of m.components) {
      ctx.fillStyle = '#333';
      ctx.fillText(`${c.name} ${c.per === 'pre' ? 'pre' : 'post'}`, 4, y + strip / 2);
      const n = c.values.length;
      const image = ctx.createImageData(plotW, strip);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const v of c.values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      for (let x = 0; x < plotW; x++) {
        const v = c.values[Math.min(n - 1, Math.floor((x * n) / plotW))];
        const [r, g, b] = viridis(top > 1 ? (v - 1) / (top - 1) : 0);
        for (let yy = 0; yy < strip; yy++) {
          const p = 4 * (yy * plotW + x);
          image.data[p] = r;
          image.data[p + 1] = g;
          image.data[p + 2] = b;
          image.data[p + 3] = 255;
        }
      }
      ctx.putImageData(image, left, y);
      ranges.push({ matrix: m.name, component: c.name, per: c.per === 'pre' ? 'presynaptic' : 'postsynaptic', neurons: n, min, max, mean: sum / n });
      y += strip + gap;
    }
    y += 6;
  }
  const top = Math.max(...ranges.map((r) => r.max));
  return { label: `SBP spread factors of training batch ${view.batch}, per neuron and component; the largest is ${top.toFixed(4)}`, ranges };
}
