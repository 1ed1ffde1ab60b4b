#!/usr/bin/env node
/** The `selfprop` executable: runs the CLI and sets the exit code (see `selfprop train --help`). */
import { runCli } from './program.js';

// A closed pipe (`selfprop … | head`) ends the output quietly.
for (const stream of [process.stdout, process.stderr]) stream.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : undefined));
// Ctrl-C / a scheduler's SIGTERM: exit through process.exit, so that run directories are unlocked.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.on(signal, () => process.exit(code));

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`selfprop: internal error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.SELFPROP_DEBUG) console.error(err);
    process.exitCode = 70;
  },
);
