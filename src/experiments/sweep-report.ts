/**
 * Reports of the `grid` and `curve` sweeps: a Markdown file with the table and the figures (PNG and
 * SVG, drawn by src/plot from Vega-Lite specs), redrawn from whatever cells have finished.
 */
import { join } from 'node:path';
import { heatmap, lineChart, type HeatmapCell } from '../plot/charts.js';
import { writeFigure } from './figure-file.js';
import { writeFileAtomic } from '../node/files.js';
import type { Cell, CellOutcome } from './cell.js';
import { curveSummary, curveTable } from './curve.js';
import { gridSummary, gridTable } from './grid.js';

export interface WrittenReport {
  readonly markdownPath: string;
  readonly figures: string[];
  /** Finished cells / all cells. */
  readonly finished: number;
  readonly total: number;
}

function progressLine(cells: readonly Cell[], outcomes: ReadonlyMap<string, CellOutcome>): string {
  const failed = [...outcomes.values()].filter((o) => o.status === 'failed');
  const lines = [`${outcomes.size} of ${cells.length} cells finished${failed.length ? `, ${failed.length} failed (diverged)` : ''}.`];
  for (const f of failed) lines.push(`- ${f.id}: ${f.error}`);
  return lines.join('\n') + '\n';
}

/** grid.md, heat maps of Δ accuracy and Δ cost (SBP minus no SBP), and the accuracy with and without SBP. */
export async function writeGridReport(root: string, cells: readonly Cell[], outcomes: ReadonlyMap<string, CellOutcome>): Promise<WrittenReport> {
  const rows = gridSummary(cells, outcomes);
  const task = String(cells[0]?.labels.task ?? '');
  const figures: string[] = [];
  const map = async (name: string, title: string, valueTitle: string, value: (r: (typeof rows)[number]) => number, diverging: boolean, format: string) => {
    const heat: HeatmapCell[] = rows.map((r) => ({ x: r.wake, y: r.sleep, value: value(r) }));
    if (heat.length === 0) return;
    await writeFigure(join(root, 'figures', name), heatmap({ title, xTitle: 'N_w (wake / nudged iterations)', yTitle: 'N_s (sleep / free iterations)', valueTitle, cells: heat, diverging, format }));
    figures.push(`figures/${name}.png`);
  };
  await map('delta-accuracy', `Δ accuracy, SBP minus no SBP (points), ${task}`, 'Δ accuracy', (r) => 100 * r.deltaAccuracy.mean, true, '+.2f');
  await map('delta-cost', `Δ §4 cost, SBP vs no SBP (%), ${task}`, 'Δ cost %', (r) => 100 * r.deltaPaperCost.mean, true, '+.0f');
  await map('delta-executed-cost', `Δ executed-MAC cost, SBP vs no SBP (%), ${task}`, 'Δ cost %', (r) => 100 * r.deltaExecutedCost.mean, true, '+.0f');
  await map('accuracy-sbp-on', `accuracy with SBP (%), ${task}`, 'accuracy %', (r) => 100 * r.on.mean, false, '.2f');
  await map('accuracy-sbp-off', `accuracy without SBP (%), ${task}`, 'accuracy %', (r) => 100 * r.off.mean, false, '.2f');
  const md = [
    `# Energy ANN sleep/wake grid (${task})`,
    '',
    progressLine(cells, outcomes),
    'Accuracy: the last epoch, on the validation rows when the run held some out (§2: the last 10,000 MNIST training images), else the test rows; mean ± std over seeds. ' +
      'Δ §4 cost: the paper\'s cost (operations per sample × epochs to reach 5 error thresholds spread over the range both runs reach) with SBP relative to without, same seed; ' +
      'the executed-MAC cost uses the multiply-accumulates actually executed per training sample, which grow with N_s and N_w.',
    '',
    gridTable(rows),
    ...figures.map((f) => `![${f}](${f})`),
    '',
  ].join('\n');
  const markdownPath = join(root, 'grid.md');
  writeFileAtomic(markdownPath, md);
  return { markdownPath, figures, finished: outcomes.size, total: cells.length };
}

/** curve.md and the accuracy and backward-MAC curves against p. */
export async function writeCurveReport(root: string, cells: readonly Cell[], outcomes: ReadonlyMap<string, CellOutcome>): Promise<WrittenReport> {
  const rows = curveSummary(cells, outcomes);
  const task = String(cells[0]?.labels.task ?? '');
  const figures: string[] = [];
  if (rows.length > 0) {
    await writeFigure(
      join(root, 'figures', 'accuracy-vs-p'),
      lineChart({ title: `spiking MLP accuracy against the SBP fraction p (${task})`, xTitle: 'p (fraction of batches whose hidden layers learn by SBP)', yTitle: 'accuracy (%)', series: [{ name: 'accuracy', points: rows.map((r) => ({ x: r.p, y: 100 * r.accuracy.mean, std: 100 * r.accuracy.std })) }] }),
    );
    await writeFigure(
      join(root, 'figures', 'backward-macs-vs-p'),
      lineChart({
        title: `backward work per training sample (${task})`,
        xTitle: 'p (SBP fraction)',
        yTitle: 'per sample',
        series: [
          { name: 'operations executed', points: rows.map((r) => ({ x: r.p, y: r.backwardOpsPerSample.mean })) },
          { name: 'dense-equivalent MACs', points: rows.map((r) => ({ x: r.p, y: r.backwardMacsPerSample.mean })) },
        ],
      }),
    );
    figures.push('figures/accuracy-vs-p.png', 'figures/backward-macs-vs-p.png');
  }
  const md = [
    `# Spiking MLP replacement curve (${task})`,
    '',
    progressLine(cells, outcomes),
    'Accuracy: the last epoch on the test rows, mean ± std over seeds. Backward MACs: the multiply-accumulates of the backward pass actually executed per training sample; in an SBP batch the backward pass through the output weights into the hidden layers is not run at all.',
    '',
    curveTable(rows),
    ...figures.map((f) => `![${f}](${f})`),
    '',
  ].join('\n');
  const markdownPath = join(root, 'curve.md');
  writeFileAtomic(markdownPath, md);
  return { markdownPath, figures, finished: outcomes.size, total: cells.length };
}
