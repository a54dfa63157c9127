import { OnnxSurgeonError } from '../errors.js';
import type { Attribute, AttributeValue } from './attribute.js';
import { attrInts, attrNumber, attrString } from './attribute.js';
import { AttributeMap } from './attribute-map.js';
import type { Graph } from './graph.js';
import type { Value } from './value.js';

/**
 * An operator application. Inputs are edges ({@link Value}s; `undefined` for an omitted optional
 * input), outputs are the values it produces. Editing inputs through {@link setInput} keeps every
 * value's `uses` list right.
 *
 * @example
 * ```ts
 * for (const n of graph.nodes) {
 *   if (n.opType !== 'GridSample') continue;
 *   console.log(n.label, n.attrString('padding_mode', 'zeros'), n.inputs.map((v) => v?.name));
 * }
 * ```
 * @group IR
 */
export class Node {
  /** Operator type, e.g. `GridSample`. */
  opType: string;
  /** Operator domain; `''` is the default ONNX domain. */
  domain: string;
  /** Node name (may be empty in the model; {@link label} always gives something printable). */
  name: string;
  /** Function overload identifier (IR 10). */
  overload?: string;
  /** Documentation string. */
  docString?: string;
  /** Free-form metadata (IR 10 `metadata_props`), in model order. */
  metadataProps?: [string, string][];
  /** Codec bookkeeping for lossless round trips. */
  serdeOrigin?: unknown;
  /**
   * Attributes by name, in model order: a Map to read and edit (`get`, `set`, `delete`,
   * iteration), held compactly since most nodes have none or one. It is not `instanceof Map`,
   * and each attribute is keyed by its own `name` (`set` under another key throws).
   */
  readonly attributes: Map<string, Attribute> = new AttributeMap();
  /**
   * Names the model gave more than one attribute (the last one is in {@link attributes}). ONNX
   * forbids this and onnxruntime refuses such a node, so no pass may pick a meaning for it.
   */
  repeatedAttributes?: string[];
  /** @internal */ _inputs: (Value | undefined)[] = [];
  /** @internal */ _outputs: Value[] = [];
  /** @internal */ _graph: Graph | undefined;
  /** @internal Scratch of toposort.ts: the node's position while an order is computed. */ _order = 0;
  /** @internal Scratch of liveness.ts: the mark of the latest liveness walk that reached the node. */ _liveMark = 0;

  /** @internal Nodes are created by {@link Graph.addNode} or a {@link GraphEdit} (detached until committed). */
  constructor(graph: Graph | undefined, opType: string, domain: string, name: string) {
    this._graph = graph;
    this.opType = opType;
    this.domain = domain;
    this.name = name;
  }

  /** Input values in slot order (`undefined` = omitted optional input). */
  get inputs(): readonly (Value | undefined)[] {
    return this._inputs;
  }

  /** Output values in slot order. */
  get outputs(): readonly Value[] {
    return this._outputs;
  }

  /** The graph this node belongs to; undefined while detached (an uncommitted edit) or after removal. */
  get graph(): Graph | undefined {
    return this._graph;
  }

  /** `name` if set, else `OpType#index-free` description usable in messages. */
  get label(): string {
    if (this.name) return this.name;
    const out = this._outputs.find((o) => o.name);
    return out ? `${this.opType} -> ${out.name}` : `${this.opType} (unnamed)`;
  }

  /**
   * The input at `index`, or throws a contextual error when absent.
   *
   * @example
   * ```ts
   * const gridSample = graph.nodes.find((n) => n.opType === 'GridSample');
   * gridSample?.input(1).type?.dtype; // the grid's element type; throws when input 1 is absent
   * ```
   */
  input(index: number): Value {
    const v = this._inputs[index];
    if (!v) {
      throw new OnnxSurgeonError('graph', `input ${index} is missing`, { node: this.label, expected: `${this.opType} input ${index}` });
    }
    return v;
  }

  /**
   * The output at `index`.
   *
   * @example
   * ```ts
   * const softmax = graph.addNode({ op: 'Softmax', inputs: [x], attributes: { axis: attr.int(-1) } });
   * softmax.output().consumers(); // [] until something reads it
   * ```
   */
  output(index = 0): Value {
    const v = this._outputs[index];
    if (!v) throw new OnnxSurgeonError('graph', `output ${index} does not exist`, { node: this.label });
    return v;
  }

  /**
   * Rewires input `index` to `value` (or omits it), updating both values' uses.
   *
   * @example
   * ```ts
   * node.setInput(0, x); // x gains a use, the old input loses one
   * ```
   */
  setInput(index: number, value: Value | undefined): void {
    const old = this._inputs[index];
    if (old === value) return;
    if (old) removeUse(old, this, index);
    while (this._inputs.length <= index) this._inputs.push(undefined);
    this._inputs[index] = value;
    if (value) value._uses.push({ node: this, index });
    // Trailing omitted inputs are dropped so the node serializes like ONNX writes it.
    while (this._inputs.length && this._inputs[this._inputs.length - 1] === undefined) this._inputs.pop();
  }

  /** Replaces all inputs (`undefined` entries are omitted optional inputs). */
  setInputs(values: readonly (Value | undefined)[]): void {
    for (let i = this._inputs.length - 1; i >= 0; i--) this.setInput(i, undefined);
    values.forEach((v, i) => this.setInput(i, v));
  }

  /**
   * An attribute's value, or undefined.
   *
   * @example
   * ```ts
   * node.attr('axis');          // e.g. { kind: 'int', value: -1 }, or undefined when unset
   * node.attrNumber('axis', -1); // -1 when unset
   * ```
   */
  attr(name: string): AttributeValue | undefined {
    return this.attributes.get(name)?.value;
  }

  /**
   * Sets (or replaces) an attribute. Setting a name the model repeated (see
   * {@link repeatedAttributes}) resolves the repetition: the node then has this one attribute.
   *
   * @example
   * ```ts
   * node.setAttr('padding_mode', attr.string('zeros'));
   * ```
   */
  setAttr(name: string, value: AttributeValue): void {
    if (this.repeatedAttributes?.includes(name)) {
      const left = this.repeatedAttributes.filter((n) => n !== name);
      if (left.length) this.repeatedAttributes = left;
      else delete this.repeatedAttributes;
    }
    const prev = this.attributes.get(name);
    const next: Attribute = { name, value };
    if (prev?.docString !== undefined) next.docString = prev.docString;
    this.attributes.set(name, next);
  }

  /** Integer/float attribute as a number, with a default. */
  attrNumber(name: string, fallback: number): number;
  attrNumber(name: string): number | undefined;
  attrNumber(name: string, fallback?: number): number | undefined {
    return attrNumber(this.attr(name)) ?? fallback;
  }

  /** `ints` attribute as numbers. */
  attrInts(name: string): number[] | undefined {
    return attrInts(this.attr(name));
  }

  /** String attribute as text, with a default. */
  attrString(name: string, fallback: string): string;
  attrString(name: string): string | undefined;
  attrString(name: string, fallback?: string): string | undefined {
    return attrString(this.attr(name)) ?? fallback;
  }
}

/** @internal */
export function removeUse(value: Value, node: Node, index: number): void {
  const i = value._uses.findIndex((u) => u.node === node && u.index === index);
  if (i >= 0) value._uses.splice(i, 1);
}
