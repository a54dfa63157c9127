/**
 * What a rule's `replace` function builds with: `b.op.Gemm(a, w, bias, { transB: 1 })` makes a
 * node (named after the match so the result reads well in Netron) in a detached
 * {@link GraphEdit}; the rewriter commits the edit only once the replacement passed its checks.
 */
import { OnnxSurgeonError } from '../errors.js';
import { type AttributeValue, type Graph, type GraphEdit, type Model, type Node, type NodeSpec, Tensor, Value, attr, isOnnxDomain } from '../ir/index.js';
import type { OnnxOpType } from './onnx-op-types.js';

/**
 * An attribute in a replacement: an IR {@link AttributeValue} (`attr.float(1)`), or a plain value
 * converted by kind: integer number or bigint → int, other number → float, string → string,
 * number list → ints when all integers else floats, string list → strings, {@link Tensor} → tensor.
 * Use `attr.float(1)` for a float attribute whose value happens to be integral.
  *
  * @example
  * ```ts
  * rule({
  *   name: 'to-gemm',
  *   pattern: (op, a, w, c) => op.Add(op.MatMul(a, op.Transpose(w)), c),
  *   replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('c'), { transB: 1, alpha: attr.float(1), _name: 'fc' }),
  * });
  * ```
 * @group Rewriting
 */
export type ReplacementAttribute = AttributeValue | number | bigint | string | readonly number[] | readonly string[] | Tensor;

/**
 * Options of one op in a replacement: `_`-prefixed keys configure the node, the rest are
 * attributes.
 *
 * @example
 * ```ts
 * const replace: ReplaceFunction = (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias'), { transB: 1, _name: 'fc1' });
 * const scaled: ReplaceFunction = (b, m) => b.op.Mul(m.value('x'), m.value('k'), { _name: 'scale', _domain: '' });
 * ```
 * @group Rewriting
 */
export interface ReplacementNodeOptions {
  /** Operator domain (imported at version 1 in the model if not yet imported). */
  _domain?: string;
  /** Node name (default `<anchor name>/<op>`, made unique). */
  _name?: string;
  /** Attributes. */
  [attribute: string]: ReplacementAttribute | undefined;
}

/**
 * An op of the replacement builder; returns the new node's output 0.
 *
 * @example
 * ```ts
 * const replace: ReplaceFunction = (b, m) => {
 *   const gemm: ReplacementOpFunction = b.op.Gemm;
 *   return gemm(m.value('a'), m.value('w'), m.value('c'), { transB: 1 });
 * };
 * ```
 * @group Rewriting
 */
export type ReplacementOpFunction = (...args: (Value | undefined | ReplacementNodeOptions)[]) => Value;

/**
 * `b.op.<OpType>(...inputs, options?)`: adds a node and returns its first output. For several
 * outputs use {@link RewriteBuilder.node}.
  *
  * @example
  * ```ts
  * const replace: ReplaceFunction = (b, m) => b.op.Relu(b.op.Add(m.value('x'), m.value('bias')));
  * ```
 * @group Rewriting
 */
export type ReplacementOps = { readonly [opType in OnnxOpType]: ReplacementOpFunction }
  & { readonly [opType: `${Uppercase<string>}${string}`]: ReplacementOpFunction };

/**
 * The builder handed to a rule's `replace`. Nodes are made detached, in the rule's
 * {@link GraphEdit}, and named `<base>/<op>` where the base is the anchor node's name; the
 * rewriter inserts them (and re-sorts the graph) only if the rewrite goes ahead.
 *
 * @example
 * ```ts
 * const replace: ReplaceFunction = (b: RewriteBuilder, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias'));
 * ```
 * @group Patterns
 */
export class RewriteBuilder {
  /** Ops by name: `b.op.Relu(x)`. */
  readonly op: ReplacementOps;

  constructor(
    /** The detached edit the replacement is built in. */
    readonly edit: GraphEdit,
    /** Prefix for generated node names. */
    readonly baseName: string,
  ) {
    this.op = new Proxy({}, {
      get: (_target, key) => (typeof key === 'string' ? (...args: (Value | undefined | ReplacementNodeOptions)[]) => this.opCall(key, args) : undefined),
    }) as ReplacementOps;
  }

