/**
 * `selfprop plot DIR`: redraw the report of a sweep directory (grid, curve, reproduce: from its
 * sweep.json and the cells that have finished) or the figures of one training run (accuracy per
 * epoch, initial and trained weights per layer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { lineChart } from '../plot/charts.js';
import { writeFigure } from './figure-file.js';
import { writeFileAtomic } from '../node/files.js';
import { readRunHistory } from '../node/run-directory.js';
import { resolveRunConfig } from '../train/run-config.js';
import { writeReproduceReport } from './reproduce-report.js';
import { weightsHistogram } from './run-figures.js';
import { finishedOutcomes, readManifest } from './sweep.js';
import { writeCurveReport, writeGridReport } from './sweep-report.js';

export async function redrawFigures(dir: string): Promise<{ markdownPath: string; figures: string[] }> {
  if (existsSync(join(dir, 'sweep.json'))) {
    const { name, cells } = readManifest(dir);
    const outcomes = finishedOutcomes(dir);
    if (name === 'grid') return writeGridReport(dir, cells, outcomes);
    if (name === 'curve') return writeCurveReport(dir, cells, outcomes);
    const context = existsSync(join(dir, 'reproduce.json')) ? JSON.parse(readFileSync(join(dir, 'reproduce.json'), 'utf8')) : { scale: '?', seeds: 0, skipped: [] };
    return writeReproduceReport(dir, cells, outcomes, context);
  }
  if (!existsSync(join(dir, 'config.json'))) {
    throw new ConfigError(`${dir}: neither a sweep (sweep.json) nor a training run (config.json)`);
  }
  return redrawRun(dir);
}

async function redrawRun(dir: string): Promise<{ markdownPath: string; figures: string[] }> {
  const config = resolveRunConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), join(dir, 'config.json'), { stored: true });
  const history = await readRunHistory(dir);
  const figures: string[] = [];
  const curve = (name: string, pick: (m: (typeof history)[number]) => unknown) => ({
    name,
    points: history.flatMap((m) => (typeof pick(m) === 'number' ? [{ x: m.epoch, y: 100 * (pick(m) as number) }] : [])),
  });
  const series = [curve('train', (m) => m.trainAccuracy), curve('validation', (m) => m.validationAccuracy), curve('test', (m) => m.testAccuracy)].filter((s) => s.points.length > 0);
  await writeFigure(join(dir, 'figures', 'accuracy'), lineChart({ title: `${config.task} ${config.model}: accuracy per epoch`, xTitle: 'epoch', yTitle: 'accuracy (%)', series, xInteger: true }));
  figures.push('figures/accuracy.png');
  if (existsSync(join(dir, 'weights.json'))) {
    await writeFigure(join(dir, 'figures', 'weights'), await weightsHistogram(config, join(dir, 'weights.json'), 'weights per layer, initial and trained'));
    figures.push('figures/weights.png');
  }
  const markdownPath = join(dir, 'figures.md');
  writeFileAtomic(markdownPath, `# ${dir}\n\n${figures.map((f) => `![${f}](${f})`).join('\n\n')}\n`);
  return { markdownPath, figures };
}
