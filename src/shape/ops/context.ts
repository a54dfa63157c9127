import type { DTypeCode, Graph, Node, Tensor, Value } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { type ValueFacts, newFacts } from '../facts.js';

/**
 * What an op handler sees: its node, the facts of its inputs, and a few helpers. Inference keeps
 * one per nesting level (a subgraph's nodes use the next one) and points it at each node in
 * turn ({@link OpContext.at}), so a handler must not keep it past its return.
 */
export class OpContext {
  /** The node being inferred. */
  node!: Node;
  /** Where requirements go (nodes of subgraphs report none); one function per inference, not per node. */
  private recordRequirement: ((node: Node, expr: DimExpr) => void) | undefined;

  constructor(
    private readonly lookup: (v: Value) => ValueFacts,
    /** Infers a subgraph (If/Loop bodies) into the same fact store, seeding its inputs' facts. */
    readonly inferSubgraph: (graph: Graph, inputs?: readonly ValueFacts[]) => void,
    /** Reads the facts of any value (subgraph outputs included). */
    readonly factsOf: (v: Value) => ValueFacts = lookup,
    /** The constant tensor of an input's facts (inference builds those of shape tensors on request). */
    private readonly constantOf: (f: ValueFacts) => Tensor | undefined = (f) => f.constant,
  ) {}

  /**
   * Facts of the node's inputs as read so far, by slot: a handler asks for an input's dtype,
   * shape and values one by one, and each would look the value up in the store again.
   */
  private readonly inputFacts: ValueFacts[] = [];
  /** For each slot, the node count at which {@link inputFacts} was filled (valid for the current node only). */
  private readonly filledAt: number[] = [];
  /** Nodes this context was pointed at (the current one's stamp). */
  private stamp = 0;

  /** This context, pointed at `node` (and where its requirements go). */
  at(node: Node, recordRequirement: ((node: Node, expr: DimExpr) => void) | undefined): this {
    this.node = node;
    this.recordRequirement = recordRequirement;
    this.stamp++;
    return this;
  }

  /**
   * Records that onnxruntime runs this node only when `expr >= 0` (a Conv window must fit its
   * input); inference uses it to bound input dims (see `RunConstraints`).
   */
  requires(expr: DimExpr): void {
    this.recordRequirement?.(this.node, expr);
  }

  /** Number of input slots (including omitted optional ones). */
  get inputCount(): number {
    return this.node.inputs.length;
  }

  /** Slots of the inputs that are present (not omitted), in order. */
  presentInputs(): number[] {
    const inputs = this.node.inputs;
    const out: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs[i];
      if (v !== undefined && v.name !== '') out.push(i);
    }
    return out;
  }

  /** True when input `i` is present (not omitted). */
  has(i: number): boolean {
    const v = this.node.inputs[i];
    return v !== undefined && v.name !== '';
  }

  /** Facts of input `i` (empty when absent). */
  facts(i: number): ValueFacts {
    if (this.filledAt[i] === this.stamp) return this.inputFacts[i]!;
    const v = this.node.inputs[i];
    if (!v || v.name === '') return newFacts();
    const f = this.lookup(v);
    this.inputFacts[i] = f;
    this.filledAt[i] = this.stamp;
    return f;
  }

  /** Element type of input `i`. */
  dtype(i: number): DTypeCode | undefined {
    return this.facts(i).dtype;
  }

  /** Dims of input `i` (undefined = rank unknown). */
  shape(i: number): DimExpr[] | undefined {
    return this.facts(i).shape;
  }

  /** Rank of input `i`. */
  rank(i: number): number | undefined {
    return this.facts(i).shape?.length;
  }

  /** Tracked element values of input `i` (flattened). */
  values(i: number): DimExpr[] | undefined {
    return this.facts(i).values;
  }

  /** The constant tensor input `i` equals. */
  constant(i: number): Tensor | undefined {
    return this.constantOf(this.facts(i));
  }

  /** Input `i`'s element values as numbers when all are constant. */
  ints(i: number): number[] | undefined {
    const values = this.values(i);
    if (!values) return undefined;
    const out: number[] = [];
    for (let k = 0; k < values.length; k++) {
      const c = values[k]!.constValue();
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }

  /** Input `i` as plain numbers from its constant tensor (floats included, e.g. Resize scales). */
  numbers(i: number): number[] | undefined {
    const t = this.constant(i);
    if (t) {
      try {
        return t.toNumbers();
      } catch {
        return undefined;
      }
    }
    return this.ints(i);
  }

  /** Integer attribute with a default. */
  attrInt(name: string, fallback: number): number {
    return this.node.attrNumber(name, fallback);
  }

  /** `ints` attribute, or undefined. */
  attrInts(name: string): number[] | undefined {
    return this.node.attrInts(name);
  }

  /** String attribute with a default. */
  attrString(name: string, fallback: string): string {
    return this.node.attrString(name, fallback);
  }

  /**
   * A fresh, deterministic symbol for an unknown dim of output `output` at `axis`
   * (`unk__<output name>_<axis>`), the same naming graph inputs use for unknown dims.
   */
  fresh(output: number, axis: number | string): DimExpr {
    const name = this.node.outputs[output]?.name || this.node.label;
    return DimExpr.symbol(`unk__${name}_${axis}`);
  }

  /**
   * `len` fresh dims for output `output`, for a rank read off the length of a shape tensor whose
   * elements are unknown. Undefined when `len` is unknown or beyond {@link MAX_INFERRED_RANK}: a
   * hostile model may claim a length of 2^40, and building that many dims would never finish.
   */
  freshDims(output: number, len: number | undefined): DimExpr[] | undefined {
    if (len === undefined || !Number.isSafeInteger(len) || len < 0 || len > MAX_INFERRED_RANK) return undefined;
    return Array.from({ length: len }, (_, i) => this.fresh(output, i));
  }

  /** Name of output `i` (for readable fresh symbols). */
  outputName(i = 0): string {
    return this.node.outputs[i]?.name || this.node.label;
  }
}

/** Largest rank inference builds from a tensor's length (real models stay far below; TensorRT allows 8). */
export const MAX_INFERRED_RANK = 64;

/**
 * An op's inference: facts per output (undefined entries = nothing known), each a new object
 * that inference then owns and completes in place (never an input's facts object: copy it, as
 * Identity does). Arrays inside may be shared (they are never written). Never throws on bad input.
 */
export type OpHandler = (ctx: OpContext) => (ValueFacts | undefined)[];

// The one axis normalisation lives in the IR; handlers import it from here with the rest.
export { normalizeAxis } from '../../ir/index.js';

/** Output facts from what a handler knows (a new object of the one shape {@link newFacts} gives). */
export function facts(dtype: DTypeCode | undefined, shape: DimExpr[] | undefined, values?: DimExpr[]): ValueFacts {
  return newFacts(dtype, shape, values);
}

/** Product of dims (1 for none). */
export function product(dims: readonly DimExpr[]): DimExpr {
  return dims.reduce((acc, d) => acc.mul(d), DimExpr.const(1));
}
