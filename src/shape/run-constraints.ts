import type { Graph, Node } from '../ir/index.js';
import type { DimExpr } from './dim-expr.js';

/**
 * What a successful run of the model proves about its input dims. onnxruntime refuses a Conv
 * whose window does not fit its (padded) input ("Invalid input shape") and a pooling of an empty
 * axis, so when such a node reads `h + c` for an input dim `h`, every run that computes anything
 * has `h + c >= 0`. Those lower bounds let inference treat `h - 1` as non-negative, which is what
 * turns the exporter's truncating `Div(h - 1, 32)` into the floor division the backbone's
 * Conv sizes use.
 *
 * Only nodes of the main graph that feed a graph output count: onnxruntime removes dead nodes
 * before running, and a node inside an If branch runs only on that branch.
 */
export class RunConstraints {
  private readonly graph: Graph;
  /** Computed on the first requirement: static models never need it. */
  private live: ReadonlySet<Node> | undefined;
  private readonly inputSymbols: ReadonlySet<string>;
  /** Largest proven lower bound per input-dim symbol. */
  readonly minimums = new Map<string, bigint>();
  /** Set when a requirement raised a minimum (the caller clears it). */
  changed = false;
  /** Requirements already examined, by key (a backbone repeats the same few). */
  private readonly seen = new Set<string>();

  constructor(graph: Graph, inputSymbols: ReadonlySet<string>) {
    this.graph = graph;
    this.inputSymbols = inputSymbols;
  }

  /**
   * Records that `node` ran only if `expr >= 0`. Used when `expr` depends on one input dim `h`
   * and does not decrease as `h` grows (`h - 6`, `floordiv(h + 1, 2) - 1`): then it is exactly
   * `h >= h0` for the smallest admissible `h0` that satisfies it, found by bisection.
   */
  require(node: Node, expr: DimExpr): void {
    if (expr.isConst() || expr.isNonNegative()) return;
    this.live ??= liveNodes(this.graph);
    if (!this.live.has(node)) return;
    const key = expr.key();
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const names = expr.baseSymbols();
    const name = names.length === 1 ? names[0]! : undefined;
    if (name === undefined || !this.inputSymbols.has(name) || !expr.isNondecreasing()) return;
    const min = smallestSatisfying(expr, name);
    if (min === undefined) return;
    const prev = this.minimums.get(name);
    if (prev === undefined || min > prev) {
      this.minimums.set(name, min);
      this.changed = true;
    }
  }
}

/** Search ceiling for {@link smallestSatisfying} beyond the declared range (no real axis is near it). */
const SEARCH_LIMIT = 1n << 40n;

/** The smallest `h` in its range with `expr(h) >= 0`, for `expr` non-decreasing in `h`; undefined when none below the limit. */
function smallestSatisfying(expr: DimExpr, name: string): bigint | undefined {
  const range = expr.symbolRange(name);
  let lo = range?.min ?? 0n;
  let hi = range?.max ?? lo + SEARCH_LIMIT;
  const holds = (h: bigint): boolean => (expr.evaluate({ [name]: Number(h) }) ?? -1) >= 0;
  if (hi < lo || !holds(hi)) return undefined;
  while (lo < hi) {
    const mid = lo + (hi - lo) / 2n;
    if (holds(mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/** Nodes of `graph` (not of its subgraphs) that some graph output depends on. */
function liveNodes(graph: Graph): Set<Node> {
  const live = new Set<Node>();
  const stack: Node[] = [];
  for (const out of graph.outputs) if (out.producer) stack.push(out.producer);
  while (stack.length) {
    const node = stack.pop()!;
    if (live.has(node)) continue;
    live.add(node);
    for (const v of node.inputs) if (v?.producer && !live.has(v.producer)) stack.push(v.producer);
  }
  return live;
}
