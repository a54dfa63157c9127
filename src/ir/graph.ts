import { OnnxSurgeonError } from '../errors.js';
import type { Attribute, AttributeValue } from './attribute.js';
import { cloneGraph } from './clone.js';
import { GraphEdit } from './edit.js';
import { markLiveNodes } from './liveness.js';
import { Node } from './node.js';
import { NameScope } from './names.js';
import { topologicalOrder } from './toposort.js';
import { holdsGraph, subgraphsOf } from './traverse.js';
import type { Tensor } from './tensor.js';
import { type DTypeCode, type Dim, type TensorType, dtypeName } from './types.js';
import { Value } from './value.js';

/**
 * What {@link Graph.addNode} needs to create a node. Optional fields may also be given as
 * `undefined` (so `{ name: maybeName, outputTypes: [{ dtype, shape: x.type?.shape }] }` compiles
 * under `exactOptionalPropertyTypes`).
 * @group IR
 */
export interface NodeSpec {
  /** Operator type. */
  op: string;
  /** Operator domain (default `''`, the ONNX domain). */
  domain?: string | undefined;
  /** Input values (`undefined` for an omitted optional input). */
  inputs?: readonly (Value | undefined)[] | undefined;
  /**
   * Output names, or a count of outputs to create with names derived from the node name. Names
   * are made unique in the model if taken.
   */
  outputs?: readonly string[] | number | undefined;
  /** Output types, by position; a `shape` of `undefined` means the rank is unknown. */
  outputTypes?: readonly ({ dtype: DTypeCode; shape?: Dim[] | undefined } | undefined)[] | undefined;
  /** Attributes by name. */
  attributes?: Record<string, AttributeValue> | undefined;
  /** Node name (made unique); defaults to `<op>_<n>`. */
  name?: string | undefined;
}

/**
 * A computation graph: ordered nodes, the values between them, inputs, outputs, initializers.
 * Every mutation goes through methods that keep producers and uses consistent.
 *
 * @example
 * ```ts
 * const relu = graph.addNode({ op: 'Relu', inputs: [x], name: 'act' });
 * graph.replaceAllUsesWith(y, relu.output()); // y's readers now read Relu(x)
 * graph.cleanup();
 * ```
 * @group IR
 */
export class Graph {
  /** Graph name. */
  name: string;
  /** Documentation string. */
  docString?: string;
  /** IR 10 metadata. */
  metadataProps?: [string, string][];
  /** Codec bookkeeping for lossless round trips (sparse initializers, annotations, unknown fields). */
  serdeOrigin?: unknown;
  /** Values whose types the model listed in `value_info`, in that order (kept for faithful output). */
  readonly valueInfoOrder: Value[] = [];
  /** Codec bookkeeping: the output entries as decoded, by position (kept for faithful output). */
  outputInfo?: unknown[];
  /** @internal */ readonly _nodes = new Set<Node>();
  /** @internal */ readonly _values = new Map<string, Value>();
  /** @internal */ _inputs: Value[] = [];
  /** @internal */ _outputs: Value[] = [];
  /** @internal How many times {@link createDefinition} defined a name already defined here. */ _duplicatesMade = 0;
  /** @internal Values created in this graph so far: the next one's {@link Value._ordinal}. */ _valuesCreated = 0;
  /** @internal Initializer values in model order (a model may give two the same name). */ readonly _initializers = new Set<Value>();
  /** The enclosing graph for subgraphs of If/Loop/Scan; undefined for the main graph. */
  readonly parent: Graph | undefined;
  /** Names shared by the whole model so generated names never collide. */
  readonly names: NameScope;

  constructor(name = 'main', parent?: Graph) {
    this.name = name;
    this.parent = parent;
    this.names = parent ? parent.names : new NameScope();
  }

  /** Nodes in current order (topological after {@link toposort}). */
  get nodes(): Node[] {
    return [...this._nodes];
  }

  /** Number of nodes (without copying the list). */
  get nodeCount(): number {
    return this._nodes.size;
  }

  /** Iterates nodes without copying. Do not mutate the graph while iterating. */
  nodesIter(): IterableIterator<Node> {
    return this._nodes.values();
  }

  /** Graph inputs in order. */
  get inputs(): readonly Value[] {
    return this._inputs;
  }

  /** Graph outputs in order. */
  get outputs(): readonly Value[] {
    return this._outputs;
  }

  /** Initializer values in order. */
  get initializers(): Value[] {
    return [...this._initializers];
  }

