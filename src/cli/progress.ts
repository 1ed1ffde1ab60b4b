/** The progress bar of a training run (cli-progress, on stderr; silent when stderr is not a terminal). */
import cliProgress from 'cli-progress';
import type { ProgressInfo } from '../train/loop.js';

export class EpochProgress {
  private bar: cliProgress.SingleBar | undefined;
  private key = '';
  private started = 0;

  update(info: ProgressInfo): void {
    const key = `${info.phase}-${info.epoch}`;
    if (key !== this.key) {
      this.stop();
      this.key = key;
      this.started = performance.now();
      this.bar = new cliProgress.SingleBar(
        {
          format: `epoch ${info.epoch} ${info.phase.padEnd(5)} {bar} {value}/{total} batches | {rate} samples/s | running {score} % | eta {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(info.batches, 0, { rate: '0', score: '0.00' });
    }
    const seconds = (performance.now() - this.started) / 1000;
    this.bar?.update(info.batch, {
      rate: seconds > 0 ? Math.round(info.samples / seconds).toString() : '0',
      score: (100 * info.runningScore).toFixed(2),
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
