/**
 * The WebAssembly kernels: AssemblyScript sources in ./assembly (one module per file), compiled by
 * `npm run build` and embedded in this package as bytes (scripts/build-kernels.mjs), so that they load the same way in
 * Node, in a browser page or a Web Worker, and through a bundler: nothing is read from a file
 * system and nothing is fetched. A module is compiled once, on first use, and each model makes its
 * own instance (its own memory) from it.
 *
 * When the kernels cannot load (a host without WebAssembly SIMD), `kernelModule` throws a
 * `KernelUnavailableError` that says why; nothing falls back silently. A run that asks for the
 * JS loops (`kernels: "js"`) never loads them.
 */
import { decodeBase64 } from '../encoding.js';
import { SelfpropError } from '../errors.js';
import { EMBEDDED_KERNELS } from './generated/index.js';

/** A kernel module: the name of its file in ./assembly. */
export type KernelName = keyof typeof EMBEDDED_KERNELS;

const EMBEDDED: Readonly<Record<KernelName, string>> = EMBEDDED_KERNELS;

/** The WebAssembly kernels cannot be compiled or instantiated here. */
export class KernelUnavailableError extends SelfpropError {
  override readonly exitCode = 2;
}

const compiled = new Map<KernelName, WebAssembly.Module>();

function unavailable(name: KernelName, error: unknown): KernelUnavailableError {
  const why = error instanceof Error ? error.message : String(error);
  return new KernelUnavailableError(
    `the WebAssembly "${name}" kernels cannot load here (${why}); they need WebAssembly with SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+); run with kernels "js" (--kernels js) for the JS loops`,
  );
}

/** The compiled module of a kernel set (compiled synchronously on first use, then cached). */
export function kernelModule(name: KernelName): WebAssembly.Module {
  let module = compiled.get(name);
  if (!module) {
    if (typeof WebAssembly === 'undefined') throw unavailable(name, new Error('no WebAssembly in this host'));
    try {
      module = new WebAssembly.Module(decodeBase64(EMBEDDED[name]));
    } catch (error) {
      throw unavailable(name, error);
    }
    compiled.set(name, module);
  }
  return module;
}

/**
 * Compile every kernel set asynchronously, ahead of use: for a browser page's main thread, where
 * engines limit synchronous compilation. Resolves when `kernelModule` can answer at once.
 */
export async function compileKernels(): Promise<void> {
  for (const name of Object.keys(EMBEDDED) as KernelName[]) {
    if (compiled.has(name)) continue;
    try {
      compiled.set(name, await WebAssembly.compile(decodeBase64(EMBEDDED[name]) as Uint8Array<ArrayBuffer>));
    } catch (error) {
      throw unavailable(name, error);
    }
  }
}

/** An instance of a kernel set with its own memory (no imports). */
export function instantiateKernels<T>(name: KernelName): T {
  const module = kernelModule(name);
  try {
    return new WebAssembly.Instance(module, {}).exports as unknown as T;
  } catch (error) {
    throw unavailable(name, error);
  }
}

/** Why the kernels cannot load here, or undefined when they can. */
export function kernelsUnavailable(name: KernelName): string | undefined {
  try {
    kernelModule(name);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
