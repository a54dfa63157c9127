import { constantNodeTensor } from './constant.js';
import { isOnnxDomain } from './domain.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';

/**
 * One place a value is read: node `node`, input slot `index`.
 *
 * @group IR
 */
export interface Use {
  readonly node: Node;
  readonly index: number;
}

/**
 * An edge of the graph: produced by at most one node (or a graph input, or an initializer) and
 * read by an ordered list of uses. The graph keeps `producer` and `uses` right on every mutation,
 * so "who reads this?" never needs a scan.
 *
 * @example
 * ```ts
 * value.producer?.opType;          // 'MatMul', or undefined for a graph input or initializer
 * value.uses.map((u) => u.index);  // input index at each reader
 * value.type?.shape;               // ['batch', 300, 256]
 * ```
 * @group IR
 */
export class Value {
  /** Name, unique in the model (ONNX is SSA). Change it through {@link Graph.renameValue}. */
  name: string;
  /** Element type and shape when known (from the model's value_info or from inference). */
  type?: TensorType;
  /** The non-tensor ONNX type (sequence, map, optional...) as decoded, carried opaquely. */
  opaqueType?: unknown;
  /** Documentation string from the value's value_info. */
  docString?: string;
  /** Codec bookkeeping for lossless round trips (the value_info it came from). */
  serdeOrigin?: unknown;
  /** @internal */ _producer: Node | undefined = undefined;
  /** @internal */ _outputIndex = -1;
  /** @internal */ _uses: Use[] = [];
  /** @internal Fixed at creation (see {@link _ordinal}). */ readonly _graph: Graph;
  /** @internal */ _initializer: Tensor | undefined = undefined;
  /** @internal How many slots of its graph's input list hold this value. */ _inputSlots = 0;
  /** @internal How many slots of its graph's output list hold this value. */ _outputSlots = 0;
  /** @internal A sparse initializer defines it (decoders). */ _sparseInitializer = false;
  /**
   * @internal Position among the values ever created in {@link graph} (0, 1, 2, ...; never reused,
   * never changed: a value never moves to another graph). Analyses that keep something per value
   * for one run (shape inference's facts) index arrays by it instead of hashing the value in a Map.
   */
  readonly _ordinal: number;

  /** @internal Values are created by {@link Graph}; never construct directly. */
  constructor(graph: Graph, name: string, type?: TensorType) {
    this._graph = graph;
    this._ordinal = graph._valuesCreated++;
    this.name = name;
    if (type) this.type = type;
  }

  /** The node that computes this value, if any. */
  get producer(): Node | undefined {
    return this._producer;
  }

  /** Output slot of {@link producer} that is this value. */
  get outputIndex(): number {
    return this._outputIndex;
  }

  /** Every (node, input index) that reads this value, in graph insertion order. */
  get uses(): readonly Use[] {
    return this._uses;
  }

  /** The graph this value belongs to (subgraph values belong to their subgraph). */
  get graph(): Graph {
    return this._graph;
  }

  /** The constant data when this value is an initializer. */
  get initializer(): Tensor | undefined {
    return this._initializer;
  }

  /** True if this value is one of its graph's inputs (kept by the graph: no scan). */
  get isGraphInput(): boolean {
    return this._inputSlots > 0;
  }

  /** True if this value is one of its graph's outputs (kept by the graph: no scan). */
  get isGraphOutput(): boolean {
    return this._outputSlots > 0;
  }

  /**
   * True when nothing defines this value: no node produces it and it is neither a graph input nor
   * an initializer (dense or sparse). Models where a node reads such a value are invalid (an
   * exporter dropped a definition); they load as they are so the reference can be repaired with
   * {@link Graph.defineConstant} or {@link Graph.defineInput}.
   */
  get isDangling(): boolean {
    return this.name !== '' && !this._producer && !this._initializer && this._inputSlots === 0 && !this._sparseInitializer;
  }

  /**
   * The constant tensor this value always holds, without folding: its initializer, or the tensor
   * of the ONNX `Constant` node that produces it (any `value*` form). An initializer that is also
   * a graph input is only a default the caller may override, so it is not a constant. 16-bit
   * floats read through `toNumbers()` come out decoded.
   *
   * @example
   * ```ts
   * const reshape = graph.nodes.find((n) => n.opType === 'Reshape');
   * reshape?.input(1).constant()?.toNumbers(); // [8, 8, 32, 32]
   * ```
   */
  constant(): Tensor | undefined {
    if (this._initializer) return this.isGraphInput ? undefined : this._initializer;
    const producer = this._producer;
    if (producer && producer.opType === 'Constant' && isOnnxDomain(producer.domain)) return constantNodeTensor(producer);
    return undefined;
  }

  /**
   * Distinct consumer nodes, in order of first use.
   *
   * @example
   * ```ts
   * value.consumers().map((n) => n.opType); // ['Add', 'Reshape']
   * ```
   */
  consumers(): Node[] {
    return [...new Set(this._uses.map((u) => u.node))];
  }
}
