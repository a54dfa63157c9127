/**
 * `onnx-surgeon verify ORIGINAL REWRITTEN`: argument parsing and printing around
 * {@link verifyRewrite}. Exit codes: 0 every output within tolerance, 1 a mismatch (numbers,
 * shapes, or the rewritten model does not run), 2 nothing could be verified (no reference, an
 * output on one side only) or a usage/IO error, 3 onnxruntime-node is not installed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { type ReferenceChoice, type VerifyOptions, type VerifyReport, verifyRewrite } from '../../verify/index.js';
import { ONNXRUNTIME_INSTALL_COMMAND } from '../../verify/onnxruntime.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { collect } from '../option-values.js';
import { reportError } from '../report-error.js';
import { shapeBindings } from '../shape-args.js';
import { formatVerifyReport } from '../verify/format-report.js';

export { formatVerifyReport } from '../verify/format-report.js';

/** Parsed options of `verify`, as commander hands them over (see {@link VerifyOptions}). */
export interface VerifyCliOptions {
  /** `--inputs`: a folder of `<input>.npy`, an `.npz`, an ONNX test data set, a Polygraphy JSON file. */
  inputs?: string;
  /** `--expected`: the same forms, for the expected outputs. */
  expected?: string;
  /** `--reference`: auto (default), original or expected. */
  reference?: ReferenceChoice;
  /** `--seed` of random inputs. */
  seed?: number;
  /** `--shape` bindings as given (`batch=2`, `x=1x3x64x64`, `x:1x3x64x64`). */
  shape?: string[];
  /** `--shapes`, build's spelling of `--shape` (accepted, not listed in the help). */
  shapes?: string[];
  /** `--rtol`. */
  rtol?: number;
  /** `--atol`. */
  atol?: number;
  /** `--nan-equal`. */
  nanEqual?: boolean;
  /** `--no-repair` sets this false. */
  repair?: boolean;
  /** `--json`: the report as JSON on stdout. */
  json?: boolean;
  /** `--quiet`: nothing on a pass, one line on stderr otherwise. */
  quiet?: boolean;
}

const EXAMPLES = `
Examples:
  # random inputs (seed 0), compared with the original in onnxruntime
  onnx-surgeon verify detr.onnx detr.fused.onnx

  # real inputs and goldens: compared with the original and with the goldens
  onnx-surgeon verify detr.onnx detr.fused.onnx --inputs inputs/ --expected outputs.npz

  # ONNX test data, or Polygraphy's saved data (polygraphy run --save-inputs/--save-outputs)
  onnx-surgeon verify m.onnx m.fused.onnx --inputs test_data_set_0 --expected test_data_set_0
  onnx-surgeon verify m.onnx m.fused.onnx --inputs inputs.json --expected outputs.json

  # dynamic dims: size a symbolic dim, or give a whole input (= or :); a batch dim defaults to 2
  onnx-surgeon verify enc.onnx enc.fused.onnx --shape h0=32 --shape w0=32 --shape feat1:2x64x16x16 --seed 7

  # tolerances for every output, JSON for scripts
  onnx-surgeon verify m.onnx m.fused.onnx --rtol 1e-3 --atol 1e-4 --json | jq '.outputs[].stats.maxAbsError'

Both models run on CPU in onnxruntime; plugin nodes (MultiscaleDeformableAttnPlugin_TRT) are expanded
into standard ONNX ops first, so TensorRT is not needed. An element passes when
|rewritten - reference| <= atol + rtol * |reference| (numpy.allclose). Default tolerances follow each
output's element type (the coarser of its two sides): float32 and float64 rtol 1e-4 atol 1e-5,
float16 rtol 1e-2 atol 1e-2, bfloat16 4e-2, integers and bool exact; --rtol/--atol set them for
every output. A failure says which tolerance would have passed and whether an error that size is
plausible rounding for the element type. NaN never passes unless both sides are NaN and --nan-equal
is given; outputs of different shapes never pass.

Where onnxruntime cannot run the original because of float64 GridSample inputs (static TorchScript
exports), verify repairs its own copy (casts them to float32, as PyTorch computed) and says so.

Exit status for verify: 0 pass, 1 mismatch (or the rewritten model does not run), 2 nothing to compare
against, an output on one side only, or a usage/IO error, 3 onnxruntime-node is not installed (it is an
optional peer dependency: ${ONNXRUNTIME_INSTALL_COMMAND}).
${EXIT_CODES_HELP}
`;

