/**
 * Rules and their application: a rule is (pattern, check, replacement); the rewriter matches it,
 * refuses unsafe sites (an interior value read outside the match, a graph interface that would
 * change), builds the replacement detached in a {@link GraphEdit}, commits it (rewiring readers,
 * removing what became dead) and keeps the node order valid. Nothing is ever rolled back.
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import { type Graph, GraphEdit, Model, type Node, type Value, graphsWithin } from '../ir/index.js';
import { type PatternFunction, pattern as buildPattern } from './builder.js';
import type { Captures } from './captures.js';
import { type MatchCheck, matchAt } from './matcher.js';
import { OpIndex } from './op-index.js';
import { Pattern } from './pattern.js';
import { RewriteBuilder } from './rewrite-builder.js';

/**
 * What a replacement returns: the values standing for the pattern's outputs (one value, or one
 * per pattern output), optionally with new values for captured interior values it `provides`.
 * Returning `undefined` declines the rewrite (reported as skipped).
  *
  * @example
  * ```ts
  * const replace: ReplaceFunction = (b, m): ReplacementResult => ({ outputs: [b.op.Relu(m.value('x'))], provides: { scaled: b.op.Mul(m.value('x'), m.value('k')) } });
  * ```
 * @group Rewriting
 */
export type ReplacementResult =
  | Value
  | readonly Value[]
  | { outputs: readonly Value[]; provides?: Readonly<Record<string, Value>> }
  | undefined;

/**
 * Builds the replacement of one match.
 *
 * @example
 * ```ts
 * const replace: ReplaceFunction = (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias'));
 * ```
 * @group Rewriting
 */
export type ReplaceFunction = (builder: RewriteBuilder, captures: Captures) => ReplacementResult;

/**
 * What {@link rule} takes.
 *
 * @example
 * ```ts
 * rule({ name: 'drop-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * ```
 * @group Patterns
 */
export interface RuleSpec {
  /** Short kebab-case name, used in reports and generated node names. */
  name: string;
  /** One sentence for reports and docs. */
  description?: string;
  /** The subgraph to find (a built pattern or a pattern function). */
  pattern: Pattern | PatternFunction;
  /** Vets a structural match; `true` accepts, `false` or a reason rejects. */
  check?: MatchCheck;
  /** Builds the replacement. */
  replace: ReplaceFunction;
  /**
   * Capture names of interior values that may be read outside the match because the replacement
   * supplies a new value for them (`{ outputs, provides: { name: value } }`).
   */
  provides?: readonly string[];
}

/**
 * A rewrite rule (see {@link rule}).
 *
 * @example
 * ```ts
 * const r: Rule = rule({ name: 'drop-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * ```
 * @group Patterns
 */
export interface Rule {
  readonly name: string;
  readonly description: string | undefined;
  readonly pattern: Pattern;
  readonly check: MatchCheck | undefined;
  readonly replace: ReplaceFunction;
  readonly provides: readonly string[];
}

/**
 * Makes a rule from a pattern, an optional check, and a replacement.
 *
 * @example
 * ```ts
 * const fuseMatMulAdd = rule({
 *   name: 'fuse-matmul-add',
 *   pattern: (op, a, w, bias) => op.Add(op.MatMul(a, w), bias),
 *   check: (m) => m.value('a').type?.shape?.length === 2 || 'input is not 2-D',
 *   replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias')),
 * });
 * ```
 * @group Patterns
 */
export function rule(spec: RuleSpec): Rule {
  const pattern = spec.pattern instanceof Pattern ? spec.pattern : buildPattern(spec.pattern, { name: spec.name });
  return {
    name: spec.name,
    description: spec.description,
    pattern,
    check: spec.check,
    replace: spec.replace,
    provides: spec.provides ?? [],
  };
}

