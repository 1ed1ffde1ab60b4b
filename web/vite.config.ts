/**
 * The playground's build: a static single-page app in web/dist/ with a relative base (it works
 * from any folder of any static host), importing the library from its source (`selfprop` →
 * src/index.ts, the browser-safe entry). web/public/ (the embedded MNIST subset and TF.js's .wasm
 * files, written by scripts/prepare-assets.mjs) is copied as it is.
 *
 * A plugin refuses any Node built-in module in the bundle: the page must not depend on one.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const web = fileURLToPath(new URL('.', import.meta.url));
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function noNodeBuiltins(): Plugin {
  const stubbed = new Set<string>();
  return {
    name: 'selfprop:no-node-builtins',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!builtins.has(source)) return null;
      // A package's "browser" field may map a built-in to nothing (Emscripten's Node branch in
      // TF.js's WASM glue, seedrandom's crypto); Vite then bundles an empty stub, not the module.
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved && resolved.id.startsWith('__vite-browser-external')) {
        stubbed.add(`${source} (from ${importer?.replace(/^.*node_modules\//, '') ?? '?'})`);
        return resolved;
      }
      this.error(`"${source}" is a Node built-in, imported by ${importer ?? 'the page'}: the playground bundle must not contain one`);
    },
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const node = [...chunk.imports, ...chunk.dynamicImports].filter((i) => builtins.has(i));
        if (node.length > 0) this.error(`${chunk.fileName} imports the Node built-in(s) ${node.join(', ')}`);
      }
      if (stubbed.size > 0) this.info(`Node built-ins mapped to empty stubs by their packages' "browser" fields: ${[...stubbed].sort().join('; ')}`);
    },
  };
}

// Cross-origin isolation for `npm run web` (and vite preview): TF.js WASM threads need SharedArrayBuffer.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: web,
  base: './',
  publicDir: 'public',
  resolve: {
    alias: [{ find: /^selfprop$/, replacement: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }],
    dedupe: ['@tensorflow/tfjs-core'],
  },
  plugins: [noNodeBuiltins()],
  worker: {
    format: 'es',
    plugins: () => [noNodeBuiltins()],
    // TF.js's threaded WASM backend starts its pthreads from the source text of its Emscripten
    // factory (Function.prototype.toString): compression would fold that text's
    // `typeof _scriptDir !== "undefined" && _scriptDir` guard into a bare reference to a name that
    // only exists in the bundle. Mangling alone keeps the guard.
    rolldownOptions: { output: { minify: { compress: false, mangle: true } } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, headers: isolation },
});
