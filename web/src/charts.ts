/**
 * The live curves, drawn with uPlot: training accuracy (a window of the last samples) and the
 * held-out score after every epoch; the batch measures (SNN and energy ANN: energy E on the left
 * axis, cost C on the right; spiking MLP: its loss). One x axis: training batches of the run.
 * Runs side by side (SBP vs symmetric STDP) share the axes, one colour each.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesData {
  label: string;
  accuracy: (number | null)[];
  heldOut: (number | null)[];
  measures: Record<string, (number | null)[]>;
}

const COLOURS = ['#1f5fad', '#c2410c'];

function width(el: HTMLElement): number {
  return Math.max(280, Math.min(760, el.clientWidth || 600));
}

export class Charts {
  private accuracy?: uPlot;
  private measures?: uPlot;
  private measureNames: string[] = [];
  private runs: SeriesData[] = [];
  private xs: number[] = [];
  private dirty = false;

  constructor(
    private readonly accuracyEl: HTMLElement,
    private readonly measuresEl: HTMLElement,
    private readonly heldOutName: () => string,
  ) {
    window.addEventListener('resize', () => this.resize());
    const tick = () => {
      if (this.dirty) this.redraw();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Start over with these runs (labels) and the measures to plot. */
  reset(labels: string[], measureNames: string[]): void {
    this.runs = labels.map((label) => ({ label, accuracy: [], heldOut: [], measures: Object.fromEntries(measureNames.map((m) => [m, []])) }));
    this.xs = [];
    this.measureNames = measureNames;
    this.accuracy?.destroy();
    this.measures?.destroy();
    this.accuracyEl.replaceChildren();
    this.measuresEl.replaceChildren();
    const series = (name: (r: SeriesData) => string, dash?: number[], points = false): uPlot.Series[] =>
      this.runs.map((r, i) => ({
        label: name(r),
        stroke: COLOURS[i % COLOURS.length],
        width: points ? 0 : 1.5,
        ...(dash ? { dash } : {}),
        spanGaps: true,
        points: points ? { show: true, size: 8, fill: COLOURS[i % COLOURS.length] } : { show: false },
        value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)} %`),
      }));
    this.accuracy = new uPlot(
      {
        title: 'Accuracy',
        width: width(this.accuracyEl),
        height: 240,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'training batches' }, { label: 'accuracy', values: (_u, ticks) => ticks.map((t) => `${Math.round(100 * t)} %`) }],
        series: [{ label: 'batch' }, ...series((r) => `${r.label}: training (last 500 samples)`), ...series((r) => `${r.label}: ${this.heldOutName()}`, undefined, true)],
      },
      this.data('accuracy'),
      this.accuracyEl,
    );
    if (measureNames.length > 0) {
      const scales: uPlot.Scales = { x: { time: false } };
      const axes: uPlot.Axis[] = [{ label: 'training batches' }];
      measureNames.forEach((m, k) => {
        scales[m] = { auto: true };
        axes.push({ scale: m, label: LABELS[m] ?? m, side: k === 0 ? 3 : 1, grid: { show: k === 0 } });
      });
      this.measures = new uPlot(
        {
          title: measureNames.map((m) => LABELS[m] ?? m).join(' and '),
          width: width(this.measuresEl),
          height: 240,
          scales,
          axes,
          series: [
            { label: 'batch' },
            ...measureNames.flatMap((m, k) =>
              this.runs.map((r, i) => ({
                label: `${r.label}: ${LABELS[m] ?? m}`,
                scale: m,
                stroke: COLOURS[i % COLOURS.length],
                width: 1.2,
                ...(k > 0 ? { dash: [5, 4] } : {}),
                spanGaps: true,
                points: { show: false },
                value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : v.toPrecision(4)),
              })),
            ),
          ],
        },
        this.data('measures'),
        this.measuresEl,
      );
    }
  }

  /** A training batch of run `index` (1-based `batch`). */
  addBatch(index: number, batch: number, accuracy: number, measures: Readonly<Record<string, number>>): void {
    while (this.xs.length < batch) {
      this.xs.push(this.xs.length + 1);
      for (const r of this.runs) {
        r.accuracy.push(null);
        r.heldOut.push(null);
        for (const m of this.measureNames) r.measures[m].push(null);
      }
    }
    const run = this.runs[index];
    if (!run) return;
    run.accuracy[batch - 1] = accuracy;
    for (const m of this.measureNames) run.measures[m][batch - 1] = measures[m] ?? null;
    this.dirty = true;
  }

  /** The held-out score after the epoch that ended at training batch `batch`. */
  addHeldOut(index: number, batch: number, score: number): void {
    const run = this.runs[index];
    if (!run || batch < 1) return;
    while (this.xs.length < batch) this.addBatch(index, this.xs.length + 1, NaN, {});
    run.heldOut[batch - 1] = score;
    this.dirty = true;
  }

  private data(which: 'accuracy' | 'measures'): uPlot.AlignedData {
    const clean = (a: (number | null)[]) => a.map((v) => (v === null || Number.isNaN(v) ? null : v));
    if (which === 'accuracy') return [this.xs, ...this.runs.map((r) => clean(r.accuracy)), ...this.runs.map((r) => clean(r.heldOut))] as uPlot.AlignedData;
    return [this.xs, ...this.measureNames.flatMap((m) => this.runs.map((r) => clean(r.measures[m])))] as uPlot.AlignedData;
  }

  private redraw(): void {
    this.dirty = false;
    this.accuracy?.setData(this.data('accuracy'));
    this.measures?.setData(this.data('measures'));
  }

  private resize(): void {
    this.accuracy?.setSize({ width: width(this.accuracyEl), height: 240 });
    this.measures?.setSize({ width: width(this.measuresEl), height: 240 });
  }
}

const LABELS: Record<string, string> = { energy: 'energy E', cost: 'cost C', loss: 'loss' };