/**
 * A site that matched but was not rewritten, or a candidate the check rejected.
 *
 * @example
 * ```ts
 * // { node: '/fc/Add', reason: "check failed: input 'z' is [2, 4, 8], Gemm needs 2-D" }
 * ```
 * @group Rewriting
 */
export interface SiteNote {
  /** Label of the anchor node. */
  node: string;
  /** Why. */
  reason: string;
}

/**
 * What happened to one rule during {@link applyRules}.
 *
 * @example
 * ```ts
 * // { rule: 'fuse-matmul-add', matched: 2, applied: 2, skipped: [], rejected: [{ node: '/batched/Add', reason: 'check failed: ...' }] }
 * ```
 * @group Patterns
 */
export interface RuleReport {
  rule: string;
  /** Sites that matched and passed the check: those applied plus the distinct skipped ones. */
  matched: number;
  /** Sites rewritten. */
  applied: number;
  /** Matched sites not rewritten (unsafe, declined), distinct by node and reason. */
  skipped: SiteNote[];
  /** Structural matches the check rejected, distinct by node and reason. */
  rejected: SiteNote[];
}

/**
 * The result of {@link applyRules}.
 *
 * @example
 * ```ts
 * const fuseMatMulAdd = rule({ name: 'fuse-matmul-add', pattern: (op, a, w, bias) => op.Add(op.MatMul(a, w), bias), replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias')) });
 * const report = applyRules(model, [fuseMatMulAdd]);
 * console.log(report.rules[0]!.applied, report.nodesBefore, '->', report.nodesAfter);
 * ```
 * @group Patterns
 */
export interface RewriteReport {
  rules: RuleReport[];
  /** Passes over the whole rule set (the last one changed nothing when `converged`). */
  iterations: number;
  /** True when a pass made no change before `maxIterations` ran out. */
  converged: boolean;
  /** Node count of the main graph before and after. */
  nodesBefore: number;
  nodesAfter: number;
}

/**
 * Options of {@link applyRules}.
 *
 * @example
 * ```ts
 * import { checkIndexes } from 'onnx-surgeon/ir';
 * const removeIdentity = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * applyRules(model, [removeIdentity], { maxIterations: 3, onRewrite: ({ root }) => checkIndexes(root) });
 * ```
 * @group Patterns
 */
export interface ApplyOptions {
  /** Most passes over the rule set (default 10). */
  maxIterations?: number;
  /** Also rewrite subgraphs of If/Loop/Scan (default true). */
  subgraphs?: boolean;
  /**
   * Called after every single rewrite (tests run `checkIndexes(event.root)` here). `graph` is the
   * graph rewritten (a subgraph, possibly), `root` the main graph.
   */
  onRewrite?: (event: { rule: string; anchor: string; graph: Graph; root: Graph }) => void;
}

/**
 * Applies `rules` until a pass changes nothing (or `maxIterations` passes ran). Within a pass,
 * each rule in turn rewrites every safe match, anchors in graph order; the graph is re-sorted
 * after each rule that changed it. Graph output names never change.
 *
 * @example
 * ```ts
 * const removeIdentity = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * const report = applyRules(model, [removeIdentity], { maxIterations: 5 });
 * ```
 * @group Patterns
 */
export function applyRules(target: Model | Graph, rules: readonly Rule[], options: ApplyOptions = {}): RewriteReport {
  const model = target instanceof Model ? target : undefined;
  const main = target instanceof Model ? target.graph : target;
  const maxIterations = options.maxIterations ?? 10;
  const reports = rules.map((r) => new RuleTally(r.name));
  const nodesBefore = main.nodeCount;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    let changed = false;
    rules.forEach((r, i) => {
      for (const graph of (options.subgraphs ?? true) ? [...graphsWithin(main)] : [main]) {
        if (applyRuleOnce(graph, main, model, r, reports[i]!, options) > 0) changed = true;
      }
    });
    if (!changed) {
      converged = true;
      break;
    }
  }
  return { rules: reports.map((t) => t.report()), iterations, converged, nodesBefore, nodesAfter: main.nodeCount };
}

