import { type Graph, type Node, isOnnxDomain } from '../ir/index.js';
import type { DimExpr } from './dim-expr.js';
import { type ShapeFacts, shapeView, valuesView } from './facts.js';

/**
 * Nodes whose inputs cannot fit together for any run: two static sizes that neither broadcast
 * nor match, a MatMul whose inner sizes differ, split sizes that do not add up to the axis, a
 * Reshape to another element count. onnxruntime refuses such a model (at load or at its first
 * run), so a pass must not treat it as one that computes something. Inference itself never
 * throws; this reads its facts afterwards. Only static sizes are compared: a symbolic size is
 * never a conflict.
 */
export interface ShapeConflict {
  readonly node: Node;
  /** One line, naming the sizes that do not fit. */
  readonly detail: string;
}

const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Where', 'BitShift']);

/** A shape as the facts keep it (read only: see {@link shapeView}). */
type Shape = readonly DimExpr[];

/** Every shape conflict of the main graph, in node order. */
export function shapeConflicts(graph: Graph, facts: ShapeFacts): ShapeConflict[] {
  const out: ShapeConflict[] = [];
  for (const node of graph.nodesIter()) {
    if (!isOnnxDomain(node.domain)) continue;
    const detail = conflictOf(node, facts);
    if (detail) out.push({ node, detail });
  }
  return out;
}

function conflictOf(node: Node, facts: ShapeFacts): string | undefined {
  const op = node.opType;
  const broadcasting = BROADCASTING.has(op);
  if (!broadcasting && !CHECKED.has(op)) return undefined;
  const inputs = node.inputs;
  // Views, not copies: this reads the shapes of most nodes of the model and never writes them.
  const shapeOf = (i: number): Shape | undefined => (inputs[i] ? shapeView(facts, inputs[i]!) : undefined);
  // Opset < 7 broadcast by an `axis` attribute instead of numpy's rules: not judged here.
  if (broadcasting) return node.attr('broadcast') ? undefined : broadcastConflict(inputs.map((_, i) => shapeOf(i)));
  switch (op) {
    case 'MatMul': return matMulConflict(shapeOf(0), shapeOf(1));
    case 'Concat': return concatConflict(node, inputs.map((_, i) => shapeOf(i)));
    case 'Split': return splitConflict(node, shapeOf(0), facts);
    case 'Reshape': return reshapeConflict(shapeOf(0), inputs[1] ? valuesView(facts, inputs[1]) : undefined, node.attrNumber('allowzero', 0) === 1);
    default: return undefined;
  }
}

/** The other ops {@link conflictOf} judges. */
const CHECKED = new Set(['MatMul', 'Concat', 'Split', 'Reshape']);

const known = (d: DimExpr | undefined): number | undefined => d?.constValue();
const text = (s: readonly DimExpr[]): string => `[${s.map(String).join(', ')}]`;

function broadcastConflict(shapes: readonly (Shape | undefined)[]): string | undefined {
  const k = firstUnbroadcastAxis(shapes);
  if (k === undefined) return undefined;
  const present = shapes.filter((s): s is Shape => s !== undefined);
  const sizes = new Set(present.map((s) => known(s[s.length - k])).filter((n): n is number => n !== undefined && n !== 1));
  return `inputs of shapes ${present.map(text).join(' and ')} do not broadcast (sizes ${[...sizes].join(' and ')} on axis -${k})`;
}

/**
 * The first axis, counted from the end (1: the last), on which two known sizes other than 1
 * differ; undefined for almost every node, found without allocating anything.
 */
function firstUnbroadcastAxis(shapes: readonly (Shape | undefined)[]): number | undefined {
  let rank = 0;
  for (const s of shapes) if (s !== undefined && s.length > rank) rank = s.length;
  for (let k = 1; k <= rank; k++) {
    let size: number | undefined;
    for (const s of shapes) {
      const n = s === undefined ? undefined : known(s[s.length - k]);
      if (n === undefined || n === 1) continue;
      if (size === undefined) size = n;
      else if (n !== size) return k;
    }
  }
  return undefined;
}

