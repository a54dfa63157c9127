/**
 * The `op` builder: patterns are ordinary TypeScript that reads like the math they match
 * (`op.Mul(op.Sub(x, 1), op.any('scale'))`), in the style of onnxscript's rewriter.
 */
import { OnnxSurgeonError } from '../errors.js';
import { normalizeDomain } from '../ir/index.js';
import type { OnnxOpType } from './onnx-op-types.js';
import {
  AnyValuePattern, type AttributePredicate, ConstantPattern, type InputPattern, type LeafKind, NodeOutputPattern, NodePattern,
  OneOfPattern, OptionalPattern, Pattern, type PatternScope, RepeatPattern, type TensorPredicate, type ValuePattern as ValuePatternT,
  type ValuePredicate, ValuePattern, bindingKey,
} from './pattern.js';

/**
 * Ops whose operands may be matched in either order (elementwise, symmetric).
 *
 * @example
 * ```ts
 * COMMUTATIVE_OPS.has('Add'); // true: op.Add(a, b) also matches Add(b, a)
 * ```
 * @group Building patterns
 */
export const COMMUTATIVE_OPS: ReadonlySet<string> = new Set(['Add', 'Mul', 'And', 'Or', 'Xor', 'Equal', 'Max', 'Min', 'Sum', 'Mean', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor']);

/**
 * An argument of an op in a pattern: a value pattern, a repeat (variadic inputs), or a number /
 * list of numbers as shorthand for `op.const(...)`.
  *
  * @example
  * ```ts
  * pattern((op, x) => op.Sub(x, 1)); // 1 is shorthand for op.const(1)
  * ```
 * @group Building patterns
 */
export type PatternArg = ValuePatternT | RepeatPattern | number | readonly number[];

/**
 * Options of one op in a pattern: `_`-prefixed keys configure the node, every other key is an
 * attribute predicate (see {@link AttributePredicate}).
 *
 * @example
 * ```ts
 * pattern((op, x) => op.Softmax(x, { axis: -1, _name: 'softmax' }));
 * pattern((op, x) => op.Split(x, { _outputs: 2 }).output(1));
 * ```
 * @group Building patterns
 */
export interface PatternNodeOptions {
  /** Operator domain (default `''`; `'ai.onnx'` is treated as `''`). */
  _domain?: string;
  /** The node must have exactly this many outputs. */
  _outputs?: number;
  /** Override whether operands may swap (defaults to {@link COMMUTATIVE_OPS}). */
  _commutative?: boolean;
  /** Accept extra trailing inputs the pattern does not list. */
  _allowExtraInputs?: boolean;
  /** Reject nodes with attributes the pattern does not mention. */
  _exactAttributes?: boolean;
  /** Capture the node (and its output 0) under this name. */
  _name?: string;
  /** Attribute predicates (booleans are only meaningful for the `_` keys). */
  [attribute: string]: AttributePredicate | boolean | undefined;
}

/**
 * An op of the builder: inputs, then optionally a {@link PatternNodeOptions} object.
 *
 * @example
 * ```ts
 * pattern((op, x) => {
 *   const relu: PatternOpFunction = op.Relu;
 *   return relu(x);
 * });
 * ```
 * @group Building patterns
 */
export type PatternOpFunction = (...args: (PatternArg | PatternNodeOptions)[]) => NodeOutputPattern;

/**
 * Options of {@link PatternHelpers.repeat}.
 *
 * @example
 * ```ts
 * pattern((op, x) => op.Sum(op.repeat((op) => op.Mul(x, op.any('w')), { min: 1, max: 4, shared: [] })));
 * ```
 * @group Building patterns
 */
export interface RepeatOptions {
  /** Fewest copies (default 1). */
  min?: number;
  /** Most copies (default unbounded). */
  max?: number;
  /** Capture names created inside the body that must be the same value in every copy. */
  shared?: readonly string[];
}

/**
 * Options of {@link PatternHelpers.const}.
 *
 * @example
 * ```ts
 * pattern((op, x) => op.Mul(x, op.const(0.125, { tolerance: 1e-3, name: 'scale' })));
 * ```
 * @group Building patterns
 */
export interface ConstOptions {
  /** Relative tolerance for float comparisons (default 1e-6; 1e-3 for 16-bit floats). */
  tolerance?: number;
  /** Capture the constant's value and tensor under this name. */
  name?: string;
}

/**
 * The lower-case helpers of the `op` builder (op types are upper-case properties).
 *
 * @example
 * ```ts
 * pattern((op, x) => op.Add(op.oneOf(op.Relu(x), op.Clip(x, 0)), op.const(1)));
 * pattern((op, a, b) => op.Gemm(a, b, op.optional(op.any('bias'))));
 * ```
 * @group Building patterns
 */
export interface PatternHelpers {
  /** Any present value; captured as `name` when given. */
  any(name?: string, where?: ValuePredicate): AnyValuePattern;
  /** A graph input. */
  input(name?: string, where?: ValuePredicate): AnyValuePattern;
  /** An initializer (constant or overridable). */
  initializer(name?: string, where?: ValuePredicate): AnyValuePattern;
  /** A constant equal to `value` (every element, so broadcast-equal tensors match) or to a list. */
  const(value: number | readonly number[], options?: ConstOptions): ConstantPattern;
  /** A constant captured as `name` (value and tensor), optionally vetted by `predicate`. */
  constant(name?: string, predicate?: TensorPredicate): ConstantPattern;
  /** The first alternative that matches. */
  oneOf(...alternatives: PatternArg[]): OneOfPattern;
  /** An input that may be omitted. */
  optional(inner: PatternArg): OptionalPattern;
  /** N copies of `body` feeding consecutive inputs of the enclosing variadic op. */
  repeat(body: (op: PatternOps) => PatternArg, options?: RepeatOptions): RepeatPattern;
  /** An op by name, for op types that are not valid upper-case identifiers. */
  node(opType: string, inputs: readonly PatternArg[], options?: PatternNodeOptions): NodeOutputPattern;
  /** The same builder with a default domain: `op.domain('com.microsoft').FusedMatMul(a, b)`. */
  domain(domain: string): PatternOps;
}

/**
 * The `op` object a pattern function receives: `op.<OpType>(...inputs, options?)` builds a node
 * pattern, lower-case members are {@link PatternHelpers}.
 *
 * @example
 * ```ts
 * pattern((op, q, k, v) => op.MatMul(op.Softmax(op.MatMul(q, op.Transpose(k))), v));
 * ```
 * @group Building patterns
 */
export type PatternOps = PatternHelpers
  & { readonly [opType in OnnxOpType]: PatternOpFunction }
  & { readonly [opType: `${Uppercase<string>}${string}`]: PatternOpFunction };

/**
 * Options of {@link pattern}.
 *
 * @example
 * ```ts
 * pattern((op, a) => op.Neg(a), { name: 'negation', inputs: ['a'] });
 * ```
 * @group Building patterns
 */
export interface PatternOptions {
  /** Human name (shown in messages). */
  name?: string;
  /** Capture names of the function's parameters after `op` (default: read from the function). */
  inputs?: readonly string[];
}

/**
 * A function that builds a pattern from the `op` builder and one wildcard per extra parameter.
 *
 * @example
 * ```ts
 * const fn: PatternFunction = (op, x) => op.Relu(op.Neg(x));
 * ```
 * @group Building patterns
 */
export type PatternFunction = (op: PatternOps, ...inputs: AnyValuePattern[]) => ValuePatternT | readonly ValuePatternT[];

/**
 * Builds a {@link Pattern} by running `fn` once with the `op` builder. Parameters after `op` are
 * wildcards captured under their parameter names (or `options.inputs`), so
 * `pattern((op, x) => op.Relu(x))` captures `x`.
 *
 * @example
 * ```ts
 * const scaleShift = pattern((op, x) => op.Mul(op.Sub(x, 1), op.any('scale')));
 * const softmaxLast = pattern((op, x) => op.Softmax(x, { axis: -1 }), { name: 'softmax' });
 * ```
 * @group Patterns
 */
export function pattern(fn: PatternFunction, options: PatternOptions = {}): Pattern {
  const names = options.inputs ?? parameterNames(fn);
  const builder = new PatternBuilderState();
  const ops = builder.ops('');
  const inputs: AnyValuePattern[] = [];
  for (let i = 0; i < Math.max(fn.length - 1, names.length); i++) {
    inputs.push(new AnyValuePattern(undefined, 'any').as(names[i] ?? `input${i}`));
  }
  const result = fn(ops, ...inputs);
  const outputs = (Array.isArray(result) ? result : [result]) as readonly ValuePatternT[];
  if (!outputs.length) throw usage('a pattern must return at least one value pattern');
  for (const o of outputs) if (!(o instanceof ValuePattern)) throw usage('a pattern must return value patterns built with op');
  const root = outputs[0]!;
  const anchorable = (p: ValuePatternT): boolean =>
    p instanceof NodeOutputPattern || (p instanceof OneOfPattern && p.alternatives.every(anchorable));
  if (!anchorable(root)) {
    throw usage(`the first output of a pattern must be an op (or oneOf ops) to anchor the search, found '${root.toString()}'`);
  }
  finalizeRepeats(outputs, builder.repeats);
  return new Pattern(outputs, inputs, builder.repeats, options.name);
}

/** Mutable state while a pattern function runs: the repeat scope stack. */
class PatternBuilderState {
  readonly repeats: RepeatPattern[] = [];
  scope: PatternScope = undefined;

  ops(defaultDomain: string): PatternOps {
    const helpers: PatternHelpers = {
      any: (name, where) => this.named(new AnyValuePattern(this.scope, 'any', where), name),
      input: (name, where) => this.leaf('input', name, where),
      initializer: (name, where) => this.leaf('initializer', name, where),
      const: (value, options = {}) => this.named(new ConstantPattern(this.scope, value, undefined, options.tolerance), options.name),
      constant: (name, predicate) => this.named(new ConstantPattern(this.scope, undefined, predicate, undefined), name),
      oneOf: (...alternatives) => {
        if (alternatives.length < 2) throw usage('oneOf needs at least two alternatives');
        return this.track(new OneOfPattern(this.scope, alternatives.map((a) => this.toValuePattern(a, 'oneOf'))));
      },
      optional: (inner) => this.track(new OptionalPattern(this.scope, this.toValuePattern(inner, 'optional'))),
      repeat: (body, options = {}) => this.repeat(body, options),
      node: (opType, inputs, options) => this.node(opType, defaultDomain, inputs, options ?? {}),
      domain: (domain) => this.ops(domain),
    };
    return new Proxy(helpers, {
      get: (target, key, receiver) => {
        if (typeof key === 'string' && !(key in target) && /^[A-Z]/.test(key)) {
          return (...args: (PatternArg | PatternNodeOptions)[]) => {
            const last = args[args.length - 1];
            const hasOptions = isOptions(last);
            const inputs = (hasOptions ? args.slice(0, -1) : args) as PatternArg[];
            return this.node(key, defaultDomain, inputs, hasOptions ? last : {});
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    }) as PatternOps;
  }

  private leaf(kind: LeafKind, name: string | undefined, where: ValuePredicate | undefined): AnyValuePattern {
    return this.named(new AnyValuePattern(this.scope, kind, where), name);
  }

  private named<T extends ValuePatternT>(p: T, name: string | undefined): T {
    if (name !== undefined) p.as(name);
    return this.track(p);
  }

  private track<T extends ValuePatternT | NodePattern>(p: T): T {
    if (this.scope) this.scope.localObjects.push(p);
    return p;
  }

  private node(opType: string, defaultDomain: string, args: readonly PatternArg[], options: PatternNodeOptions): NodeOutputPattern {
    const attributes = new Map<string, AttributePredicate>();
    for (const [key, value] of Object.entries(options)) {
      if (key.startsWith('_') || value === undefined) continue;
      if (typeof value === 'boolean') throw usage(`${opType}: attribute '${key}' cannot be matched against a boolean`);
      attributes.set(key, value);
    }
    const inputs: InputPattern[] = args.map((a, i) => (a instanceof RepeatPattern ? a : this.toValuePattern(a, `input ${i} of ${opType}`)));
    if (inputs.filter((i) => i instanceof RepeatPattern).length > 1) throw usage(`${opType}: at most one repeat per op`);
    const domain = normalizeDomain(options._domain ?? defaultDomain);
    const node = this.track(new NodePattern(this.scope, opType, inputs, attributes, {
      domain,
      outputCount: options._outputs,
      commutative: options._commutative ?? (domain === '' && COMMUTATIVE_OPS.has(opType)),
      allowExtraInputs: options._allowExtraInputs ?? false,
      exactAttributes: options._exactAttributes ?? false,
    }));
    const out = this.track(node.output(0));
    if (options._name !== undefined) out.as(options._name);
    return out;
  }

  private repeat(body: (op: PatternOps) => PatternArg, options: RepeatOptions): RepeatPattern {
    if (this.scope) throw usage('repeat cannot be nested inside another repeat');
    const min = options.min ?? 1;
    const max = options.max ?? Infinity;
    if (!(min >= 0 && max >= min)) throw usage(`repeat bounds must satisfy 0 <= min <= max, got ${min}..${max}`);
    const repeat = new RepeatPattern(min, max, options.shared ?? []);
    this.scope = repeat;
    try {
      repeat.body = this.toValuePattern(body(this.ops('')), 'repeat body');
    } finally {
      this.scope = undefined;
    }
    this.repeats.push(repeat);
    return repeat;
  }

  private toValuePattern(arg: PatternArg, where: string): ValuePatternT {
    if (arg instanceof ValuePattern) return arg;
    if (typeof arg === 'number' || Array.isArray(arg)) return this.track(new ConstantPattern(this.scope, arg as number | number[], undefined, undefined));
    if (arg instanceof RepeatPattern) throw usage(`${where}: a repeat can only be an input of a variadic op`);
    throw usage(`${where}: expected a value pattern, a number or a list of numbers`);
  }
}

/** True for a trailing options object (anything that is not a pattern argument). */
function isOptions(arg: unknown): arg is PatternNodeOptions {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !(arg instanceof ValuePattern) && !(arg instanceof RepeatPattern);
}

/**
 * Decides, once the pattern is complete, which capture keys of each repeat are per copy: unnamed
 * objects created in the body, and names used only inside the body and not listed as shared.
 */
function finalizeRepeats(outputs: readonly ValuePatternT[], repeats: readonly RepeatPattern[]): void {
  if (!repeats.length) return;
  const namesOutside = new Set<string>();
  const seen = new Set<object>();
  const visit = (p: ValuePatternT | NodePattern | RepeatPattern): void => {
    if (seen.has(p)) return;
    seen.add(p);
    if (p instanceof RepeatPattern) { visit(p.body); return; }
    if (p.scope === undefined && p.captureName !== undefined) namesOutside.add(`${p instanceof NodePattern ? 'n' : 'v'}:${p.captureName}`);
    if (p instanceof NodePattern) p.inputs.forEach(visit);
    else if (p instanceof NodeOutputPattern) { visit(p.node); p.node.createdOutputs.forEach((o) => o && visit(o)); }
    else if (p instanceof OneOfPattern) p.alternatives.forEach(visit);
    else if (p instanceof OptionalPattern) visit(p.inner);
  };
  outputs.forEach(visit);
  for (const repeat of repeats) {
    const keys = new Set<string | object>();
    const objects: (ValuePatternT | NodePattern)[] = [];
    for (const o of repeat.localObjects) {
      objects.push(o);
      if (o instanceof NodePattern) for (const out of o.createdOutputs) if (out) objects.push(out);
    }
    for (const obj of objects) {
      const key = bindingKey(obj);
      if (typeof key !== 'string') keys.add(key);
      else if (!namesOutside.has(key) && !repeat.shared.includes(key.slice(2))) keys.add(key);
    }
    repeat.localKeys = [...keys] as typeof repeat.localKeys;
  }
}

/**
 * Parameter names of a pattern function after the first (`(op, x, scale) => ...` gives
 * `['x', 'scale']`), read from its source text. Minifiers rename parameters: pass
 * `options.inputs` when patterns go through one.
 */
function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const source = Function.prototype.toString.call(fn);
  const match = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(source) ?? /^(?:async\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (!match) return [];
  return match[1]!.split(',').map((p) => p.trim().replace(/=.*$/, '').trim()).filter((p) => /^[A-Za-z_$][\w$]*$/.test(p)).slice(1);
}

function usage(detail: string): OnnxSurgeonError {
  return new OnnxSurgeonError('usage', `pattern: ${detail}`);
}
