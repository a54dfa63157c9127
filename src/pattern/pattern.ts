/**
 * The pattern graph: small objects describing the subgraph a rule looks for. They are built by
 * the `op` builder (builder.ts) and read by the matcher (matcher.ts); nothing here touches a real
 * graph. Pattern objects are compared by identity: using one object twice means "the same value".
 */
import type { AttributeValue, Node, Tensor, Value } from '../ir/index.js';

/**
 * A predicate on a graph value: `true` accepts, `false` or a string (the reason) rejects.
 *
 * @example
 * ```ts
 * const rank2: ValuePredicate = (v) => v.type?.shape?.length === 2 || 'not 2-D';
 * ```
 * @group Building patterns
 */
export type ValuePredicate = (value: Value) => boolean | string;

/**
 * A predicate on a constant tensor: `true` accepts, `false` or a string (the reason) rejects.
 *
 * @example
 * ```ts
 * const positiveScalar: TensorPredicate = (t) => t.size === 1 && t.toNumbers()[0]! > 0;
 * ```
 * @group Building patterns
 */
export type TensorPredicate = (tensor: Tensor) => boolean | string;

/**
 * What a node attribute must be: an exact value (number, bigint, string, list of numbers or
 * strings), `null` for "must be absent", or a function of the attribute (undefined when absent)
 * and the node, returning `true` to accept or `false`/a reason to reject.
 *
 * @example
 * ```ts
 * import { attrNumber } from 'onnx-surgeon/ir';
 * const softmaxLastAxis: AttributePredicate = (a) => a === undefined || attrNumber(a) === -1;
 * ```
 * @group Building patterns
 */
export type AttributePredicate =
  | number
  | bigint
  | string
  | readonly number[]
  | readonly string[]
  | null
  | ((value: AttributeValue | undefined, node: Node) => boolean | string);

/** Where a pattern object was created: at top level, or inside the body of a {@link RepeatPattern}. */
export type PatternScope = RepeatPattern | undefined;

let nextPatternId = 1;

/**
 * Base of every pattern that stands for one graph value. `as(name)` captures the matched value
 * under `name`; the same name used twice means both places must be the same value.
 *
 * @example
 * ```ts
 * const p = pattern((op, x) => op.Relu(x).as('activation'));
 * ```
 * @group Building patterns
 */
export abstract class ValuePattern {
  /** Discriminant for the matcher. */
  abstract readonly kind: 'any' | 'const' | 'output' | 'oneOf' | 'optional';
  /** Capture name, if captured. */
  captureName: string | undefined;
  /** Repeat body this pattern was created in (its binding is per copy). @internal */
  readonly scope: PatternScope;
  /** Creation number, for stable printing. @internal */
  readonly id = nextPatternId++;

  constructor(scope: PatternScope) {
    this.scope = scope;
  }

  /** Captures the matched value under `name` (returns `this` for chaining). */
  as(name: string): this {
    this.captureName = name;
    return this;
  }

  /** A short text form of the pattern (`Mul(Sub(x, 1), scale)`), for messages and docs. */
  abstract toString(): string;
}

/**
 * Which values an {@link AnyValuePattern} accepts.
 *
 * @example
 * ```ts
 * pattern((op) => op.MatMul(op.input('x'), op.initializer('w'))); // op.any('v'): anything present
 * ```
 * @group Building patterns
 */
export type LeafKind = 'any' | 'input' | 'initializer';

/**
 * Matches any present value (`any`), only graph inputs (`input`), or only initializers
 * (`initializer`), optionally filtered by a predicate.
 *
 * @example
 * ```ts
 * const p = pattern((op) => op.Relu(op.input('x')));
 * ```
 * @group Building patterns
 */
export class AnyValuePattern extends ValuePattern {
  readonly kind = 'any';
  constructor(scope: PatternScope, readonly leaf: LeafKind, readonly where?: ValuePredicate) {
    super(scope);
  }
  override toString(): string {
    const name = this.captureName ?? '_';
    return this.leaf === 'any' ? name : `${this.leaf}(${name})`;
  }
}

/**
 * Matches a constant: an initializer that is not a graph input, or the output of a `Constant`
 * node. `expected` compares values (a number must equal every element, so scalars and
 * broadcast-equal tensors both match; a list must equal the elements in order); `predicate` vets
 * the tensor. The matched tensor is captured with {@link Captures.tensor}.
 *
 * @example
 * ```ts
 * const p = pattern((op, x) => op.Sub(x, op.const(1)));
 * ```
 * @group Building patterns
 */
