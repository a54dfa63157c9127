/**
 * Element types against the schemas' type constraints, and declared types (value_info, graph
 * outputs) against what shape inference computes from the node's inputs.
 */
import { DType, type Node, type Value, dtypeName } from '../ir/index.js';
import type { ShapeFacts } from '../shape/facts.js';
import type { FormalParameter, OpSchema } from './op-schema.js';
import type { ProblemList, ProblemPlace } from './problem.js';

/** A value's element type: what inference computed, else what the model declares. */
function dtypeOf(v: Value, facts: ShapeFacts): number | undefined {
  const inferred = facts.dtype(v);
  if (inferred !== undefined && inferred !== DType.UNDEFINED) return inferred;
  const declared = v.type?.dtype;
  return declared !== undefined && declared !== DType.UNDEFINED ? declared : undefined;
}

function declaredDtype(v: Value): number | undefined {
  const declared = v.type?.dtype;
  return declared !== undefined && declared !== DType.UNDEFINED ? declared : undefined;
}

/** The formal parameter slot `index` of `formals` falls into (a variadic last one takes the rest). */
function formalAt(formals: readonly FormalParameter[], index: number): FormalParameter | undefined {
  const last = formals[formals.length - 1];
  return formals[index] ?? (last?.option === 'variadic' ? last : undefined);
}

/**
 * Every input and output of known element type must be one its slot allows, and the slots that
 * share a type parameter must share the type (inputs first, so an output is judged by them).
 */
export function checkNodeTypes(node: Node, schema: OpSchema, facts: ShapeFacts, place: ProblemPlace, list: ProblemList): void {
  const name = `${schema.op}-${schema.since}`;
  const bound = new Map<string, { dtype: number; slot: string }>();
  const failed = new Set<string>();
  const visit = (v: Value | undefined, index: number, formals: readonly FormalParameter[], role: 'input' | 'output'): void => {
    const formal = formalAt(formals, index);
    if (!v || !v.name || !formal) return;
    // An output is judged by its declared type, or by the inferred one when no input binds its type
    // (Constant, Cast, Shape...); once an input was wrong, inference only echoes it.
    const dtype = role === 'input' ? dtypeOf(v, facts)
      : declaredDtype(v) ?? (bound.has(formal.typeParam) || failed.has(formal.typeParam) ? undefined : dtypeOf(v, facts));
    if (dtype === undefined || v.opaqueType !== undefined) return;
    const type = dtypeName(dtype);
    const tensorTypes = [...formal.types].filter((t) => !t.includes('('));
    if (!tensorTypes.length) return; // a sequence/optional/map slot: the IR carries those opaquely
    if (!formal.types.has(type)) {
      list.error('value-type', `${role} ${index} '${v.name}' (${formal.name}) is ${type}`, {
        ...place, tensor: v.name, expected: `${formal.typeParam} in ${tensorTypes.join(', ')} (${name})`, found: type,
      });
      failed.add(formal.typeParam);
      return;
    }
    if (formal.option === 'variadic' && !formal.homogeneous) return;
    if (!/^[A-Za-z_]\w*$/.test(formal.typeParam) || formal.typeParam.startsWith('tensor')) return;
    const first = bound.get(formal.typeParam);
    if (!first) {
      bound.set(formal.typeParam, { dtype, slot: `${role} ${index} '${v.name}'` });
    } else if (first.dtype !== dtype) {
      list.error('type-mismatch', `${role} ${index} '${v.name}' is ${type} but ${first.slot} is ${dtypeName(first.dtype)}`, {
        ...place, tensor: v.name, expected: `one type for ${formal.typeParam} (${name})`, found: `${type} and ${dtypeName(first.dtype)}`,
      });
    }
  };
  node.inputs.forEach((v, i) => visit(v, i, schema.inputs, 'input'));
  node.outputs.forEach((v, i) => visit(v, i, schema.outputs, 'output'));
}

/**
 * A node output whose declared type (value_info or graph output) contradicts inference: another
 * element type, another rank, or another static size where both are static. Symbolic sizes are
 * never a contradiction (inference may not know a symbol's value).
 */
export function checkDeclaredTypes(node: Node, facts: ShapeFacts, place: ProblemPlace, list: ProblemList): void {
  for (const v of node.outputs) {
    const declared = v.type;
    if (!v.name || !declared || v.opaqueType !== undefined) continue;
    const dtype = facts.dtype(v);
    if (declared.dtype !== DType.UNDEFINED && dtype !== undefined && dtype !== DType.UNDEFINED && dtype !== declared.dtype) {
      list.error('inferred-type', `output '${v.name}' is declared ${dtypeName(declared.dtype)}, but ${node.opType} computes ${dtypeName(dtype)} from its inputs`, {
        ...place, tensor: v.name, expected: dtypeName(dtype), found: dtypeName(declared.dtype),
      });
      continue;
    }
    const shape = facts.shape(v);
    if (!declared.shape || !shape) continue;
    const computed = shape.map((d) => d.constValue() ?? d.toString());
    const text = (dims: readonly (number | string | null)[]): string => `[${dims.map((d) => d ?? '?').join(', ')}]`;
    if (computed.length !== declared.shape.length) {
      list.error('inferred-type', `output '${v.name}' is declared with rank ${declared.shape.length}, but ${node.opType} computes rank ${computed.length}`, {
        ...place, tensor: v.name, expected: text(computed), found: text(declared.shape),
      });
      continue;
    }
    const axis = declared.shape.findIndex((d, i) => typeof d === 'number' && typeof computed[i] === 'number' && d !== computed[i]);
    if (axis >= 0) {
      list.error('inferred-type', `output '${v.name}' is declared with size ${declared.shape[axis]} on axis ${axis}, but ${node.opType} computes ${computed[axis]}`, {
        ...place, tensor: v.name, expected: text(computed), found: text(declared.shape),
      });
    }
  }
}
