/**
 * A sweep's worker thread: runs the cells it is sent, one at a time, and reports progress (at most
 * a few messages a second) and each cell's outcome to the parent (sweep.ts).
 */
import { parentPort } from 'node:worker_threads';
import { DataCache, runCell, type Cell } from './cell.js';

const port = parentPort;
if (!port) throw new Error('cell-worker.js runs as a worker thread of a sweep');

const cache = new DataCache();
let lastReport = 0;

port.on('message', ({ cell, root }: { cell: Cell; root: string }) => {
  runCell(cell, root, cache, (info) => {
    const now = performance.now();
    if (now - lastReport < 200 && info.batch < info.batches) return;
    lastReport = now;
    port.postMessage({ type: 'batch', id: cell.id, info });
  }).then(
    (outcome) => port.postMessage({ type: 'outcome', id: cell.id, outcome }),
    (err: unknown) => port.postMessage({ type: 'error', id: cell.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
