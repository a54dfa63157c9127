/**
 * The whole conversion decided before anything changes: which nodes compute in float16, which
 * values change type, which constants are converted, and where a Cast is needed because a
 * value's new type differs from what a reader expects. Nothing here mutates the graph.
 */
import { DType, type DTypeCode, type Graph, type Node, type Use, type Value, isOnnxDomain } from '../../ir/index.js';
import { float16Fit } from './float16-data.js';
import { type KeepDecisions, SOURCE_OPS } from './keep.js';
import type { Float16Options } from './report.js';
import type { TypedGraph } from './value-dtypes.js';

/** A Cast to insert: `value` converted to `to` for these readers. */
export interface BoundaryCast {
  value: Value;
  to: DTypeCode;
  uses: Use[];
}

/** The decided conversion. */
export interface Float16Plan {
  /** Compute nodes switching their float32 slots (of the listed type parameters) to float16. */
  converted: Map<Node, Set<string>>;
  /** Constant / ConstantOfShape / Cast-to-float nodes whose output switches to float16. */
  convertedSources: Set<Node>;
  /** Float32 initializers converted to float16. */
  convertedInitializers: Set<Value>;
  /** Float32 initializers read both in float32 and float16 (kept float32, Cast for the rest). */
  mixedInitializers: Set<Value>;
  /** Graph inputs switching to float16 (with `convertIo`). */
  convertedInputs: Set<Value>;
  /** Every value whose element type changes to float16. */
  toFloat16: Set<Value>;
  /** Casts between a value and readers expecting the other type. */
  casts: BoundaryCast[];
  /** Graph outputs that get a Cast back to their original type. */
  outputCasts: Value[];
  /** Converted CastLike nodes and the element type their output ends up with. */
  castLikeTargets: Map<Node, DTypeCode>;
}

/** A reader's expectation: an element type, or `any` for readers that only look at shapes. */
type Expectation = DTypeCode | 'any';

/** Readers that only look at a slot's shape (no Cast is ever needed there). */
const SHAPE_ONLY_READERS = new Set(['Shape', 'Size']);