/**
 * One pass of one rule over one graph (no recursion into subgraphs); returns how many sites were
 * rewritten. {@link applyRules} is the usual entry point.
 *
 * @example
 * ```ts
 * const removeIdentity = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
 * const tally = applyRule(graph, removeIdentity); // { rule, matched, applied, skipped, rejected }
 * ```
 * @group Rewriting
 */
export function applyRule(graph: Graph, r: Rule, options: { model?: Model } & Pick<ApplyOptions, 'onRewrite'> = {}): RuleReport {
  const tally = new RuleTally(r.name);
  applyRuleOnce(graph, graph, options.model, r, tally, options);
  return tally.report();
}

/**
 * The safety gate, run after the check inside the matcher so that another binding (other operand
 * order, other alternative) can still be tried: every value computed inside the match must be
 * read only inside it, unless it is a pattern output (replaced) or a declared `provides` capture.
  *
  * @example
  * ```ts
  * const r = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });
  * matchAt(r.pattern, node, { accept: safetyGate(r) }); // what applyRules and explain do
  * ```
 * @group Rewriting
 */
export function safetyGate(r: Rule): MatchCheck {
  return (captures) => {
    const inside = new Set(captures.nodes);
    const replaced = new Set<Value>(captures.outputs);
    for (const name of r.provides) {
      const v = captures.optionalValue(name);
      if (v) replaced.add(v);
    }
    for (const node of captures.nodes) {
      for (const out of node.outputs) {
        if (!out.name || replaced.has(out)) continue;
        if (out.isGraphOutput) return `unsafe: '${out.name}' computed inside the match by '${node.label}' is a graph output`;
        const outsider = out.uses.find((u) => !inside.has(u.node));
        if (outsider) {
          return `unsafe: '${out.name}' computed inside the match by '${node.label}' is also read by '${outsider.node.label}' outside it`;
        }
      }
    }
    return true;
  };
}

function applyRuleOnce(graph: Graph, root: Graph, model: Model | undefined, r: Rule, tally: RuleTally, options: Pick<ApplyOptions, 'onRewrite'>): number {
  const index = new OpIndex(graph);
  const gate = safetyGate(r);
  let applied = 0;
  for (const anchor of index.candidates(r.pattern.anchorOps())) {
    if (anchor.graph !== graph) continue; // removed by an earlier rewrite of this pass
    const attempt = matchAt(r.pattern, anchor, { ...(r.check ? { check: r.check } : {}), accept: gate });
    if (!attempt.ok) {
      if (attempt.failure.kind === 'check') tally.note('rejected', anchor, attempt.failure.message);
      else if (attempt.failure.kind === 'unsafe') tally.note('skipped', anchor, attempt.failure.message);
      continue;
    }
    const anchorLabel = anchor.label;
    const outcome = rewriteMatch(graph, model, r, attempt.captures);
    if (outcome !== true) {
      tally.note('skipped', anchor, outcome);
      continue;
    }
    applied++;
    tally.applied++;
    options.onRewrite?.({ rule: r.name, anchor: anchorLabel, graph, root });
  }
  if (applied) graph.toposort();
  return applied;
}

/**
 * Replaces one match: builds the replacement detached, checks that the graph's interface survives,
 * then commits it (rewiring readers and removing the matched nodes and constants nobody reads any
 * more). Returns `true`, or the reason the site was left alone (the graph never changed).
 */