  /** The graph being rewritten (read it; change it only through this builder). */
  get graph(): Graph {
    return this.edit.graph;
  }

  /** The model, when the rewrite was started on one (needed to import custom domains). */
  get model(): Model | undefined {
    return this.edit.model;
  }

  /**
   * Makes a node from a full {@link NodeSpec} (several outputs, output names or types); the name
   * defaults to `<base>/<op>`. A custom domain is imported at version 1 if the model lacks it.
   */
  node(spec: NodeSpec): Node {
    const node = this.edit.node({ ...spec, name: spec.name ?? `${this.baseName}/${spec.op}` });
    const domain = spec.domain ?? '';
    if (!isOnnxDomain(domain) && this.model && !this.model.opsetImports.has(domain)) this.edit.requireOpset(domain, 1);
    return node;
  }

  /** Makes a constant initializer (named `<base>/<name>`) and returns its value. */
  initializer(tensor: Tensor, name = 'const'): Value {
    return this.edit.initializer(tensor, `${this.baseName}/${name}`);
  }

  /** Imports `domain` at `version` in the model unless it is imported already. */
  requireOpset(domain: string, version: number): void {
    if (this.model && !this.model.opsetImports.has(domain)) this.edit.requireOpset(domain, version);
  }

  /** Nodes made so far. */
  get nodes(): readonly Node[] {
    return this.edit.nodes;
  }

  /** `b.op.<key>(...inputs, options?)`: splits inputs from options and makes the node. */
  private opCall(key: string, args: (Value | undefined | ReplacementNodeOptions)[]): Value {
    const last = args[args.length - 1];
    const hasOptions = last !== undefined && !(last instanceof Value);
    const options = (hasOptions ? last : {}) as ReplacementNodeOptions;
    const inputs = (hasOptions ? args.slice(0, -1) : args) as (Value | undefined)[];
    for (const [i, input] of inputs.entries()) {
      if (input !== undefined && !(input instanceof Value)) {
        throw new OnnxSurgeonError('usage', `replacement ${key}: input ${i} is not a Value`, { expected: 'a Value from the captures or the builder' });
      }
    }
    const attributes: Record<string, AttributeValue> = {};
    for (const [name, value] of Object.entries(options)) {
      if (name.startsWith('_') || value === undefined) continue;
      attributes[name] = toAttributeValue(value, `${key}.${name}`);
    }
    const spec: NodeSpec = { op: key, inputs, attributes };
    if (options._domain !== undefined) spec.domain = options._domain as string;
    if (options._name !== undefined) spec.name = options._name as string;
    return this.node(spec).output(0);
  }
}

/**
 * Converts a {@link ReplacementAttribute} to an IR attribute value.
 *
 * @example
 * ```ts
 * toAttributeValue([0, 2, 1], 'perm'); // { kind: 'ints', value: [0, 2, 1] }
 * ```
 * @group Rewriting
 */
export function toAttributeValue(value: ReplacementAttribute, where: string): AttributeValue {
  if (value instanceof Tensor) return attr.tensor(value);
  if (typeof value === 'number') return Number.isInteger(value) ? attr.int(value) : attr.float(value);
  if (typeof value === 'bigint') return attr.int(value);
  if (typeof value === 'string') return attr.string(value);
  if (Array.isArray(value)) {
    const list = value as readonly (number | string)[];
    if (list.every((x) => typeof x === 'string')) return list.length ? attr.strings(list as string[]) : attr.ints([]);
    if (list.every((x) => typeof x === 'number')) {
      const numbers = list as number[];
      return numbers.every(Number.isInteger) ? attr.ints([...numbers]) : attr.floats([...numbers]);
    }
    throw new OnnxSurgeonError('usage', `attribute ${where} mixes numbers and strings`);
  }
  if (typeof value === 'object' && value !== null && 'kind' in value) return value as AttributeValue;
  throw new OnnxSurgeonError('usage', `attribute ${where} has an unsupported value`, { found: typeof value });
}
