/**
 * The `selfprop` command. The CLI only parses, validates and calls the library; every error a user
 * can cause is a SelfpropError, printed on one line with a non-zero exit code (never a stack trace).
 */
import { Command, CommanderError } from 'commander';
import { SelfpropError } from '../errors.js';
import { registerDataCommands } from './data-command.js';
import { registerExperimentCommands, registerReproduceCommands } from './experiment-commands.js';
import { registerTrainCommands } from './train-command.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('selfprop')
    .description('Self-backpropagation (SBP) for spiking and artificial neural networks (Zhang et al., Sci. Adv. 2021)')
    .version('0.1.0')
    .exitOverride();
  registerTrainCommands(program);
  registerExperimentCommands(program);
  registerReproduceCommands(program);
  registerDataCommands(program);
  return program;
}

/** Run the CLI on arguments (without `node selfprop`); resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed it
    if (err instanceof SelfpropError) {
      console.error(`selfprop: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

