/**
 * The `onnx-surgeon` command line: one commander program with one subcommand per file under
 * `commands/`. Used by `main.ts` (the bin) and by `scripts/gen-docs.ts` (the CLI reference is
 * generated from these definitions, so the docs cannot drift).
 */
import { Command, CommanderError } from 'commander';
import { buildCommand } from './commands/build.js';
import { convertCommand } from './commands/convert.js';
import { fuseMsdaCommand } from './commands/fuse-msda.js';
import { inspectCommand } from './commands/inspect.js';
import { validateCommand } from './commands/validate.js';
import { verifyCommand } from './commands/verify.js';
import { setupCommand } from './command-setup.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { type CommandIo, processIo } from './io.js';
import { reportError } from './report-error.js';
import { packageVersion } from './version.js';

const EXAMPLES = `
Quick start:
  onnx-surgeon fuse-msda model.onnx -o model.fused.onnx
  onnx-surgeon verify model.onnx model.fused.onnx
  onnx-surgeon build model.fused.onnx -o model.engine --fp16

Run 'onnx-surgeon <command> --help' for a command's options and examples.
Set ONNX_SURGEON_DEBUG=1 to get stack traces with errors.

${EXIT_CODES_HELP}
`;

/**
 * Builds the whole program. `io` receives all output (tests pass their own streams).
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(process.argv);
 * ```
 */
export function createProgram(io: CommandIo = processIo()): Command {
  const program = setupCommand(new Command('onnx-surgeon'), io)
    .description('ONNX graph surgery: fuse PyTorch multi-scale deformable attention into TensorRT\'s plugin, verify, inspect, build')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(add --help for usage)');
  for (const command of [fuseMsdaCommand(io), verifyCommand(io), inspectCommand(io), validateCommand(io), convertCommand(io), buildCommand(io)]) {
    program.addCommand(command);
  }
  return program;
}

/**
 * Runs the command line `argv` (user arguments only, without `node` and the script) and returns
 * the exit code instead of exiting: commander's usage errors become 2, `--help`/`--version` 0,
 * unexpected exceptions 70 with one line on `io.stderr`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  // Commands report their status through process.exitCode (commander's actions return nothing).
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportError(error, io);
  } finally {
    process.exitCode = previous;
  }
}
