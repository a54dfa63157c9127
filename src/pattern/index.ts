/**
 * Pattern rewriting for ONNX graphs, in the style of onnxscript's rewriter: a pattern is a
 * TypeScript function building the subgraph to find with an `op` builder, a rule adds a check and
 * a replacement, and {@link applyRules} applies rules safely until nothing changes.
 *
 * @example
 * ```ts
 * import { applyRules, rule } from 'onnx-surgeon/pattern';
 * const removeIdentity = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * const report = applyRules(model, [removeIdentity]);
 * ```
 *
 * @group Analysis and rewriting
 * @module onnx-surgeon/pattern
 */
export { pattern, COMMUTATIVE_OPS, type PatternOps, type PatternHelpers, type PatternArg, type PatternNodeOptions, type PatternOpFunction, type PatternFunction, type PatternOptions, type RepeatOptions, type ConstOptions } from './builder.js';
export {
  Pattern, ValuePattern, AnyValuePattern, ConstantPattern, NodeOutputPattern, OneOfPattern, OptionalPattern, RepeatPattern, NodePattern,
  type AttributePredicate, type ValuePredicate, type TensorPredicate, type LeafKind, type InputPattern, type NodePatternOptions,
} from './pattern.js';
export { Captures } from './captures.js';
export { matchAt, findMatches, type MatchAttempt, type MatchFailure, type MatchOptions, type MatchCheck, type FailureKind } from './matcher.js';
export { OpIndex } from './op-index.js';
export { constantMismatch, describeTensor } from './constant.js';
export { explain, explainAll } from './explain.js';
export { RewriteBuilder, toAttributeValue, type ReplacementAttribute, type ReplacementNodeOptions, type ReplacementOps, type ReplacementOpFunction } from './rewrite-builder.js';
export {
  rule, applyRules, applyRule, safetyGate,
  type Rule, type RuleSpec, type ReplaceFunction, type ReplacementResult, type RuleReport, type RewriteReport, type SiteNote, type ApplyOptions,
} from './rewriter.js';
