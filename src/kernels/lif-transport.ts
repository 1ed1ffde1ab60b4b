/**
 * Moving LIF slices (lif-threads.ts) between threads, for any host with workers and shared memory
 * (Node's worker_threads; a browser's Web Workers in a cross-origin-isolated page): the host makes
 * the helpers and hands over their message endpoints, this module does the rest.
 *
 * A call goes to its helper as a message; the answer comes back through shared memory, because
 * the caller is blocked (the training loop is synchronous) and a blocked thread receives no
 * messages. Per helper, one SharedArrayBuffer holds a flag (Int32 0: working, 1: answered, 2:
 * failed) and the answer: the spike count and MACs (float64), then V, g, σ̃ of the last V and the
 * stack or the drive (float32), or the error text. The caller sends a larger buffer with the call
 * when an answer would not fit, and sleeps on the flag with Atomics.wait (allowed in Node's main
 * thread and in any worker, not in a page's main thread).
 */
import { SelfpropError } from '../errors.js';
import { runLifCall, type LifCall, type LifCallResult, type LifThreads } from './lif-threads.js';
import type { NeuronKernels } from './neurons.js';

/** A helper did not answer, or failed. */
export class LifThreadError extends SelfpropError {
  override readonly exitCode = 1;
}

/** Anything a message can be posted to: a Worker, a MessagePort. */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
}

/** What the caller posts to a helper. */
interface CallMessage {
  readonly call: LifCall;
  /** A new answer buffer, when the last one is too small (or on the first call). */
  readonly answer?: SharedArrayBuffer;
}

const HEADER_BYTES = 32; // flag (int32, padded to 8), spikes, macs (float64), error length (int32)
const WORKING = 0;
const ANSWERED = 1;
const FAILED = 2;

/** Float32 values of an answer to `call`: V, g, σ̃ of the last V, then the stack or the drive. */
function answerFloats(call: LifCall): number {
  const size = call.rows * call.params.vRev.length;
  const record = call.next ? call.steps * call.rows * call.next.cols : call.stack ? call.steps * size : 0;
  return 3 * size + record;
}

/** How long a caller waits for one slice before it gives up (a slice takes milliseconds). */
export const ANSWER_TIMEOUT_MS = 10 * 60 * 1000;

interface Helper {
  readonly endpoint: MessageEndpoint;
  answer?: SharedArrayBuffer;
  call?: LifCall;
}

/** The caller's side: LifThreads over helpers that run `serveLifCalls`. */
export function sharedMemoryThreads(endpoints: readonly MessageEndpoint[]): LifThreads {
  const helpers: Helper[] = endpoints.map((endpoint) => ({ endpoint }));
  const helper = (i: number): Helper => {
    const h = helpers[i];
    if (!h) throw new RangeError(`no LIF helper thread ${i} (${helpers.length} helpers)`);
    return h;
  };
  return {
    helpers: helpers.length,
    post(i: number, call: LifCall): void {
      const h = helper(i);
      if (h.call) throw new LifThreadError(`LIF helper thread ${i} is still busy with its last call`);
      const bytes = HEADER_BYTES + 4 * answerFloats(call);
      let fresh: SharedArrayBuffer | undefined;
      if (!h.answer || h.answer.byteLength < bytes) {
        fresh = new SharedArrayBuffer(Math.max(bytes, 2 * (h.answer?.byteLength ?? 0), 4096));
        h.answer = fresh;
      }
      Atomics.store(new Int32Array(h.answer, 0, 1), 0, WORKING);
      h.call = call;
      const message: CallMessage = fresh ? { call, answer: fresh } : { call };
      h.endpoint.postMessage(message);
    },
    collect(i: number): LifCallResult {
      const h = helper(i);
      const { call, answer } = h;
      if (!call || !answer) throw new LifThreadError(`LIF helper thread ${i} was given nothing to do`);
      const flag = new Int32Array(answer, 0, 1);
      if (Atomics.wait(flag, 0, WORKING, ANSWER_TIMEOUT_MS) === 'timed-out') {
        throw new LifThreadError(`LIF helper thread ${i} did not answer within ${ANSWER_TIMEOUT_MS / 60000} minutes`);
      }
      h.call = undefined;
      if (Atomics.load(flag, 0) === FAILED) {
        const length = new Int32Array(answer, 24, 1)[0];
        throw new LifThreadError(`LIF helper thread ${i}: ${String.fromCharCode(...new Uint16Array(answer, HEADER_BYTES, length))}`);
      }
      return readAnswer(answer, call);
    },
  };
}

function readAnswer(answer: SharedArrayBuffer, call: LifCall): LifCallResult {
  const size = call.rows * call.params.vRev.length;
  const [spikes, macs] = new Float64Array(answer, 8, 2);
  const floats = new Float32Array(answer, HEADER_BYTES, answerFloats(call));
  const part = (k: number, length: number) => floats.slice(k, k + length);
  const record = floats.length - 3 * size;
  return {
    spikes,
    macs,
    v: part(0, size),
    g: part(size, size),
    final: part(2 * size, size),
    stack: !call.next && call.stack ? part(3 * size, record) : undefined,
    drive: call.next ? part(3 * size, record) : undefined,
  };
}

function writeAnswer(answer: SharedArrayBuffer, result: LifCallResult): void {
  new Float64Array(answer, 8, 2).set([result.spikes, result.macs]);
  const floats = new Float32Array(answer, HEADER_BYTES);
  let at = 0;
  for (const a of [result.v, result.g, result.final, result.stack ?? result.drive]) {
    if (!a) continue;
    floats.set(a, at);
    at += a.length;
  }
}

function writeError(answer: SharedArrayBuffer, message: string): void {
  const room = Math.floor((answer.byteLength - HEADER_BYTES) / 2);
  const text = message.slice(0, room);
  const codes = new Uint16Array(answer, HEADER_BYTES, text.length);
  for (let k = 0; k < text.length; k++) codes[k] = text.charCodeAt(k);
  new Int32Array(answer, 24, 1)[0] = text.length;
}

/**
 * The helper's side: answers every call message given to `onMessage`'s handler on `kernels`
 * (its own instance), through the shared answer buffer.
 */
export function serveLifCalls(kernels: NeuronKernels, onMessage: (handler: (message: unknown) => void) => void): void {
  let answer: SharedArrayBuffer | undefined;
  onMessage((message) => {
    const m = message as CallMessage;
    if (m.answer) answer = m.answer;
    if (!answer) return; // nothing to answer through: not a call of sharedMemoryThreads
    const flag = new Int32Array(answer, 0, 1);
    try {
      writeAnswer(answer, runLifCall(kernels, m.call));
      Atomics.store(flag, 0, ANSWERED);
    } catch (err) {
      writeError(answer, err instanceof Error ? err.message : String(err));
      Atomics.store(flag, 0, FAILED);
    }
    Atomics.notify(flag, 0);
  });
}