/**
 * The `verify` subcommand, ready for `program.addCommand(verifyCommand(io))`.
 *
 * @example
 * ```ts
 * program.addCommand(verifyCommand());
 * ```
 */
export function verifyCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('verify'), io)
    .description('check numerically, on CPU (no TensorRT), that a rewritten model computes what the original does')
    .argument('<original>', 'the model before the rewrite')
    .argument('<rewritten>', 'the model after the rewrite (e.g. from fuse-msda)')
    .option('--inputs <path>', 'input data: a folder of <input>.npy, an .npz, an ONNX test_data_set_N folder, or Polygraphy --save-inputs .json (default: random)')
    .option('--expected <path>', 'expected outputs, same forms (output_N.pb, Polygraphy --save-outputs .json); compared too (needs --inputs)')
    .addOption(new Option('--reference <which>', 'auto: every reference there is (the original, the expected outputs); or only one of them').choices(['auto', 'original', 'expected']).default('auto'))
    .option('--seed <n>', 'seed of random inputs (default 0)', integer('--seed'))
    .option('--shape <name=dims>', 'shape of an input (x=1x3x64x64 or x:1x3x64x64) or size of a symbolic dim (h0=32); a batch dim defaults to 2; repeatable', collect, [])
    .addOption(new Option('--shapes <name=dims>').hideHelp().argParser(collect).default([]))
    .option('--rtol <r>', 'relative tolerance for every output (default: by element type, e.g. float32 1e-4, float16 1e-2)', tolerance('--rtol'))
    .option('--atol <a>', 'absolute tolerance for every output (default: by element type, e.g. float32 1e-5, float16 1e-2)', tolerance('--atol'))
    .option('--nan-equal', 'NaN in both outputs at the same position counts as equal')
    .option('--no-repair', 'do not repair verify\'s copy of a model onnxruntime refuses (float64 GridSample inputs)')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'print nothing on success, one line otherwise')
    .addHelpText('after', EXAMPLES)
    .action(async (original: string, rewritten: string, options: VerifyCliOptions) => {
      process.exitCode = await runVerifyCommand(original, rewritten, options, io);
    });
}

/**
 * Runs `verify` with parsed options; prints the report (table or JSON) and returns the exit code
 * (exported for tests).
 *
 * @example
 * ```ts
 * const code = await runVerifyCommand('m.onnx', 'm.fused.onnx', { seed: 1 }, processIo()); // 0, 1 or 2
 * ```
 */
export async function runVerifyCommand(original: string, rewritten: string, options: VerifyCliOptions, io: CommandIo): Promise<number> {
  let report: VerifyReport;
  try {
    const shapes = shapeBindings([...(options.shape ?? []), ...(options.shapes ?? [])]);
    const verifyOptions: VerifyOptions = {
      ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
      ...(options.expected !== undefined ? { expected: options.expected } : {}),
      ...(options.reference !== undefined ? { reference: options.reference } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(Object.keys(shapes).length ? { shapes } : {}),
      ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
      ...(options.atol !== undefined ? { atol: options.atol } : {}),
      ...(options.nanEqual ? { nanEqual: true } : {}),
      ...(options.repair === false ? { repair: false } : {}),
    };
    report = await verifyRewrite(original, rewritten, verifyOptions);
  } catch (error) {
    const code = reportError(error, io);
    if (options.json) io.stdout.write(`${JSON.stringify({ verdict: 'error', exitCode: code, message: error instanceof Error ? error.message : String(error) })}\n`);
    return code;
  }
  const exitCode = exitCodeForVerdict(report.verdict);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ original, rewritten, exitCode, ...report }, jsonNumbers, 2)}\n`);
  } else if (options.quiet) {
    if (report.verdict !== 'pass') io.stderr.write(`verify ${report.verdict}: ${report.summary}\n`);
  } else {
    io.stdout.write(formatVerifyReport(report));
  }
  return exitCode;
}

/** 0 for pass, 1 for fail, 2 for error. */
export function exitCodeForVerdict(verdict: VerifyReport['verdict']): number {
  return verdict === 'pass' ? EXIT.ok : verdict === 'fail' ? EXIT.checkFailed : EXIT.usage;
}

/** JSON has no NaN or Infinity: write them as strings rather than as a misleading null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function integer(flag: string): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${flag} needs an integer, got '${value}'`);
    return Number(value);
  };
}

function tolerance(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} needs a number >= 0, got '${value}'`);
    return n;
  };
}