export class ConstantPattern extends ValuePattern {
  readonly kind = 'const';
  constructor(
    scope: PatternScope,
    readonly expected: number | readonly number[] | undefined,
    readonly predicate: TensorPredicate | undefined,
    readonly tolerance: number | undefined,
  ) {
    super(scope);
  }
  override toString(): string {
    if (this.expected === undefined) return `const(${this.captureName ?? '_'})`;
    return Array.isArray(this.expected) ? `[${this.expected.join(', ')}]` : String(this.expected);
  }
}

/**
 * Matches output `index` of a node matching {@link NodePattern}. Created by the builder:
 * `op.Mul(a, b)` is output 0; `op.Split(x, { _outputs: 2 }).output(1)` is output 1.
 *
 * @example
 * ```ts
 * const halves = pattern((op, x) => { const s = op.Split(x, { _outputs: 2 }); return op.Mul(s, s.output(1)); });
 * ```
 * @group Building patterns
 */
export class NodeOutputPattern extends ValuePattern {
  readonly kind = 'output';
  constructor(scope: PatternScope, readonly node: NodePattern, readonly index: number) {
    super(scope);
  }

  /** Output `k` of the same node (the same node in the graph, not another one with the same op). */
  output(k: number): NodeOutputPattern {
    return this.node.output(k);
  }

  /** Captures the value under `name`, and the node too when the node has no capture name yet. */
  override as(name: string): this {
    this.captureName = name;
    if (this.node.captureName === undefined) this.node.captureName = name;
    return this;
  }

  override toString(): string {
    const suffix = this.index === 0 ? '' : `.output(${this.index})`;
    return `${this.node.toString()}${suffix}`;
  }
}

/**
 * Matches the first of several alternative patterns that matches (two ways exporters write the
 * same math). Captures inside the alternative not chosen are simply absent. When captured, the
 * chosen alternative's position is available from {@link Captures.choice}.
 *
 * @example
 * ```ts
 * const twoXMinus1 = pattern((op, x) => op.oneOf(op.Sub(op.Mul(x, 2), 1), op.Add(op.Mul(x, 2), -1)));
 * ```
 * @group Building patterns
 */
export class OneOfPattern extends ValuePattern {
  readonly kind = 'oneOf';
  constructor(scope: PatternScope, readonly alternatives: readonly ValuePattern[]) {
    super(scope);
  }
  override toString(): string {
    return `oneOf(${this.alternatives.map((a) => a.toString()).join(' | ')})`;
  }
}

/**
 * An optional node input: matches an omitted input (captured as `undefined`) or a value matching
 * `inner`.
 *
 * @example
 * ```ts
 * const clip = pattern((op, x) => op.Clip(x, op.optional(op.any('lo')), op.optional(op.any('hi'))));
 * ```
 * @group Building patterns
 */
export class OptionalPattern extends ValuePattern {
  readonly kind = 'optional';
  constructor(scope: PatternScope, readonly inner: ValuePattern) {
    super(scope);
  }
  override toString(): string {
    return `${this.inner.toString()}?`;
  }
}

/**
 * N copies of a sub-pattern feeding consecutive inputs of one variadic node (Concat of per-level
 * branches). Pattern objects created inside the body are per copy (their captures become lists);
 * objects from outside the body, and capture names also used outside it or listed in `shared`,
 * must bind to the same value in every copy.
 *
 * @example
 * ```ts
 * const p = pattern((op, value) => op.Concat(op.repeat((op) => op.Mul(value, op.any('w')), { min: 2, max: 4 })));
 * ```
 * @group Building patterns
 */
export class RepeatPattern {
  readonly kind = 'repeat';
  /** The body, set once the body function has run. @internal */
  body!: ValuePattern;
  /** Capture name for the number of copies matched. */
  captureName: string | undefined;
  /** Unnamed pattern objects created inside the body (bindings cleared between copies). @internal */
  readonly localObjects: (ValuePattern | NodePattern)[] = [];
  /** Capture keys that are per copy, finalized by `pattern()`. @internal */
  localKeys: BindingKey[] = [];
  readonly id = nextPatternId++;

  constructor(readonly min: number, readonly max: number, readonly shared: readonly string[]) {}

  /** Captures the number of copies (see {@link Captures.count}). */
  as(name: string): this {
    this.captureName = name;
    return this;
  }

  toString(): string {
    return `repeat(${this.body.toString()}, ${this.min}..${this.max === Infinity ? '' : this.max})`;
  }
}

/**
 * A slot of a node pattern's input list.
 *
 * @example
 * ```ts
 * pattern((op) => op.Concat(op.any('first'), op.repeat((op) => op.Relu(op.any('r')))));
 * ```
 * @group Building patterns
 */
export type InputPattern = ValuePattern | RepeatPattern;

/**
 * Options of a node pattern beyond its op type and inputs (see builder `_`-prefixed keys).
 *
 * @example
 * ```ts
 * pattern((op, a, b, c) => op.Sum(a, b, c, { _commutative: false, _allowExtraInputs: true }));
 * ```
 * @group Building patterns
 */
