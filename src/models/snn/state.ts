/**
 * The persistent state of the §1 network, per non-input layer and batch row: membrane voltage V,
 * synaptic conductance g, particles p (the last free state, §1.2b), and the STP variables
 * (§1.4). All start at 0 (STP at u0, x0, J0). In the paper-exact mode it carries over from batch
 * to batch and from training into testing (§1.6).
 */
import { stpInitialState, type StpState } from '../../neurons/stp.js';
import type { SnnConfig } from './config.js';

export interface LayerState {
  readonly v: Float32Array;
  readonly g: Float32Array;
  readonly particles: Float32Array;
  readonly stp?: StpState;
}

export interface SnnState {
  /** Rows per batch the state was made for. */
  readonly batchSize: number;
  /** layers[k] for k ≥ 1; layers[0] (input) is unused and empty. */
  readonly layers: LayerState[];
}

export function initState(config: SnnConfig, batchSize: number): SnnState {
  const layers = config.layers.map((n, k): LayerState => {
    const size = k === 0 ? 0 : batchSize * n;
    return {
      v: new Float32Array(size),
      g: new Float32Array(size),
      particles: new Float32Array(size),
      stp: config.stp.enabled ? stpInitialState(size, config.stp) : undefined,
    };
  });
  return { batchSize, layers };
}

/** Back to the initial values, in place. */
export function resetState(state: SnnState, config: SnnConfig): void {
  for (const layer of state.layers) {
    layer.v.fill(0);
    layer.g.fill(0);
    layer.particles.fill(0);
    if (layer.stp) {
      layer.stp.u.fill(config.stp.u0);
      layer.stp.x.fill(config.stp.x0);
      layer.stp.j.fill(config.stp.j0);
    }
  }
}
