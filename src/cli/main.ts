#!/usr/bin/env node
/** The `selfprop` executable: runs the CLI and sets the exit code. */
import { runCli } from './program.js';

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