export interface NodePatternOptions {
  domain: string;
  /** Required number of outputs, if the pattern cares. */
  outputCount: number | undefined;
  /** Match the two (or few) inputs in any order. */
  commutative: boolean;
  /** Accept extra trailing inputs beyond those the pattern lists. */
  allowExtraInputs: boolean;
  /** Reject nodes carrying attributes the pattern does not mention. */
  exactAttributes: boolean;
}

/**
 * One operator application in a pattern: op type, domain, input patterns, attribute predicates.
 *
 * @example
 * ```ts
 * const output = pattern((op, x) => op.Softmax(x, { axis: -1 })).outputs[0];
 * if (output instanceof NodeOutputPattern) output.node.op; // 'Softmax'
 * ```
 * @group Building patterns
 */
export class NodePattern {
  /** Capture name for the matched node. */
  captureName: string | undefined;
  readonly id = nextPatternId++;
  private readonly outputPatterns: NodeOutputPattern[] = [];

  constructor(
    readonly scope: PatternScope,
    readonly op: string,
    readonly inputs: readonly InputPattern[],
    readonly attributes: ReadonlyMap<string, AttributePredicate>,
    readonly options: NodePatternOptions,
  ) {}

  /** The pattern of output `k` (one object per output, so it can be shared). */
  output(k: number): NodeOutputPattern {
    let out = this.outputPatterns[k];
    if (!out) {
      out = new NodeOutputPattern(this.scope, this, k);
      this.outputPatterns[k] = out;
    }
    return out;
  }

  /** Output patterns created so far, by index (sparse). @internal */
  get createdOutputs(): readonly (NodeOutputPattern | undefined)[] {
    return this.outputPatterns;
  }

  /** The repeat among the inputs, if any. */
  get repeat(): RepeatPattern | undefined {
    return this.inputs.find((i): i is RepeatPattern => i instanceof RepeatPattern);
  }

  toString(): string {
    const domain = this.options.domain ? `${this.options.domain}.` : '';
    const attrs = [...this.attributes.entries()].map(([k, v]) => `${k}=${describeAttributePredicate(v)}`);
    const args = [...this.inputs.map((i) => i.toString()), ...attrs];
    return `${domain}${this.op}(${args.join(', ')})`;
  }
}

/** How a predicate prints in pattern text and messages. @internal */
export function describeAttributePredicate(p: AttributePredicate): string {
  if (typeof p === 'function') return '<predicate>';
  if (p === null) return 'absent';
  if (Array.isArray(p)) return `[${p.join(',')}]`;
  return typeof p === 'string' ? `'${p}'` : String(p);
}

/**
 * What a binding is keyed by: the pattern object itself, or `v:<name>` / `n:<name>` for captured
 * values / nodes, so that one name used in two places is one binding. @internal
 */
export type BindingKey = ValuePattern | NodePattern | RepeatPattern | string;

/** The binding key of a value or node pattern. @internal */
export function bindingKey(p: ValuePattern | NodePattern): BindingKey {
  if (p.captureName === undefined) return p;
  return p instanceof NodePattern ? `n:${p.captureName}` : `v:${p.captureName}`;
}

/**
 * A finished pattern: its output value patterns (the first one anchors the search), its input
 * wildcards, and a printable form.
 *
 * @example
 * ```ts
 * const p = pattern((op, x) => op.Mul(op.Sub(x, 1), op.any('scale')));
 * p.toString(); // 'Mul(Sub(x, 1), scale)'
 * ```
 * @group Building patterns
 */
export class Pattern {
  constructor(
    /** Output patterns; the replacement returns one value per entry. */
    readonly outputs: readonly ValuePattern[],
    /** Wildcards created for the pattern function's parameters, in order. */
    readonly inputs: readonly AnyValuePattern[],
    /** Every repeat in the pattern. @internal */
    readonly repeats: readonly RepeatPattern[],
    /** Optional human name. */
    readonly name: string | undefined,
  ) {}

  /** `{op, domain}` pairs a graph node must have to anchor a match (root alternatives). */
  anchorOps(): { op: string; domain: string }[] {
    const out: { op: string; domain: string }[] = [];
    const visit = (p: ValuePattern): void => {
      if (p instanceof NodeOutputPattern) out.push({ op: p.node.op, domain: p.node.options.domain });
      else if (p instanceof OneOfPattern) p.alternatives.forEach(visit);
    };
    visit(this.outputs[0]!);
    return out;
  }

  toString(): string {
    const body = this.outputs.map((o) => o.toString()).join(', ');
    return this.outputs.length === 1 ? body : `(${body})`;
  }
}
