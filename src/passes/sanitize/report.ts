/**
 * Options and report of {@link sanitizeModel}, and the per-op-type node counts both sides of it.
 */
import type { Dim, Graph } from '../../ir/index.js';
import { isOnnxDomain } from '../../ir/index.js';

/** New shapes for graph inputs, given whole or by symbolic dim. */
export interface InputShapeOverrides {
  /**
   * Whole shapes by graph input name: a number fixes a dim, a string makes it symbolic under
   * that name (`['batch', 3, 800, 800]`). The rank must match a known declared rank.
   */
  shapes?: Readonly<Record<string, readonly (number | string)[]>>;
  /** Sizes of symbolic dims by name (`{ batch: 1 }`), in every graph input that has the dim. */
  dimSizes?: Readonly<Record<string, number>>;
}

/** Options of {@link sanitizeModel}. Every step is on by default except those that need values. */
export interface SanitizeOptions {
  /** Replace nodes whose outputs are known at compile time by initializers (default true; see `foldConstants`). */
  foldConstants?: boolean;
  /** Largest folded output in elements (default 1024: shape arithmetic and small constants; weights are never duplicated). */
  maxFoldElements?: number;
  /** Remove `Identity` nodes, readers reading the Identity's input instead (default true). */
  removeIdentities?: boolean;
  /** New input shapes (applied first, so folding sees them). */
  inputShapes?: InputShapeOverrides;
  /** Renames of graph inputs and outputs, old name to new name (swaps allowed). */
  rename?: Readonly<Record<string, string>>;
}

/** One graph input whose declared shape changed. */
export interface InputShapeChange {
  /** The input's name (after renaming). */
  input: string;
  /** Declared shape before (`null`: the rank was unknown; a `null` dim: an unknown size). */
  before: Dim[] | null;
  /** Declared shape now. */
  after: Dim[];
}

/** One renamed graph input or output. */
export interface IoRename {
  /** Old name. */
  from: string;
  /** New name. */
  to: string;
  /** What the value is to the graph. */
  role: 'input' | 'output' | 'input and output';
}

/** How many nodes of one op type there were before and after. */
export interface OpCountChange {
  /** Op type, prefixed with its domain outside the ONNX domain (`com.microsoft:Gelu`). */
  op: string;
  before: number;
  after: number;
}

/** What {@link sanitizeModel} did. */
export interface SanitizeReport {
  nodesBefore: number;
  nodesAfter: number;
  initializersBefore: number;
  initializersAfter: number;
  /** Nodes replaced by initializers (constant folding). */
  folded: number;
  /** `Identity` nodes removed. */
  identitiesRemoved: number;
  /** Nodes removed because no graph output needs them (dead before, or made dead by folding). */
  deadNodesRemoved: number;
  /** Graph inputs whose shape changed, in input order. */
  inputShapes: InputShapeChange[];
  /** Renamed graph inputs and outputs, in the order given. */
  renamed: IoRename[];
  /** Op types whose node count changed, largest decrease first. */
  ops: OpCountChange[];
}

/** The op-type key of a node in {@link OpCountChange.op}. */
function opKey(domain: string, opType: string): string {
  return isOnnxDomain(domain) ? opType : `${domain}:${opType}`;
}

/**
 * Node counts by op type of the main graph.
 *
 * @example
 * ```ts
 * countOps(model.graph).get('Shape'); // 89
 * ```
 */
export function countOps(graph: Graph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.nodesIter()) {
    const key = opKey(node.domain, node.opType);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * The op types whose count differs between `before` and `after`, largest decrease first (then by
 * name).
 *
 * @example
 * ```ts
 * const before = countOps(model.graph);
 * foldConstants(model.graph);
 * opCountChanges(before, countOps(model.graph))[0]; // { op: 'Constant', before: 895, after: 1 }
 * ```
 */
export function opCountChanges(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): OpCountChange[] {
  const ops = new Set([...before.keys(), ...after.keys()]);
  return [...ops]
    .map((op) => ({ op, before: before.get(op) ?? 0, after: after.get(op) ?? 0 }))
    .filter((c) => c.before !== c.after)
    .sort((a, b) => (b.before - b.after) - (a.before - a.after) || a.op.localeCompare(b.op));
}
