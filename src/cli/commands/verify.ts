/**
 * `onnx-surgeon verify ORIGINAL REWRITTEN`: argument parsing and printing around
 * {@link verifyRewrite}. Exit codes: 0 every output within tolerance, 1 a mismatch (numbers,
 * shapes, or the rewritten model does not run), 2 nothing could be verified (no reference, an
 * output on one side only) or a usage/IO error, 3 onnxruntime-node is not installed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { type ReferenceChoice, type ShapeBindings, type VerifyOptions, type VerifyReport, parseShapeBinding, verifyRewrite } from '../../verify/index.js';
import type { OutputComparison } from '../../verify/compare.js';
import { ONNXRUNTIME_INSTALL_COMMAND } from '../../verify/onnxruntime.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { reportError } from '../report-error.js';
import { renderTable } from '../table.js';

/** Parsed options of `verify`, as commander hands them over (see {@link VerifyOptions}). */
export interface VerifyCliOptions {
  /** `--inputs`: a folder of `<input>.npy` or an `.npz`. */
  inputs?: string;
  /** `--expected`: a folder of `<output>.npy` or an `.npz`. */
  expected?: string;
  /** `--reference`: auto (default), original or expected. */
  reference?: ReferenceChoice;
  /** `--seed` of random inputs. */
  seed?: number;
  /** `--shape` bindings as given (`batch=2`, `x=1x3x64x64`). */
  shape?: string[];
  /** `--rtol`. */
  rtol?: number;
  /** `--atol`. */
  atol?: number;
  /** `--nan-equal`. */
  nanEqual?: boolean;
  /** `--json`: the report as JSON on stdout. */
  json?: boolean;
  /** `--quiet`: nothing on a pass, one line on stderr otherwise. */
  quiet?: boolean;
}

const EXAMPLES = `
Examples:
  # random inputs (seed 0), compared with the original in onnxruntime
  onnx-surgeon verify detr.onnx detr.fused.onnx

  # real inputs; goldens are used where the original cannot run in onnxruntime
  onnx-surgeon verify detr.onnx detr.fused.onnx --inputs inputs/ --expected outputs.npz

  # dynamic dims: bind a symbolic dim, or give a whole input's shape
  onnx-surgeon verify enc.onnx enc.fused.onnx --shape batch=2 --shape feat0=2x64x32x32 --seed 7

  # looser tolerances, JSON for scripts
  onnx-surgeon verify m.onnx m.fused.onnx --rtol 1e-3 --atol 1e-4 --json | jq '.outputs[].stats.maxAbsError'

Both models run on CPU in onnxruntime; plugin nodes (MultiscaleDeformableAttnPlugin_TRT) are expanded
into standard ONNX ops first, so TensorRT is not needed. An element passes when
|rewritten - reference| <= atol + rtol * |reference| (numpy.allclose). NaN never passes unless both sides
are NaN and --nan-equal is given; outputs of different shapes never pass.

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
    .option('--inputs <dir|file.npz>', 'input data: a folder of <input>.npy or an .npz (default: random)')
    .option('--expected <dir|file.npz>', 'expected outputs, used when the original cannot run in onnxruntime (needs --inputs)')
    .addOption(new Option('--reference <which>', 'compare with the original, the expected outputs, or auto').choices(['auto', 'original', 'expected']).default('auto'))
    .option('--seed <n>', 'seed of random inputs (default 0)', integer('--seed'))
    .option('--shape <name=dims>', 'size of a symbolic dim (batch=2) or shape of an input (x=1x3x64x64); repeatable', collect, [])
    .option('--rtol <r>', 'relative tolerance (default 1e-4)', tolerance('--rtol'))
    .option('--atol <a>', 'absolute tolerance (default 1e-5)', tolerance('--atol'))
    .option('--nan-equal', 'NaN in both outputs at the same position counts as equal')
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
    const shapes: Record<string, number | number[]> = {};
    for (const spec of options.shape ?? []) {
      const [name, dims] = parseShapeBinding(spec);
      shapes[name] = dims;
    }
    const verifyOptions: VerifyOptions = {
      ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
      ...(options.expected !== undefined ? { expected: options.expected } : {}),
      ...(options.reference !== undefined ? { reference: options.reference } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(Object.keys(shapes).length ? { shapes: shapes as ShapeBindings } : {}),
      ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
      ...(options.atol !== undefined ? { atol: options.atol } : {}),
      ...(options.nanEqual ? { nanEqual: true } : {}),
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

/**
 * The human-readable report: where inputs and reference came from, one table row per output, and
 * the verdict line.
 *
 * @example
 * ```ts
 * process.stdout.write(formatVerifyReport(await verifyRewrite('a.onnx', 'b.onnx')));
 * ```
 */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  const inputs = report.inputs;
  const from = inputs.source === 'random' ? `random (seed ${inputs.seed})` : inputs.source === 'files' ? inputs.path! : 'given tensors';
  lines.push(`inputs: ${from}: ${inputs.tensors.map((t) => `${t.name} ${t.dtype}[${t.shape.join('x')}]`).join(', ')}`);
  if (report.originalError && !report.summary.startsWith(report.originalError)) lines.push(report.originalError);
  if (report.reference) lines.push(`reference: ${report.reference === 'original' ? 'the original model in onnxruntime' : 'expected outputs'}`);
  const { rtol, atol, nanEqual } = report.tolerances;
  lines.push(`tolerance: |rewritten - reference| <= ${atol} + ${rtol} * |reference|${nanEqual ? ', NaN equals NaN' : ''}`);
  if (report.outputs.length) {
    lines.push('');
    const rows = report.outputs.map(outputRow);
    lines.push(...renderTable([
      { header: 'output' }, { header: 'shape' }, { header: 'max abs', right: true }, { header: 'max rel', right: true },
      { header: 'mismatches', right: true }, { header: 'verdict' },
    ], rows));
    for (const o of report.outputs.filter((x) => x.status !== 'pass' || x.dtypeDiffers)) {
      const notes: string[] = [];
      if (o.reason) notes.push(o.reason);
      if (o.dtypeDiffers) notes.push(`dtype ${o.actual!.dtype} vs reference ${o.reference!.dtype} (compared as float64)`);
      const w = o.stats?.worst;
      if (o.status === 'fail' && w) notes.push(`worst at [${w.index.join(',')}]: ${w.actual} vs ${w.expected}`);
      lines.push(`  ${o.name}: ${notes.join('; ')}`);
    }
    lines.push('');
  }
  lines.push(`verify ${report.verdict.toUpperCase()}: ${report.summary} (${(report.timings.totalMs / 1000).toFixed(1)} s)`);
  return `${lines.join('\n')}\n`;
}

function outputRow(o: OutputComparison): string[] {
  const shape = (s?: { shape: number[] }): string => (s ? `[${s.shape.join(',')}]` : '-');
  const shapeCell = o.actual && o.reference && shape(o.actual) !== shape(o.reference)
    ? `${shape(o.actual)} vs ${shape(o.reference)}` : shape(o.actual ?? o.reference);
  const s = o.stats;
  const mismatches = s ? `${s.mismatches}/${s.elements}` : '-';
  return [o.name, shapeCell, s ? s.maxAbsError.toExponential(2) : '-', s ? s.maxRelError.toExponential(2) : '-', mismatches,
    o.status === 'error' ? (o.actual ? 'error: not in reference' : 'error: missing') : o.status];
}

/** JSON has no NaN or Infinity: write them as strings rather than as a misleading null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
