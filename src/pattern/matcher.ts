/**
 * The matcher's public face: match one anchor ({@link matchAt}) or every anchor of a graph
 * ({@link findMatches}). A match binds the pattern backwards from the anchor node (the producer of
 * the pattern's first output); the search itself lives in search.ts, its wording in describe.ts.
 */
import type { Graph, Node } from '../ir/index.js';
import type { Captures } from './captures.js';
import { OpIndex } from './op-index.js';
import type { Pattern } from './pattern.js';
import { Search } from './search.js';

/**
 * Why an anchor did not match: the structure, the check, or the rewriter's safety rules.
 *
 * @example
 * ```ts
 * const attempt = matchAt(pattern((op, x) => op.Relu(x)), node);
 * if (!attempt.ok && attempt.failure.kind === 'check') console.log(attempt.failure.message);
 * ```
 * @group Matching
 */
export type FailureKind = 'structure' | 'check' | 'unsafe';

/**
 * The explanation of a failed match: the step that failed (the deepest one reached), worded with
 * node and value names.
 *
 * @example
 * ```ts
 * // { kind: 'structure', anchor: '/layers.0/Add', message: "input 1 of '/layers.0/Mul' is produced by 'Add' ('/x/Add'), expected 'Mul'" }
 * ```
 * @group Matching
 */
export interface MatchFailure {
  kind: FailureKind;
  /** One readable line. */
  message: string;
  /** Label of the anchor node the attempt started from. */
  anchor: string;
}

/**
 * A function vetting a match: `true` accepts, `false` or a reason string rejects.
 *
 * @example
 * ```ts
 * const check: MatchCheck = (m) => m.tensor('scale').size === 1 || 'scale is not a scalar';
 * ```
 * @group Matching
 */
export type MatchCheck = (captures: Captures) => boolean | string;

/**
 * Options of {@link matchAt} and {@link findMatches}.
 *
 * @example
 * ```ts
 * const scaled = pattern((op, x) => op.Mul(x, op.constant('k')));
 * findMatches(graph, scaled, { check: (m) => m.tensor('k').size === 1, trace: true });
 * ```
 * @group Matching
 */
export interface MatchOptions {
  /** Constraint on the captures (a rule's `check`); failures are reported as `check failed: ...`. */
  check?: MatchCheck;
  /** A last gate after `check` (the rewriter's safety rules); failures are kind `unsafe`. @internal */
  accept?: MatchCheck;
  /** Word structural failures precisely (slower; used by explain). */
  trace?: boolean;
  /** Nodes that may not be part of the match (already claimed by another match). */
  exclude?: ReadonlySet<Node>;
  /** A prebuilt index of the graph for {@link findMatches} (reuse it while the graph does not change). */
  index?: OpIndex;
}

/**
 * The outcome of one anchored attempt.
 *
 * @example
 * ```ts
 * const attempt = matchAt(pattern((op, x) => op.Relu(x)), node);
 * if (attempt.ok) attempt.captures.value('x'); else console.log(attempt.failure.message);
 * ```
 * @group Patterns
 */
export type MatchAttempt = { ok: true; captures: Captures } | { ok: false; failure: MatchFailure };

/**
 * Tries to match `pattern` with its first output produced by `anchor`.
 *
 * @example
 * ```ts
 * const attempt = matchAt(pattern((op, x) => op.Relu(x)), graph.nodes[0]!, { trace: true });
 * ```
 * @group Matching
 */
export function matchAt(pattern: Pattern, anchor: Node, options: MatchOptions = {}): MatchAttempt {
  const graph = anchor.graph;
  if (!graph) return { ok: false, failure: { kind: 'structure', message: `'${anchor.label}' is no longer in a graph`, anchor: anchor.label } };
  const search = new Search(pattern, graph, anchor, options);
  return search.run();
}

/**
 * All non-overlapping matches of `pattern` in `graph`, in graph order of their anchors. A node
 * belongs to at most one match; an anchor whose match would reuse a claimed node is skipped.
 * `onFailure` receives every anchor candidate that failed (with a precise reason when `trace`).
 *
 * @example
 * ```ts
 * for (const m of findMatches(graph, pattern((op, x) => op.Identity(x)))) console.log(m.anchor.label);
 * ```
 * @group Matching
 */
export function findMatches(
  graph: Graph,
  pattern: Pattern,
  options: MatchOptions & { onFailure?: (anchor: Node, failure: MatchFailure) => void } = {},
): Captures[] {
  const index = options.index ?? new OpIndex(graph);
  const claimed = new Set<Node>();
  const matches: Captures[] = [];
  for (const anchor of index.candidates(pattern.anchorOps())) {
    if (claimed.has(anchor)) continue;
    const attempt = matchAt(pattern, anchor, { ...options, exclude: claimed, index });
    if (attempt.ok) {
      matches.push(attempt.captures);
      for (const n of attempt.captures.nodes) claimed.add(n);
    } else {
      options.onFailure?.(anchor, attempt.failure);
    }
  }
  return matches;
}
