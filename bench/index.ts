/**
 * `npm run bench -- [family] [options]`: the benchmarks of the model families, one thread. The first
 * argument, when it names a family, picks its bench (bench/<family>.ts, loaded on demand); without
 * one it is the SNN bench (bench/snn.ts), whose default is the paper's MNIST network.
 *
 *   npm run bench -- [snn] [--task mnist|nettalk] [--json] …   (see bench/snn.ts)
 *   npm run bench -- ann …  /  npm run bench -- smlp …          (bench/ann.ts, bench/smlp.ts)
 *
 * A family's bench module exports `run(args: string[]): Promise<void>`, or `bench<Family>(args)`
 * returning a result that `format<Family>Bench(result)` prints (JSON with --json).
 */
const FAMILIES = ['snn', 'ann', 'smlp'] as const;
type Family = (typeof FAMILIES)[number];

type BenchModule = Record<string, unknown> & { run?: (args: string[]) => Promise<void> };

const argv = process.argv.slice(2);
const family: Family = (FAMILIES as readonly string[]).includes(argv[0] ?? '') ? (argv.shift() as Family) : 'snn';
let bench: BenchModule;
try {
  bench = (await import(`./${family}.js`)) as BenchModule;
} catch (error) {
  console.error(`selfprop bench: no bench for the ${family} family here (${(error as Error).message})`);
  process.exit(2);
}
try {
  if (typeof bench.run === 'function') await bench.run(argv);
  else {
    const name = family[0].toUpperCase() + family.slice(1);
    const measure = bench[`bench${name}`] as ((args: string[]) => Promise<unknown>) | undefined;
    const format = bench[`format${name}Bench`] as ((result: unknown) => string) | undefined;
    if (typeof measure !== 'function') throw new Error(`bench/${family}.ts exports neither run(args) nor bench${name}(args)`);
    const result = await measure(argv);
    console.log(argv.includes('--json') || typeof format !== 'function' ? JSON.stringify(result) : format(result));
  }
} catch (error) {
  console.error(`selfprop bench ${family}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
