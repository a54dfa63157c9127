/**
 * Overriding the shapes of graph inputs: fixing dims (a dynamic export made static for a given
 * image size, so folding can finish the shape arithmetic) or freeing them (a static dim made
 * symbolic). The model's other declared shapes (value_info, graph outputs) were derived from
 * the old input shapes, so they are inferred again; and a model whose sizes no longer fit
 * together (a static export given another image size) is refused.
 */
import { OnnxSurgeonError } from '../../errors.js';
import { type Dim, type Graph, type Value, formatDims } from '../../ir/index.js';
import { type ShapeConflict, shapeConflicts } from '../../shape/conflicts.js';
import { type DimExpr, inferShapes } from '../../shape/index.js';
import type { InputShapeChange, InputShapeOverrides } from './report.js';

/**
 * Gives graph inputs of the main graph new shapes (see {@link InputShapeOverrides}), infers the
 * declared shapes of every other value again, and returns the inputs that changed. Names and
 * ranks are checked before anything changes (usage errors). A model the new shapes make
 * impossible to run (a Reshape to another element count, inputs that no longer broadcast) is
 * refused with a `shape` error; the graph has the new shapes then, so keep a copy if you retry.
 *
 * @example
 * ```ts
 * overrideInputShapes(model.graph, { shapes: { pixel_values: [1, 3, 800, 800] } });
 * overrideInputShapes(model.graph, { dimSizes: { batch: 1 } });
 * ```
 */
export function overrideInputShapes(graph: Graph, overrides: InputShapeOverrides): InputShapeChange[] {
  const planned = plannedShapes(graph, overrides);
  if (!planned.size) return [];
  const conflictsBefore = new Set(shapeConflicts(graph, inferShapes(graph)).map(conflictKey));
  const changes: InputShapeChange[] = [];
  for (const [input, shape] of planned) {
    const before = input.type?.shape ? [...input.type.shape] : null;
    if (before && before.length === shape.length && before.every((d, i) => d === shape[i])) continue;
    input.type = { dtype: input.type?.dtype ?? 0, shape };
    changes.push({ input: input.name, before, after: [...shape] });
  }
  if (!changes.length) return [];
  const conflict = refreshDeclaredShapes(graph, changes).find((c) => !conflictsBefore.has(conflictKey(c)));
  if (conflict) {
    // A static export computes its sizes from constants, so it runs only at the shapes it was exported for.
    throw new OnnxSurgeonError('shape', `the model cannot run with the new input shapes: ${conflict.node.opType} ${conflict.detail}`, { node: conflict.node.label });
  }
  return changes;
}

/** The new shape of every input the overrides touch, checked against the graph. */
function plannedShapes(graph: Graph, overrides: InputShapeOverrides): Map<Value, Dim[]> {
  const inputs = graph.inputs.filter((v) => !v.initializer);
  const planned = new Map<Value, Dim[]>();
  for (const [name, dims] of Object.entries(overrides.shapes ?? {})) {
    const input = inputs.find((v) => v.name === name);
    if (!input) throw new OnnxSurgeonError('usage', `no graph input named '${name}'`, { tensor: name, expected: `one of ${describeInputs(inputs)}` });
    const declared = input.type?.shape;
    if (declared && declared.length !== dims.length) {
      throw new OnnxSurgeonError('usage', `'${name}' has ${declared.length} dims, the new shape ${dims.length}`, {
        tensor: name, expected: `a shape of rank ${declared.length} (declared ${formatDims(declared)})`, found: formatDims([...dims]),
      });
    }
    planned.set(input, dims.map(checkedDim(name)));
  }
  for (const [dimName, size] of Object.entries(overrides.dimSizes ?? {})) {
    checkedDim(dimName)(size);
    const holders = inputs.filter((v) => v.type?.shape?.includes(dimName));
    if (!holders.length) {
      throw new OnnxSurgeonError('usage', `no graph input has a dim named '${dimName}'`, { expected: `an input name or a dim name of ${describeInputs(inputs)}` });
    }
    for (const input of holders) {
      const shape = planned.get(input) ?? [...input.type!.shape!];
      planned.set(input, shape.map((d) => (d === dimName ? size : d)));
    }
  }
  return planned;
}

function checkedDim(name: string): (d: number | string) => Dim {
  return (d) => {
    if (typeof d === 'number' ? Number.isInteger(d) && d >= 0 : /^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) return d;
    throw new OnnxSurgeonError('usage', `'${name}': '${d}' is not a dim`, { expected: 'a size (0, 1, 2, ...) or a symbolic name (batch, height)' });
  };
}

function describeInputs(inputs: readonly Value[]): string {
  return inputs.map((v) => `${v.name} ${v.type?.shape ? formatDims(v.type.shape) : '(rank unknown)'}`).join(', ') || '(the graph has no inputs)';
}

/**
 * Infers the declared shapes of value_info entries and graph outputs again from the inputs: a
 * static size becomes a number, an input's dim name stays a name. Where inference knows less
 * (sequences, unknown ops) the old declared dim stays, an input dim name that changed following
 * its input; any other symbolic size keeps the exporter's label for it (`h0*w0 + h1*w1`,
 * `tokens`). Returns the shape conflicts inference found.
 */
function refreshDeclaredShapes(graph: Graph, changes: readonly InputShapeChange[]): ShapeConflict[] {
  const declared = [...new Set([...graph.valueInfoOrder, ...graph.outputs])].filter((v) => v.graph === graph && v.type?.shape && !v.isGraphInput && !v.initializer);
  const oldShapes = new Map(declared.map((v) => [v, v.type!.shape!]));
  // Stale static sizes would win over what inference finds (a declared static dim is trusted).
  for (const v of declared) v.type = { dtype: v.type!.dtype };
  const facts = inferShapes(graph);
  const inputDims = new Set(graph.inputs.flatMap((v) => (v.type?.shape ?? []).filter((d): d is string => typeof d === 'string')));
  const changedDims = changedDimNames(changes);
  const refreshed = (inferred: DimExpr | undefined, old: Dim | undefined): Dim => {
    const size = inferred?.constValue();
    if (size !== undefined) return size;
    const symbol = inferred?.symbolName();
    if (symbol !== undefined && inputDims.has(symbol)) return symbol;
    if (typeof old === 'string' && changedDims.has(old)) return changedDims.get(old)!;
    if (typeof old === 'string') return old;
    return inferred === undefined && old !== undefined ? old : null;
  };
  for (const v of declared) {
    const shape = facts.shape(v);
    const old = oldShapes.get(v)!;
    const rank = shape?.length ?? old.length;
    v.type = { dtype: v.type!.dtype, shape: Array.from({ length: rank }, (_, i) => refreshed(shape?.[i], old.length === rank ? old[i] : undefined)) };
  }
  return shapeConflicts(graph, facts);
}

/** Input dim names the overrides replaced, with what replaced them (`batch` -> 1). */
function changedDimNames(changes: readonly InputShapeChange[]): Map<string, Dim> {
  const out = new Map<string, Dim>();
  for (const { before, after } of changes) {
    before?.forEach((d, i) => {
      if (typeof d === 'string' && after[i] !== d) out.set(d, after[i]!);
    });
  }
  return out;
}

/** Conflicts are told apart by node: their wording names sizes, which the override changes. */
function conflictKey(conflict: ShapeConflict): string {
  return conflict.node.label;
}
