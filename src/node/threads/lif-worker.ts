/**
 * A LIF helper thread of a run (worker-threads.ts): loads its own kernels, says it is ready, then
 * answers every call it is sent (kernels/lif-transport.ts).
 */
import { parentPort } from 'node:worker_threads';
import { serveLifCalls } from '../../kernels/lif-transport.js';
import { NeuronKernels } from '../../kernels/neurons.js';

const port = parentPort;
if (!port) throw new Error('lif-worker.js runs as a LIF helper thread (selfprop/node lifThreads)');
serveLifCalls(new NeuronKernels(), (handler) => port.on('message', handler));
port.postMessage('ready');