function matMulConflict(a: Shape | undefined, b: Shape | undefined): string | undefined {
  if (!a || !b || !a.length || !b.length) return undefined;
  const inner = known(a[a.length - 1]);
  const other = known(b.length === 1 ? b[0] : b[b.length - 2]);
  if (inner !== undefined && other !== undefined && inner !== other) return `multiplies ${text(a)} by ${text(b)}: inner sizes ${inner} and ${other} differ`;
  if (a.length > 2 && b.length > 2) return broadcastConflict([a.slice(0, -2), b.slice(0, -2)]);
  return undefined;
}

function concatConflict(node: Node, shapes: readonly (Shape | undefined)[]): string | undefined {
  const problem = concatProblem(node, shapes);
  if (problem === undefined) return undefined;
  const present = shapes.filter((s): s is Shape => s !== undefined);
  if (problem === 'ranks') return `concatenates tensors of ranks ${present.map((s) => s.length).join(', ')}`;
  const sizes = new Set(present.map((s) => known(s[problem])).filter((n) => n !== undefined));
  return `concatenates ${present.map(text).join(', ')}: sizes ${[...sizes].join(' and ')} on axis ${problem}`;
}

/**
 * What keeps the known shapes from concatenating: different ranks, or the first axis other than
 * the concatenated one with two different known sizes; undefined for almost every node, found
 * without allocating anything.
 */
function concatProblem(node: Node, shapes: readonly (Shape | undefined)[]): 'ranks' | number | undefined {
  let first: Shape | undefined;
  for (const s of shapes) {
    if (s === undefined) continue;
    if (first === undefined) first = s;
    else if (s.length !== first.length) return 'ranks';
  }
  if (first === undefined) return undefined;
  const rank = first.length;
  const raw = node.attrNumber('axis', 0);
  const axis = raw < 0 ? raw + rank : raw;
  for (let k = 0; k < rank; k++) {
    if (k === axis) continue;
    let size: number | undefined;
    for (const s of shapes) {
      const n = s === undefined ? undefined : known(s[k]);
      if (n === undefined) continue;
      if (size === undefined) size = n;
      else if (n !== size) return k;
    }
  }
  return undefined;
}

function splitConflict(node: Node, shape: Shape | undefined, facts: ShapeFacts): string | undefined {
  if (!shape) return undefined;
  const raw = node.attrNumber('axis', 0);
  const axis = raw < 0 ? raw + shape.length : raw;
  const total = known(shape[axis]);
  const sizes = node.inputs[1] ? valuesView(facts, node.inputs[1])?.map((d) => d.constValue()) : node.attrInts('split');
  if (total === undefined || !sizes || sizes.some((n) => n === undefined)) return undefined;
  const sum = (sizes as number[]).reduce((a, b) => a + b, 0);
  return sum !== total ? `splits an axis of ${total} into sizes adding up to ${sum}` : undefined;
}

function reshapeConflict(shape: Shape | undefined, target: Shape | undefined, allowZero: boolean): string | undefined {
  if (!shape || !target) return undefined;
  const inputCount = shape.reduce<number | undefined>((n, d) => (n === undefined || known(d) === undefined ? undefined : n * known(d)!), 1);
  if (inputCount === undefined) return undefined;
  let count = 1;
  let infer = false;
  for (const [i, d] of target.entries()) {
    const c = known(d);
    if (c === undefined) return undefined;
    if (c === -1) infer = true;
    else if (c === 0 && !allowZero) {
      const copied = known(shape[i]);
      if (copied === undefined) return undefined;
      count *= copied;
    } else count *= c;
  }
  if (infer ? count === 0 || inputCount % count !== 0 : count !== inputCount) return `reshapes ${text(shape)} (${inputCount} elements) to [${target.map(String).join(', ')}]`;
  return undefined;
}
