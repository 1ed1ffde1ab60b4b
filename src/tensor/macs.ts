/**
 * Counts the multiply-accumulates that matrix products actually execute. Every product in the
 * engine goes through ops.ts `matMul`, which adds rows × inner × cols here, so the count is what
 * ran, not a formula. (Elementwise neuron updates are not MACs and are not counted.)
 */
export class MacCounter {
  private count = 0;
  add(macs: number): void {
    this.count += macs;
  }
  get total(): number {
    return this.count;
  }
  reset(): void {
    this.count = 0;
  }
}

/** The process-wide counter the engine reports to. */
export const macCounter = new MacCounter();
