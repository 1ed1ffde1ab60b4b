/** Every reader property, registered with `runs` cases each (see harness.ts). */
import { dvsProperties } from './properties/dvs.js';
import { idxProperties } from './properties/idx.js';
import { nettalkProperties } from './properties/nettalk.js';
import { trainProperties } from './properties/train.js';

export function allReaderProperties(runs: number): void {
  idxProperties(runs);
  nettalkProperties(runs);
  trainProperties(runs);
  dvsProperties(runs);
}