  /**
   * Looks up a value by name in this graph, then in enclosing graphs (outer scope).
   *
   * @example
   * ```ts
   * graph.value('logits')?.type; // undefined when no value has that name (see requireValue)
   * ```
   */
  value(name: string): Value | undefined {
    for (let g: Graph | undefined = this; g; g = g.parent) {
      const v = g._values.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /**
   * Like {@link value} but throws a contextual error when the name is unknown.
   *
   * @example
   * ```ts
   * const logits = graph.requireValue('logits'); // throws OnnxSurgeonError('graph') when absent
   * logits.consumers().length;
   * ```
   */
  requireValue(name: string): Value {
    const v = this.value(name);
    if (!v) throw new OnnxSurgeonError('graph', `no value named '${name}'`, { tensor: name });
    return v;
  }

  /** Creates a free-standing value (to be produced by a node or used as input). */
  createValue(name: string, type?: TensorType): Value {
    const unique = this.names.claim(name);
    const v = new Value(this, unique, type);
    this._values.set(unique, v);
    return v;
  }

  /**
   * Creates a value with exactly this name or fails: used by decoders, where a duplicate name
   * means the model is invalid (two producers of one SSA value).
   */
  createValueExact(name: string, type?: TensorType): Value {
    if (this.names.has(name)) {
      throw new OnnxSurgeonError('graph', `value name '${name}' is defined twice`, { tensor: name, expected: 'each value produced once (ONNX is SSA)' });
    }
    this.names.claim(name);
    const v = new Value(this, name, type);
    this._values.set(name, v);
    return v;
  }

  /**
   * Decoders: defines `name` in this graph. A subgraph may reuse a name of an enclosing graph
   * (shadowing), which some exporters do; within one graph a name is defined once.
   */
  createValueExactShadowing(name: string, type?: TensorType): Value {
    if (this._values.has(name)) {
      throw new OnnxSurgeonError('graph', `value name '${name}' is defined twice`, { tensor: name });
    }
    return this.defineFresh(name, type);
  }

  /** A new value under `name`, which no value of this graph has yet (the callers checked). */
  private defineFresh(name: string, type?: TensorType): Value {
    this.names.claimExact(name);
    const v = new Value(this, name, type);
    this._values.set(name, v);
    return v;
  }

  /**
   * Decoders: a value the model defines under exactly `name` in this graph (a graph input, an
   * initializer, a node output). The first definition of a name is the one readers find by name;
   * a further definition of the same name in the same graph (the model breaks SSA) is still a
   * value of its own, written back as it was, but not found by name: {@link duplicateDefinitions}
   * lists it, and renaming it ({@link renameValue}) is the repair.
   */
  createDefinition(name: string): Value {
    if (this._values.has(name)) {
      this._duplicatesMade++;
      return new Value(this, name);
    }
    return this.defineFresh(name);
  }

  /**
   * Values of this graph that nothing defines: read by a node or listed as a graph output, but
   * produced by no node and neither a graph input nor an initializer (an exporter dropped their
   * definition). Use {@link defineConstant} or {@link defineInput} to give one a definition.
   *
   * @example
   * ```ts
   * graph.danglingValues().map((v) => v.name); // ['sigmoid_min_1', 'sigmoid_max_1']
   * ```
   */
  danglingValues(): Value[] {
    return [...this._values.values()].filter((v) => v.isDangling && (v._uses.length > 0 || v.isGraphOutput));
  }

  /**
   * Definitions this graph makes of a name it already defined (every one after the first, in model
   * order: graph inputs, initializers, then node outputs). ONNX forbids them; readers see the first.
   */
  duplicateDefinitions(): Value[] {
    // Only decoders define a name twice (createDefinition): a graph they never did that to has none.
    if (this._duplicatesMade === 0) return [];
    const out: Value[] = [];
    const registered = (v: Value): boolean => v.name === '' || this._values.get(v.name) === v;
    for (const v of this._inputs) if (v._graph === this && !registered(v)) out.push(v);
    for (const v of this._initializers) if (!v.isGraphInput && !registered(v)) out.push(v);
    for (const node of this._nodes) for (const v of node._outputs) if (!registered(v)) out.push(v);
    return out;
  }

  /**
   * Repairs a dangling reference: `value` (which nothing defines) becomes an initializer holding
   * `tensor`, under its own name, so every node that reads it now reads that constant. Its
   * declared type, if any, must agree with the tensor's.
   *
   * @example
   * ```ts
   * graph.defineConstant(graph.requireValue('sigmoid_min_1'), Tensor.float32([0], []));
   * ```
   */
  defineConstant(value: Value, tensor: Tensor): void {
    this.assertDangling(value, 'give it a constant');
    const declared = value.type;
    if (declared && declared.dtype !== 0 && declared.dtype !== tensor.dtype) {
      throw new OnnxSurgeonError('usage', `cannot define '${value.name}' with this constant: its element type differs from the declared one`, {
        tensor: value.name, expected: `${dtypeName(declared.dtype)} (declared)`, found: dtypeName(tensor.dtype),
      });
    }
    if (declared?.shape && (declared.shape.length !== tensor.dims.length || declared.shape.some((d, i) => typeof d === 'number' && d !== tensor.dims[i]))) {
      throw new OnnxSurgeonError('usage', `cannot define '${value.name}' with this constant: its shape differs from the declared one`, {
        tensor: value.name, expected: `[${declared.shape.map((d) => d ?? '?').join(', ')}]`, found: `[${tensor.dims.join(', ')}]`,
      });
    }
    value.type = { dtype: tensor.dtype, shape: [...tensor.dims] };
    tensor.name = value.name;
    this.attachInitializer(value, tensor);
  }

  /**
   * Repairs a dangling reference by making `value` a graph input (appended to the inputs), so the
   * caller supplies it at run time. `type` is recorded when given (a graph input needs one).
   *
   * @example
   * ```ts
   * graph.defineInput(graph.requireValue('mask'), { dtype: DType.BOOL, shape: ['batch', 100] });
   * ```
   */
  defineInput(value: Value, type?: TensorType): void {
    this.assertDangling(value, 'make it a graph input');
    if (type) value.type = { dtype: type.dtype, ...(type.shape ? { shape: [...type.shape] } : {}) };
    this.pushInput(value);
  }

  private assertDangling(value: Value, what: string): void {
    if (value._graph !== this || this._values.get(value.name) !== value) {
      throw new OnnxSurgeonError('usage', `cannot ${what}: '${value.name}' is not a value of graph '${this.name}'`, { tensor: value.name });
    }
    if (!value.isDangling) {
      const by = value._producer ? `node '${value._producer.label}'` : value._initializer ? 'an initializer' : 'a graph input';
      throw new OnnxSurgeonError('usage', `cannot ${what}: '${value.name}' is already defined`, { tensor: value.name, expected: 'a value nothing defines', found: `defined by ${by}` });
    }
  }

  /** Decoders: a placeholder for an omitted optional node output (name `''`, not registered). */
  createOmittedOutput(): Value {
    return new Value(this, '');
  }

  /**
   * Appends a graph input.
   *
   * @example
   * ```ts
   * const pixels = graph.addInput('pixel_values', { dtype: DType.FLOAT, shape: ['batch', 3, 'height', 'width'] });
   * ```
   */
  addInput(name: string, type?: TensorType): Value {
    const v = this.createValue(name, type);
    this.pushInput(v);
    return v;
  }

  /** Adds an existing value to the graph inputs (decoders). */
  markInput(value: Value): void {
    const listed = value._graph === this ? value.isGraphInput : this._inputs.includes(value);
    if (!listed) this.pushInput(value);
  }

  private pushInput(value: Value): void {
    this._inputs.push(value);
    if (value._graph === this) value._inputSlots++;
  }

  /**
   * Replaces the list of graph outputs.
   *
   * @example
   * ```ts
   * const logits = graph.requireValue('logits');
   * graph.setOutputs([logits]); // the other outputs are dropped; graph.cleanup() removes what fed only them
   * ```
   */
  setOutputs(values: readonly Value[]): void {
    for (const v of this._outputs) if (v._graph === this) v._outputSlots--;
    this._outputs = [...values];
    for (const v of this._outputs) if (v._graph === this) v._outputSlots++;
  }

  /** Replaces the list of graph inputs. Values that are no longer inputs stay in the graph. */
  setInputs(values: readonly Value[]): void {
    for (const v of this._inputs) if (v._graph === this) v._inputSlots--;
    this._inputs = [...values];
    for (const v of this._inputs) if (v._graph === this) v._inputSlots++;
  }

  /**
   * Adds a constant initializer and returns its value. `name` defaults to the tensor's name.
   *
   * @example
   * ```ts
   * const scale = graph.addInitializer(Tensor.float32([0.125], []), 'scale');
   * graph.addNode({ op: 'Mul', inputs: [x, scale] });
   * ```
   */
  addInitializer(tensor: Tensor, name = tensor.name || 'const'): Value {
    const v = this.createValue(name, { dtype: tensor.dtype, shape: [...tensor.dims] });
    tensor.name = v.name;
    v._initializer = tensor;
    this._initializers.add(v);
    return v;
  }

  /** Attaches constant data to an existing value (decoders: initializers that are also inputs). */
  attachInitializer(value: Value, tensor: Tensor): void {
    value._initializer = tensor;
    this._initializers.add(value);
  }

  /** Decoders: records that a sparse initializer defines `value` (it has no dense data). */
  markSparseInitializer(value: Value): void {
    value._sparseInitializer = true;
  }

  /** Removes an initializer (its value must be unused). */
  removeInitializer(value: Value): void {
    if (value.uses.length || value.isGraphOutput) {
      throw new OnnxSurgeonError('graph', 'cannot remove an initializer that is still used', { tensor: value.name });
    }
    this._initializers.delete(value);
    value._initializer = undefined;
    if (!value.isGraphInput) this.forgetValue(value);
  }

  /**
   * Creates a node, wires its inputs, creates its outputs, and appends it: a one-node
   * {@link GraphEdit}, committed at once. Build several nodes with a `GraphEdit` to check them
   * before the graph changes.
   *
   * @example
   * ```ts
   * const sum = graph.addNode({ op: 'Add', inputs: [x, y], name: 'sum', outputTypes: [{ dtype: DType.FLOAT, shape: ['batch', 256] }] });
   * sum.output().name; // 'sum_output_0' (unique in the model)
   * ```
   */
  addNode(spec: NodeSpec): Node {
    const edit = new GraphEdit(this);
    const node = edit.node(spec);
    edit.commit();
    return node;
  }

  /**
   * Appends a node whose outputs already exist as free values (decoders). The node takes
   * `outputs` as its own list (no copy: a loader makes a hundred thousand of them), so the
   * caller passes a fresh array and lets it go.
   */
  addNodeWithOutputs(opType: string, domain: string, name: string, outputs: Value[]): Node {
    const node = new Node(this, opType, domain, name);
    if (name) this.names.claimNodeExact(name);
    for (let i = 0; i < outputs.length; i++) {
      const v = outputs[i]!;
      if (v._producer) {
        throw new OnnxSurgeonError('graph', `value '${v.name}' is produced twice`, { node: name || opType, tensor: v.name, found: `also produced by '${v._producer.label}'` });
      }
      v._producer = node;
      v._outputIndex = i;
    }
    node._outputs = outputs;
    this._nodes.add(node);
    return node;
  }

  /**
   * Removes a node. Its outputs must be unused (and not graph outputs) unless `force` is set, in
   * which case their remaining uses are left dangling for the caller to rewire.
   *
   * @example
   * ```ts
   * const identity = graph.nodes.find((n) => n.opType === 'Identity');
   * if (identity) {
   *   graph.replaceAllUsesWith(identity.output(), identity.input(0));
   *   graph.removeNode(identity);
   * }
   * ```
   */
  removeNode(node: Node, options: { force?: boolean } = {}): void {
    if (node._graph !== this) throw new OnnxSurgeonError('graph', 'node is not in this graph', { node: node.label });
    if (!options.force) {
      for (const out of node._outputs) {
        if (out._uses.length || out.isGraphOutput) {
          throw new OnnxSurgeonError('graph', `cannot remove node: its output '${out.name}' is still used`, {
            node: node.label, tensor: out.name, found: `${out._uses.length} use(s)${out.isGraphOutput ? ' and a graph output' : ''}`,
          });
        }
      }
    }
    detachInputs(node);
    this.dropDetached(node);
  }

  /** Takes out a node that reads nothing any more: its unread outputs are forgotten. */
  private dropDetached(node: Node): void {
    for (const out of node._outputs) {
      out._producer = undefined;
      if (!out._uses.length && !out.isGraphOutput) this.forgetValue(out);
    }
    this._nodes.delete(node);
    node._graph = undefined;
  }

  /**
   * Points every reader of `oldValue` at `newValue`. If `oldValue` is a graph output, the output
   * slot takes `newValue` and `newValue` takes the output's name, so the model's interface is
   * unchanged.
   *
   * @example
   * ```ts
   * const relu = graph.addNode({ op: 'Relu', inputs: [x] });
   * graph.replaceAllUsesWith(y, relu.output()); // y's readers read Relu(x) now
   * ```
   */
  replaceAllUsesWith(oldValue: Value, newValue: Value): void {
    if (oldValue === newValue) return;
    for (const use of [...oldValue._uses]) use.node.setInput(use.index, newValue);
    for (let g: Graph | undefined = this; g; g = g.parent) {
      const slot = g._outputs.indexOf(oldValue);
      if (slot >= 0) {
        g.setOutputs(g._outputs.map((v, i) => (i === slot ? newValue : v)));
        const outputName = oldValue.name;
        this.renameValue(oldValue, this.names.fresh(`${outputName}_replaced`));
        this.renameValue(newValue, outputName);
      }
    }
  }

  /**
   * Renames a value (the new name must be free in the model). Renaming a duplicate definition
   * (see {@link duplicateDefinitions}) repairs it: the first definition keeps the old name.
   */
  renameValue(value: Value, newName: string): void {
    if (value.name === newName) return;
    if (this.names.has(newName)) {
      throw new OnnxSurgeonError('graph', `cannot rename '${value.name}': the name '${newName}' is taken`, { tensor: value.name });
    }
    const owner = value._graph;
    if (owner._values.get(value.name) === value) {
      owner._values.delete(value.name);
      this.names.release(value.name);
    }
    this.names.claim(newName);
    value.name = newName;
    owner._values.set(newName, value);
    if (value._initializer) value._initializer.name = newName;
  }

  /**
   * Sorts nodes topologically (stable: an already sorted graph keeps its order). Throws on a cycle.
   *
   * @example
   * ```ts
   * graph.addNode({ op: 'Relu', inputs: [x] }); // appended at the end
   * graph.toposort();                           // every node after the producers of its inputs
   * ```
   */
  toposort(): void {
    this._setOrder(topologicalOrder(this));
  }

  /** @internal Replaces the node order by `order` (the same nodes, permuted). */
  _setOrder(order: readonly Node[]): void {
    this._nodes.clear();
    for (const n of order) this._nodes.add(n);
  }

  /**
   * Removes every node no graph output depends on (`liveNodes`: reads inside subgraphs
   * count), then initializers nobody reads, like onnx-graphsurgeon's `cleanup()`. Idempotent.
   * Returns how many nodes and initializers went.
   *
   * @example
   * ```ts
   * const removed = graph.cleanup(); // how many nodes and initializers went
   * graph.cleanup();                 // { nodes: 0, initializers: 0 }: idempotent
   * ```
   */
  cleanup(): { nodes: number; initializers: number } {
    const live = markLiveNodes(this);
    const dead: Node[] = [];
    for (const node of this._nodes) if (!live.has(node)) dead.push(node);
    // Every read by a dead node goes first, so the outputs nobody live reads are known at once.
    detachAll(dead);
    for (let i = dead.length - 1; i >= 0; i--) this.dropDetached(dead[i]!);
    let removedInits = 0;
    for (const v of [...this._initializers.values()]) {
      if (!v._uses.length && !v.isGraphOutput && !v.isGraphInput) {
        this.removeInitializer(v);
        removedInits++;
      }
    }
    return { nodes: dead.length, initializers: removedInits };
  }

  /** A deep copy of this graph (a main graph; subgraphs are copied with their owner). */
  clone(): Graph {
    return cloneGraph(this, this.parent);
  }

  /** All values currently named in this graph (not subgraphs). */
  values(): Value[] {
    return [...this._values.values()];
  }

  /** Subgraphs held by this graph's node attributes (one level deep; `graphsWithin` goes all the way). */
  *subgraphs(): Generator<{ node: Node; attribute: Attribute; graph: Graph }> {
    for (const node of this._nodes) {
      for (const attribute of node.attributes.values()) {
        const v = attribute.value;
        if (v.kind === 'graph') yield { node, attribute, graph: v.value };
        else if (v.kind === 'graphs') for (const g of v.value) yield { node, attribute, graph: g };
      }
    }
  }

  /** @internal */
  forgetValue(value: Value): void {
    if (value.name && value._graph._values.get(value.name) === value) {
      value._graph._values.delete(value.name);
      this.names.release(value.name);
    }
  }
}

/**
 * Removes the reads of all `nodes` (and of their subgraphs) at once: each value's use list is
 * filtered once, where removing them read by read would scan a shared value's list per reader.
 */
function detachAll(nodes: readonly Node[]): void {
  const leaving = new Set<Node>();
  const touched = new Set<Value>();
  const collect = (node: Node): void => {
    leaving.add(node);
    for (const v of node._inputs) if (v) touched.add(v);
    if (!holdsGraph(node)) return;
    for (const g of subgraphsOf(node)) for (const inner of g._nodes) collect(inner);
  };
  for (const node of nodes) collect(node);
  for (const v of touched) v._uses = v._uses.filter((u) => !leaving.has(u.node));
  for (const node of leaving) node._inputs = [];
}

/** Removes a node's (and its subgraphs') reads from every value it reads. */
function detachInputs(node: Node): void {
  for (let i = node._inputs.length - 1; i >= 0; i--) node.setInput(i, undefined);
  for (const g of subgraphsOf(node)) for (const inner of g._nodes) detachInputs(inner);
}
