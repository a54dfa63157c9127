/**
 * What a successful match binds: named values, nodes and constant tensors (single, or one per copy
 * for captures inside a repeat), plus the matched nodes and the values standing for the pattern's
 * outputs.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Node, Tensor, Value } from '../ir/index.js';

/** The raw content of a {@link Captures}, filled by the matcher. @internal */
export interface CaptureData {
  values: Map<string, Value | undefined>;
  nodes: Map<string, Node>;
  tensors: Map<string, Tensor>;
  choices: Map<string, number>;
  valueLists: Map<string, (Value | undefined)[]>;
  nodeLists: Map<string, Node[]>;
  tensorLists: Map<string, Tensor[]>;
  counts: Map<string, number>;
}

/** An empty {@link CaptureData}. @internal */
export function emptyCaptureData(): CaptureData {
  return {
    values: new Map(), nodes: new Map(), tensors: new Map(), choices: new Map(),
    valueLists: new Map(), nodeLists: new Map(), tensorLists: new Map(), counts: new Map(),
  };
}

/**
 * The bindings of one match, read by name. Accessors throw a contextual error for an unknown name
 * (a typo in a rule should fail loudly); {@link has} tests for captures that may be absent (the
 * alternative of a `oneOf` that was not taken, an omitted optional input).
 *
 * @example
 * ```ts
 * const scaled = pattern((op, x) => op.Mul(op.Sum(op.repeat((op) => op.any('grid'))), op.constant('scale')));
 * for (const captures of findMatches(graph, scaled)) {
 *   const scale = captures.tensor('scale').toNumbers()[0];
 *   const branches = captures.valueList('grid'); // one per repeat copy
 * }
 * ```
 * @group Patterns
 */
export class Captures {
  /** @internal */
  constructor(
    private readonly data: CaptureData,
    /** Every node of the graph the match covers, producers before consumers (a topological order). */
    readonly nodes: readonly Node[],
    /** The graph values matched by the pattern's outputs, in pattern order. */
    readonly outputs: readonly Value[],
    /** The node the match was anchored on (producer of the first output). */
    readonly anchor: Node,
  ) {}

  /** True when `name` was captured (as a value, node, tensor or list). */
  has(name: string): boolean {
    const d = this.data;
    return (d.values.has(name) && d.values.get(name) !== undefined) || d.nodes.has(name) || d.tensors.has(name)
      || d.valueLists.has(name) || d.nodeLists.has(name) || d.tensorLists.has(name);
  }

  /** The value captured as `name`. */
  value(name: string): Value {
    const v = this.data.values.get(name);
    if (!v) throw this.missing(name, this.data.values.has(name) ? 'a value (the optional input was omitted)' : 'a value');
    return v;
  }

  /** The value captured as `name`, or undefined (omitted optional input, untaken alternative). */
  optionalValue(name: string): Value | undefined {
    return this.data.values.get(name);
  }

  /** The node captured as `name`. */
  node(name: string): Node {
    const n = this.data.nodes.get(name);
    if (!n) throw this.missing(name, 'a node');
    return n;
  }

  /** The constant tensor captured as `name` (from `op.const` / `op.constant`). */
  tensor(name: string): Tensor {
    const t = this.data.tensors.get(name);
    if (!t) throw this.missing(name, 'a constant tensor');
    return t;
  }

  /** Which alternative (0-based) of the `oneOf` captured as `name` matched. */
  choice(name: string): number {
    const c = this.data.choices.get(name);
    if (c === undefined) throw this.missing(name, 'a oneOf choice');
    return c;
  }

  /** One value per repeat copy for a capture inside a repeat body. */
  valueList(name: string): (Value | undefined)[] {
    const l = this.data.valueLists.get(name);
    if (!l) throw this.missing(name, 'a per-copy value list (a capture inside a repeat)');
    return l;
  }

  /** One node per repeat copy for a node capture inside a repeat body. */
  nodeList(name: string): Node[] {
    const l = this.data.nodeLists.get(name);
    if (!l) throw this.missing(name, 'a per-copy node list (a capture inside a repeat)');
    return l;
  }

  /** One tensor per repeat copy for a constant capture inside a repeat body. */
  tensorList(name: string): Tensor[] {
    const l = this.data.tensorLists.get(name);
    if (!l) throw this.missing(name, 'a per-copy tensor list (a capture inside a repeat)');
    return l;
  }

  /** How many copies the repeat captured as `name` matched. */
  count(name: string): number {
    const c = this.data.counts.get(name);
    if (c === undefined) throw this.missing(name, 'a repeat count');
    return c;
  }

  /** Every capture name, by kind (for debugging and reports). */
  names(): { values: string[]; nodes: string[]; tensors: string[]; lists: string[] } {
    const d = this.data;
    return {
      values: [...d.values.keys()], nodes: [...d.nodes.keys()], tensors: [...d.tensors.keys()],
      lists: [...new Set([...d.valueLists.keys(), ...d.nodeLists.keys(), ...d.tensorLists.keys()])],
    };
  }

  private missing(name: string, what: string): OnnxSurgeonError {
    const known = this.names();
    const all = [...new Set([...known.values, ...known.nodes, ...known.tensors, ...known.lists])].sort();
    return new OnnxSurgeonError('usage', `no capture '${name}' (${what})`, {
      node: this.anchor.label, expected: `one of ${all.map((n) => `'${n}'`).join(', ') || '(no captures)'}`,
    });
  }
}