function rewriteMatch(graph: Graph, model: Model | undefined, r: Rule, captures: Captures): true | string {
  const edit = new GraphEdit(graph, model);
  let result: ReplacementResult;
  try {
    result = r.replace(new RewriteBuilder(edit, captures.anchor.name || r.name), captures);
  } catch (error) {
    throw withContext(error, { node: captures.anchor.label });
  }
  if (result === undefined) return 'the replacement declined';
  const pairs = replacementPairs(r, captures, normalizeResult(result));
  const interfaceProblem = interfaceChange(pairs);
  if (interfaceProblem) return interfaceProblem;
  for (const [old, replacement] of pairs) edit.replaceAllUsesWith(old, replacement);
  edit.removeWhenUnused(captures.nodes);
  edit.commit();
  return true;
}

/** (old value, its replacement) for every pattern output and provided capture; throws on a malformed result. */
function replacementPairs(r: Rule, captures: Captures, result: NormalizedResult): [Value, Value][] {
  const fail = (detail: string): never => {
    throw new OnnxSurgeonError('pattern', `rule '${r.name}': ${detail}`, { node: captures.anchor.label });
  };
  const { outputs, provides } = result;
  if (outputs.length !== captures.outputs.length) {
    fail(`the replacement returned ${outputs.length} value(s) for ${captures.outputs.length} pattern output(s)`);
  }
  const pairs: [Value, Value][] = captures.outputs.map((old, i) => [old, outputs[i]!]);
  for (const name of r.provides) {
    const old = captures.optionalValue(name);
    if (!old) continue;
    const replacement = provides[name];
    const escapes = old.isGraphOutput || old.uses.some((u) => !captures.nodes.includes(u.node));
    if (!replacement) {
      if (escapes) fail(`'${name}' is read outside the match but the replacement did not provide it`);
      continue;
    }
    pairs.push([old, replacement]);
  }
  return pairs;
}

interface NormalizedResult {
  outputs: readonly Value[];
  provides: Readonly<Record<string, Value>>;
}

function normalizeResult(result: Exclude<ReplacementResult, undefined>): NormalizedResult {
  if (Array.isArray(result)) return { outputs: result as readonly Value[], provides: {} };
  if ('outputs' in result && Array.isArray(result.outputs)) {
    const structured = result as { outputs: readonly Value[]; provides?: Readonly<Record<string, Value>> };
    return { outputs: structured.outputs, provides: structured.provides ?? {} };
  }
  return { outputs: [result as Value], provides: {} };
}

/**
 * Graph outputs keep their names: `replaceAllUsesWith` renames the replacement value to the
 * output's name. That is only harmless when the replacement is an ordinary value; renaming a graph
 * input or another graph output would change the model's interface, so such sites are left alone.
 */
function interfaceChange(pairs: readonly [Value, Value][]): string | undefined {
  const takenBy = new Map<Value, string>();
  for (const [old, replacement] of pairs) {
    if (old === replacement || !old.isGraphOutput) continue;
    if (replacement.isGraphInput) {
      return `graph output '${old.name}' would become graph input '${replacement.name}' (the model's interface would change)`;
    }
    if (replacement.isGraphOutput) {
      return `graph output '${old.name}' would merge with graph output '${replacement.name}' (the model's interface would change)`;
    }
    const other = takenBy.get(replacement);
    if (other) return `graph outputs '${other}' and '${old.name}' would both become '${replacement.name}'`;
    takenBy.set(replacement, old.name);
  }
  return undefined;
}

/** Running counts of one rule, deduplicating notes across iterations. */
class RuleTally {
  applied = 0;
  private readonly skipped = new Map<string, SiteNote>();
  private readonly rejected = new Map<string, SiteNote>();

  constructor(private readonly rule: string) {}

  note(kind: 'skipped' | 'rejected', anchor: Node, reason: string): void {
    const map = kind === 'skipped' ? this.skipped : this.rejected;
    const key = `${anchor.label}\u0000${reason}`;
    if (!map.has(key)) map.set(key, { node: anchor.label, reason });
  }

  report(): RuleReport {
    return { rule: this.rule, matched: this.applied + this.skipped.size, applied: this.applied, skipped: [...this.skipped.values()], rejected: [...this.rejected.values()] };
  }
}
