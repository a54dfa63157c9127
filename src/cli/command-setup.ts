/**
 * What every subcommand shares: output goes to the command's streams, and commander's usage
 * errors are thrown (as `CommanderError`) instead of exiting, so `main` maps them to exit code 2
 * and tests can catch them.
 */
import type { Command } from 'commander';
import type { CommandIo } from './io.js';

/** Routes commander's help/usage output to `io` and makes its errors throw. Returns `command`. */
export function setupCommand(command: Command, io: CommandIo): Command {
  return command
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride((error) => {
      throw error;
    });
}
