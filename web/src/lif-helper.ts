/**
 * A LIF helper thread of a training worker (worker.ts, `threads` > 1 in a cross-origin-isolated
 * page): its own kernels, answering the calls of the worker's run through shared memory (the
 * core's serveLifCalls), as a helper thread does in Node.
 */
import { NeuronKernels, serveLifCalls } from 'selfprop';

const scope = self as unknown as { postMessage(message: unknown): void; onmessage: ((event: MessageEvent) => void) | null };
try {
  serveLifCalls(new NeuronKernels(), (handler) => {
    scope.onmessage = (event) => handler(event.data);
  });
  scope.postMessage({ ready: true });
} catch (error) {
  scope.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) });
}