/** Plans the conversion of `graph` given the nodes that stay float32. */
export function planFloat16(graph: Graph, typed: TypedGraph, decisions: KeepDecisions, options: Float16Options): Float16Plan {
  const order = graph.nodes;
  const convertIo = options.convertIo ?? false;
  const plan: Float16Plan = {
    converted: new Map(), convertedSources: new Set(), convertedInitializers: new Set(), mixedInitializers: new Set(),
    convertedInputs: new Set(), toFloat16: new Set(), casts: [], outputCasts: [], castLikeTargets: new Map(),
  };
  const isFloat32 = (v: Value | undefined): v is Value => !!v && !!v.name && typed.dtype(v) === DType.FLOAT;

  for (const node of order) {
    // A Cast reads any type; to float32 it is a source (below), to anything else it needs nothing.
    if (decisions.reasons.has(node) || node.opType === 'Cast' || isSource(node, isFloat32)) continue;
    const typing = typed.typing(node);
    if (!typing) continue;
    const params = new Set<string>();
    const mark = (code: string, v: Value | undefined) => {
      if (code !== 'f' && code !== '-' && isFloat32(v)) params.add(code);
    };
    typing.inputs.forEach((code, i) => mark(code, node.inputs[i]));
    typing.outputs.forEach((code, i) => mark(code, node.outputs[i]));
    if (!params.size) continue;
    plan.converted.set(node, params);
    typing.outputs.forEach((code, i) => {
      const out = node.outputs[i];
      if (params.has(code) && isFloat32(out)) plan.toFloat16.add(out);
    });
  }

  const outputSlots = new Set(graph.outputs);
  const expectation = (use: Use): Expectation => {
    const reader = use.node;
    if (SHAPE_ONLY_READERS.has(reader.opType) && use.index === 0) return 'any';
    if (reader.opType === 'Cast' && !decisions.reasons.has(reader)) return 'any';
    const params = plan.converted.get(reader);
    const value = reader.inputs[use.index]!;
    if (params) {
      const code = typed.typing(reader)!.inputs[use.index]!;
      if (params.has(code)) return DType.FLOAT16;
    }
    return typed.dtype(value);
  };
  const outputExpectation = (v: Value): DTypeCode => (convertIo && typed.dtype(v) === DType.FLOAT ? DType.FLOAT16 : typed.dtype(v));
  // A float32 producer whose type is free (a constant, a cast) follows its readers: float16 when
  // every reader takes float16 (or looks at shapes only) and at least one takes float16.
  const readersWantFloat16 = (v: Value): boolean => {
    if (outputSlots.has(v) && outputExpectation(v) !== DType.FLOAT16) return false;
    const wanted = v.uses.map(expectation);
    return wanted.every((e) => e === DType.FLOAT16 || e === 'any') && (wanted.includes(DType.FLOAT16) || outputSlots.has(v));
  };

  for (const node of [...order].reverse()) {
    if (decisions.reasons.has(node) || !isSource(node, isFloat32)) continue;
    const out = node.outputs[0]!;
    if (!readersWantFloat16(out) || !sourceFitsFloat16(node, decisions)) continue;
    plan.convertedSources.add(node);
    plan.toFloat16.add(out);
  }
  for (const v of graph.initializers) {
    if (!isFloat32(v) || decisions.unrepresentable.has(v)) continue;
    if (v.isGraphInput && !convertIo) continue;
    if (readersWantFloat16(v)) {
      plan.convertedInitializers.add(v);
      plan.toFloat16.add(v);
    } else if (v.uses.some((u) => expectation(u) === DType.FLOAT16)) {
      plan.mixedInitializers.add(v);
    }
  }
  if (convertIo) {
    for (const v of graph.inputs) {
      if (!v.initializer && isFloat32(v)) {
        plan.convertedInputs.add(v);
        plan.toFloat16.add(v);
      }
    }
  }

  const newType = (v: Value): DTypeCode => (plan.toFloat16.has(v) ? DType.FLOAT16 : typed.dtype(v));
  for (const node of plan.converted.keys()) {
    const out = node.outputs[0];
    if (node.opType === 'CastLike' && out && newType(out) !== DType.UNDEFINED) plan.castLikeTargets.set(node, newType(out));
  }
  for (const v of valuesWithUses(graph, order)) {
    const byTarget = new Map<DTypeCode, Use[]>();
    for (const use of v.uses) {
      const wanted = expectation(use);
      if (wanted === 'any' || wanted === newType(v) || !isFloatPair(wanted, newType(v))) continue;
      byTarget.set(wanted, [...(byTarget.get(wanted) ?? []), use]);
    }
    for (const [to, uses] of byTarget) plan.casts.push({ value: v, to, uses });
  }
  for (const v of graph.outputs) if (isFloatPair(newType(v), outputExpectation(v)) && newType(v) !== outputExpectation(v)) plan.outputCasts.push(v);
  return plan;
}

/** Constant, ConstantOfShape, and Cast to float32: their output type is an attribute. */
function isSource(node: Node, isFloat32: (v: Value | undefined) => boolean): boolean {
  return SOURCE_OPS.has(node.opType) && isOnnxDomain(node.domain) && node.outputs.length === 1 && isFloat32(node.outputs[0]);
}

/** A Constant or ConstantOfShape whose value float16 holds; a Cast always may switch. */
function sourceFitsFloat16(node: Node, decisions: KeepDecisions): boolean {
  if (node.opType === 'Cast') return true;
  if (node.opType === 'Constant') return !decisions.unrepresentable.has(node.outputs[0]!) && node.outputs[0]!.constant() !== undefined;
  const fill = node.attr('value');
  if (fill === undefined) return true;
  if (fill.kind !== 'tensor' || fill.value.dtype !== DType.FLOAT) return false;
  const fit = float16Fit(fill.value.data() as Float32Array);
  return !fit.overflow && !fit.flushedToZero;
}

function isFloatPair(a: DTypeCode, b: DTypeCode): boolean {
  return (a === DType.FLOAT || a === DType.FLOAT16) && (b === DType.FLOAT || b === DType.FLOAT16);
}

/** Every value of the main graph that someone reads: initializers, inputs, node outputs. */
function valuesWithUses(graph: Graph, order: readonly Node[]): Value[] {
  const values = new Set<Value>([...graph.inputs, ...graph.initializers]);
  for (const node of order) for (const out of node.outputs) if (out.name) values.add(out);
  return [...values].filter((v) => v.uses.length > 0);
}
