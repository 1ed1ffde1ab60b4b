/** LIF parameters for n neurons, excitatory and inhibitory mixed (Dale's law): per-neuron V_rev, τ_syn, g_leak. */
import type { LifParams } from '../../src/neurons/lif.js';

export function mixedLifParams(n: number): LifParams {
  return {
    dtMs: 0.1, tauMMs: 10, vLeak: 0, vTh: 0.05, vReset: -0.5,
    vRev: Float32Array.from({ length: n }, (_, j) => (j % 3 === 0 ? 0.1 : 0.2)),
    tauSynMs: Float32Array.from({ length: n }, (_, j) => (j % 2 ? 2 : 3)),
    gLeak: Float32Array.from({ length: n }, (_, j) => (j % 2 ? 5 : 4)),
  };
}
