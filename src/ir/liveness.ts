/**
 * Liveness: which nodes some graph output depends on. It drives {@link Graph.cleanup} (the dead
 * go, as in onnx-graphsurgeon's `cleanup()`), and lets a pass ask *before* it changes anything
 * whether the nodes a pending {@link GraphEdit} replaces would really die once it is committed.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { GraphEdit } from './edit.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import { forEachRead } from './traverse.js';
import type { Use, Value } from './value.js';

/**
 * Nodes of `graph` (and detached nodes of `pending` edits) that some output of `graph` depends
 * on, directly or through reads inside subgraphs, in the graph as it will be once every pending
 * edit is committed: a value an edit replaces counts as its replacement.
 *
 * @example
 * ```ts
 * const edit = new GraphEdit(graph);
 * edit.replaceAllUsesWith(y, edit.node({ op: 'Relu', inputs: [x] }).output());
 * const live = liveNodes(graph, [edit]);
 * if (y.producer && live.has(y.producer)) console.log("y's producer is still needed");
 * ```
 * @group Editing
 */
export function liveNodes(graph: Graph, pending: readonly GraphEdit[] = []): Set<Node> {
  const reached: Node[] = [];
  walkLive(graph, pending, reached);
  return new Set(reached);
}

/**
 * What {@link liveNodes} answers, for a pass that asks right away: whether a node is live, and how
 * many are. Valid until the next liveness walk (asking after one is an internal error, never a
 * wrong answer).
 *
 * @internal
 */
export interface LiveNodeMarks {
  has(node: Node): boolean;
  readonly size: number;
}

/** The mark of the latest liveness walk (marks are never reused, so an old mark never matches). */
let latestMark = 0;

/**
 * {@link liveNodes} as marks on the nodes instead of a Set: a large model's walk then costs a
 * field write per node rather than Set insertions and lookups.
 *
 * @internal
 */
export function markLiveNodes(graph: Graph, pending: readonly GraphEdit[] = []): LiveNodeMarks {
  const { mark, size } = walkLive(graph, pending);
  return {
    size,
    has: (node) => {
      if (latestMark !== mark) throw new OnnxSurgeonError('internal', 'a liveness answer was asked after a newer liveness walk');
      return node._liveMark === mark;
    },
  };
}

/** Marks every live node with a new mark (listing them in `reached` when given). */
function walkLive(graph: Graph, pending: readonly GraphEdit[], reached?: Node[]): { mark: number; size: number } {
  const mark = ++latestMark;
  const current = replacementResolver(pending);
  const stack: Node[] = [];
  const reach = (value: Value): void => {
    const producer = current(value).producer;
    if (producer && producer._liveMark !== mark) {
      producer._liveMark = mark;
      stack.push(producer);
      reached?.push(producer);
    }
  };
  let size = 0;
  graph.outputs.forEach(reach);
  while (stack.length) {
    size++;
    forEachRead(stack.pop()!, reach);
  }
  return { mark, size };
}

/**
 * Where `value` will be read once the `pending` edits are committed: its current readers plus
 * the edits' new nodes that read it, or nobody when an edit replaces it.
 *
 * @example
 * ```ts
 * const edit = new GraphEdit(graph);
 * edit.replaceAllUsesWith(y, edit.node({ op: 'Relu', inputs: [x] }).output());
 * usesAfter(x, [edit]).map((u) => u.node.opType); // x's readers then, the new Relu among them
 * ```
 * @group Editing
 */
export function usesAfter(value: Value, pending: readonly GraphEdit[]): Use[] {
  if (pending.some((e) => e.replacementOf(value))) return [];
  return [...value.uses, ...pending.flatMap((e) => e.readersOf(value))];
}

/** Follows replacements (an edit may replace a value another edit introduced). */
function replacementResolver(pending: readonly GraphEdit[]): (value: Value) => Value {
  const replaced = new Map<Value, Value>();
  for (const edit of pending) for (const [oldValue, replacement] of edit.replaced()) replaced.set(oldValue, replacement);
  if (!replaced.size) return (value) => value;
  return (value) => {
    let v = value;
    for (let hops = 0; hops <= replaced.size; hops++) {
      const next = replaced.get(v);
      if (!next) return v;
      v = next;
    }
    return v;
  };
}
