/**
 * The `onnx-surgeon` command line: one commander program with one subcommand per file under
 * `commands/`. Used by `main.ts` (the bin) and by `scripts/gen-docs.ts` (the CLI reference is
 * generated from these definitions, so the docs cannot drift).
 *
 * A command's module is imported only when that command runs (every one for the top-level help):
 * `fuse-msda` does not pay for verify's, inspect's or build's code at startup.
 */
import { Command, CommanderError } from 'commander';
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

type CommandFactory = (io: CommandIo) => Command;

/** Every subcommand in help order, with the import of the module that defines it. */
const COMMANDS: readonly (readonly [name: string, load: () => Promise<CommandFactory>])[] = [
  ['fuse-msda', async () => (await import('./commands/fuse-msda.js')).fuseMsdaCommand],
  ['verify', async () => (await import('./commands/verify.js')).verifyCommand],
  ['inspect', async () => (await import('./commands/inspect.js')).inspectCommand],
  ['check', async () => (await import('./commands/check.js')).checkCommand],
  ['validate', async () => (await import('./commands/validate.js')).validateCommand],
  ['convert', async () => (await import('./commands/convert.js')).convertCommand],
  ['sanitize', async () => (await import('./commands/sanitize.js')).sanitizeCommand],
  ['extract', async () => (await import('./commands/extract.js')).extractCommand],
  ['build', async () => (await import('./commands/build.js')).buildCommand],
];

/**
 * Builds the program with the subcommands named in `only` (default: all of them; a command line
 * needs only the one it names). `io` receives all output (tests pass their own streams).
 *
 * @example
 * ```ts
 * await (await createProgram()).parseAsync(process.argv);
 * ```
 */
export async function createProgram(io: CommandIo = processIo(), only?: readonly string[]): Promise<Command> {
  const program = setupCommand(new Command('onnx-surgeon'), io)
    .description('ONNX graph surgery: fuse PyTorch multi-scale deformable attention into TensorRT\'s plugin, verify, inspect, build')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(add --help for usage)');
  const wanted = COMMANDS.filter(([name]) => only === undefined || only.includes(name));
  for (const factory of await Promise.all(wanted.map(([, load]) => load()))) program.addCommand(factory(io));
  return program;
}

/**
 * The subcommands `argv` needs: the one its first word names, none for `--version`, all of them
 * otherwise (help, a typo that commander answers with a suggestion).
 */
function commandsFor(argv: readonly string[]): readonly string[] | undefined {
  const first = argv[0];
  if (first === '-V' || first === '--version') return [];
  return first !== undefined && COMMANDS.some(([name]) => name === first) ? [first] : undefined;
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
    await (await createProgram(io, commandsFor(argv))).parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportError(error, io);
  } finally {
    process.exitCode = previous;
  }
}
