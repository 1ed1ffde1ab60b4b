/**
 * Progress of a sweep. On a terminal: cli-progress bars on stderr, one for the cells and one per
 * running cell (epoch, phase, batches), with a line per finished cell above them. Without a
 * terminal (a log file, a scheduler): a line per finished epoch of each cell (its scores and
 * seconds) and the line per finished cell, on stdout.
 */
import cliProgress from 'cli-progress';
import type { Cell, CellOutcome } from '../experiments/cell.js';
import type { SweepEvents } from '../experiments/sweep.js';
import { pct, runNumbers } from '../experiments/summary.js';

export class SweepProgress implements SweepEvents {
  private readonly multi?: cliProgress.MultiBar;
  private readonly overall?: cliProgress.SingleBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private finished = 0;
  /** Without a terminal: per running cell, this epoch's scores so far and when its epoch began. */
  private readonly epochs = new Map<string, { scores: string[]; since: number }>();

  constructor(
    private readonly total: number,
    alreadyDone: number,
  ) {
    this.finished = alreadyDone;
    if (!process.stderr.isTTY) return;
    this.multi = new cliProgress.MultiBar(
      { format: '{label} {bar} {value}/{total} {unit}', hideCursor: true, fps: 4, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    this.overall = this.multi.create(total, alreadyDone, { label: 'cells'.padEnd(44), unit: 'cells' });
  }

  onCellStart(cell: Cell): void {
    if (this.multi) this.bars.set(cell.id, this.multi.create(1, 0, { label: cell.id.slice(0, 44).padEnd(44), unit: 'batches' }));
  }

  onBatch(cell: Cell, info: { phase: string; epoch: number; batch: number; batches: number; runningScore: number }): void {
    if (!this.multi) {
      this.logEpoch(cell, info);
      return;
    }
    const bar = this.bars.get(cell.id);
    if (!bar) return;
    bar.setTotal(info.batches);
    bar.update(info.batch, { label: `${cell.id.slice(0, 30)} e${info.epoch} ${info.phase}`.padEnd(44), unit: 'batches' });
  }

  /** A split's last batch adds its score; the test split's (evaluated last) ends the epoch's line. */
  private logEpoch(cell: Cell, info: { phase: string; epoch: number; batch: number; batches: number; runningScore: number }): void {
    const at = this.epochs.get(cell.id) ?? { scores: [], since: Date.now() };
    this.epochs.set(cell.id, at);
    if (info.batch !== info.batches) return;
    at.scores.push(`${info.phase} ${pct(info.runningScore)}`);
    if (info.phase !== 'test') return;
    console.log(`  ${cell.id} epoch ${info.epoch}: ${at.scores.join(', ')}, ${((Date.now() - at.since) / 1000).toFixed(0)} s`);
    this.epochs.set(cell.id, { scores: [], since: Date.now() });
  }

  onCellEnd(cell: Cell, outcome: CellOutcome): void {
    this.epochs.delete(cell.id);
    const bar = this.bars.get(cell.id);
    if (bar) this.multi?.remove(bar);
    this.bars.delete(cell.id);
    this.finished++;
    this.overall?.update(this.finished);
    const n = runNumbers(outcome);
    const what = outcome.status === 'failed' ? `FAILED: ${outcome.error}` : outcome.status === 'busy' ? 'skipped: another process is running it' : n ? `${pct(n.finalScore)} after ${n.epochs} epochs, ${outcome.seconds.toFixed(0)} s` : 'done';
    const line = `[${this.finished}/${this.total}] ${cell.id}: ${what}`;
    if (this.multi) this.multi.log(line + '\n');
    else console.log(line);
  }

  stop(): void {
    this.multi?.stop();
  }
}
