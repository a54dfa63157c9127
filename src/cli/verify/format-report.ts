/**
 * The human-readable `verify` report: what the models ran on, what each was compared with (and
 * what was repaired to make that possible), the tolerances by output, one table per comparison,
 * a note for every output that did not pass, and the verdict line.
 */
import type { OutputComparison } from '../../verify/compare.js';
import { describeTolerances } from '../../verify/tolerance.js';
import { type ReferenceComparison, type VerifyReport, describeDataSource } from '../../verify/verify-rewrite.js';
import { renderTable } from '../table.js';

/** Output names listed in a tolerance line before they are counted instead. */
const NAMES_LISTED = 4;

/**
 * The report as text (ends with a newline).
 *
 * @example
 * ```ts
 * process.stdout.write(formatVerifyReport(await verifyRewrite('a.onnx', 'b.onnx')));
 * ```
 */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [inputsLine(report), ...modelLines(report)];
  const referenceLine = describeReferences(report);
  if (referenceLine) lines.push(`reference: ${referenceLine}`);
  const tolerance = toleranceLine(report);
  if (tolerance) lines.push(tolerance);
  const tables = comparisons(report);
  for (const { title, comparison } of tables) {
    lines.push('');
    if (tables.length > 1) lines.push(`${title}:`);
    lines.push(...renderTable([
      { header: 'output' }, { header: 'shape' }, { header: 'max abs', right: true }, { header: 'max rel', right: true },
      { header: 'mismatches', right: true }, { header: 'verdict' },
    ], comparison.outputs.map(outputRow)));
    for (const o of comparison.outputs.filter((x) => x.status !== 'pass' || x.dtypeDiffers)) lines.push(`  ${o.name}: ${outputNotes(o).join('; ')}`);
  }
  if (tables.length) lines.push('');
  lines.push(`verify ${report.verdict.toUpperCase()}: ${report.summary} (${(report.timings.totalMs / 1000).toFixed(1)} s)`);
  return `${lines.join('\n')}\n`;
}

function inputsLine(report: VerifyReport): string {
  const inputs = report.inputs;
  const defaults = inputs.defaulted.map((d) => `${d.dim}=${d.size}`);
  const defaulted = defaults.length ? `; ${defaults.join(', ')} by default, --shape ${inputs.defaulted[0]!.dim}=N to choose` : '';
  const from = describeDataSource(inputs);
  const where = inputs.source === 'random' ? `${from.slice(0, -1)}${defaulted})` : from;
  return `inputs: ${where}: ${inputs.tensors.map((t) => `${t.name} ${t.dtype}[${t.shape.join('x')}]`).join(', ')}`;
}

/** What onnxruntime refused and what was repaired, one line per model. */
function modelLines(report: VerifyReport): string[] {
  const lines: string[] = [];
  const { original, rewritten } = report.repairs;
  if (original?.reason) {
    lines.push(`original: onnxruntime cannot run it as is: ${refusal(original.reason)}. Verify repaired its own copy to serve as the reference: ` +
      `${original.summary} (PyTorch sampled in float32: the cast rounds each grid coordinate by at most 2^-24 relative, as every float32 GridSample does)`);
  } else if (report.originalError && !report.summary.startsWith(report.originalError)) {
    lines.push(report.originalError);
  }
  if (rewritten?.reason) lines.push(`rewritten: onnxruntime cannot run it as is either: ${refusal(rewritten.reason)}. Its copy was repaired the same way: ${rewritten.summary}`);
  return lines;
}

/** onnxruntime's refusal without the `original cannot run in onnxruntime: ` lead. */
function refusal(reason: string): string {
  return reason.replace(/^\S+ cannot run in onnxruntime: /, '');
}

function describeReferences(report: VerifyReport): string | undefined {
  if (!report.reference) return undefined;
  const expected = report.expected ? `the expected outputs, ${describeDataSource(report.expected)}` : 'the expected outputs';
  if (report.reference === 'expected') return expected;
  const original = `the original model in onnxruntime${report.repairs.original ? ' (repaired copy)' : ''}`;
  if (report.expectedComparison) return `${original}, and ${expected}`;
  // Given but left out on purpose (--reference original): say so rather than drop them silently.
  return report.expected ? `${original} only (${expected} not compared: --reference original)` : original;
}

/** `tolerance: |rewritten - reference| <= atol + rtol * |reference|: float16 defaults (rtol 0.01, atol 0.01) for memory` */
function toleranceLine(report: VerifyReport): string | undefined {
  const outputs = report.outputs.filter((o) => o.tolerances);
  if (!outputs.length) return undefined;
  const groups = new Map<string, string[]>();
  for (const o of outputs) {
    const key = describeTolerances(o.tolerances!);
    groups.set(key, [...(groups.get(key) ?? []), o.name]);
  }
  const parts = [...groups].map(([what, names]) => (groups.size === 1 && names.length > NAMES_LISTED
    ? `${what} for all ${names.length} outputs`
    : `${what} for ${names.length > NAMES_LISTED ? `${names.slice(0, NAMES_LISTED).join(', ')} and ${names.length - NAMES_LISTED} more` : names.join(', ')}`));
  return `tolerance: |rewritten - reference| <= atol + rtol * |reference|: ${parts.join('; ')}`;
}

function comparisons(report: VerifyReport): { title: string; comparison: ReferenceComparison | { outputs: OutputComparison[] } }[] {
  if (!report.outputs.length) return [];
  const first = report.reference === 'original' ? `against the original${report.repairs.original ? ' (repaired copy)' : ''}` : 'against the expected outputs';
  const tables: { title: string; comparison: ReferenceComparison | { outputs: OutputComparison[] } }[] = [{ title: first, comparison: { outputs: report.outputs } }];
  if (report.expectedComparison) tables.push({ title: 'against the expected outputs', comparison: report.expectedComparison });
  if (report.originalVsExpected && report.expectedComparison?.verdict !== 'pass') {
    tables.push({ title: 'the original against the expected outputs (for comparison)', comparison: report.originalVsExpected });
  }
  return tables;
}

function outputNotes(o: OutputComparison): string[] {
  const notes: string[] = [];
  if (o.reason) notes.push(o.reason);
  if (o.dtypeDiffers) notes.push(`dtype ${o.actual!.dtype} vs reference ${o.reference!.dtype} (compared as float64, judged as ${o.tolerances!.dtype})`);
  const w = o.stats?.worst;
  if (o.status === 'fail' && w) notes.push(`worst at [${w.index.join(',')}]: ${w.actual} vs ${w.expected}`);
  if (o.hint) notes.push(o.hint.text);
  return notes;
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
