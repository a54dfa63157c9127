/**
 * Debugging a non-match: run one anchored attempt with tracing on and get the first step that
 * failed, worded with node names ("input 1 of '/layers.0/Mul' is produced by 'Add', expected
 * 'Mul'", "check failed: ...", "unsafe: ...").
 */
import type { Graph, Node } from '../ir/index.js';
import { type MatchAttempt, type MatchOptions, matchAt } from './matcher.js';
import { OpIndex } from './op-index.js';
import { Pattern } from './pattern.js';
import { type Rule, safetyGate } from './rewriter.js';

/**
 * Why `target` does (or does not) match with its first output produced by `node`. For a rule the
 * check and the rewriter's safety rules are applied too, exactly as {@link applyRules} would.
 *
 * @example
 * ```ts
 * const fuseMatMulAdd = rule({ name: 'fuse-matmul-add', pattern: (op, a, w, bias) => op.Add(op.MatMul(a, w), bias), replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias')) });
 * const add = graph.nodes.find((n) => n.name === '/fc/Add');
 * const why = add && explain(fuseMatMulAdd, add);
 * if (why && !why.ok) console.log(why.failure.message); // "input 0 of '/fc/Add' is produced by 'Relu' ('/fc/Relu'), expected 'MatMul'"
 * ```
 * @group Patterns
 */
export function explain(target: Rule | Pattern, node: Node): MatchAttempt {
  const options: MatchOptions = { trace: true };
  if (target instanceof Pattern) return matchAt(target, node, options);
  if (target.check) options.check = target.check;
  options.accept = safetyGate(target);
  return matchAt(target.pattern, node, options);
}

/**
 * {@link explain} for every anchor candidate of `target` in `graph` (every node with the root's op
 * type), in graph order: the quickest way to see why a rule fired nowhere.
 *
 * @example
 * ```ts
 * const identity = pattern((op, x) => op.Identity(x));
 * for (const { node, attempt } of explainAll(graph, identity)) if (!attempt.ok) console.log(node.label, attempt.failure.message);
 * ```
 * @group Matching
 */
export function explainAll(graph: Graph, target: Rule | Pattern): { node: Node; attempt: MatchAttempt }[] {
  const pattern = target instanceof Pattern ? target : target.pattern;
  const index = new OpIndex(graph);
  return index.candidates(pattern.anchorOps()).map((node) => ({ node, attempt: explain(target, node) }));
}
