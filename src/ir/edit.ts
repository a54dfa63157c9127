/**
 * The one way to change a graph, as onnxscript's rewriter does it: a replacement is built
 * *detached* (its nodes and initializers exist, but the graph does not know them and no value of
 * the graph lists them as readers), the caller checks it, and {@link GraphEdit.commit} inserts
 * everything, rewires the readers and removes what was replaced, in one step. An edit that is not
 * committed leaves no trace, so nothing is ever rolled back.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Graph, NodeSpec } from './graph.js';
import type { Model } from './model.js';
import { Node } from './node.js';
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';
import { type Use, Value } from './value.js';

/** How {@link GraphEdit.declareType} records a type: set it, and list the value in `value_info`. */
interface TypeDeclaration {
  value: Value;
  type: TensorType;
  valueInfo: boolean;
}

/**
 * A detached replacement for part of one graph: nodes and initializers made with
 * {@link node}/{@link initializer}, and what to do with them on {@link commit} (readers to rewire,
 * types to record, nodes to drop once unused, opsets to import). Until then the graph is untouched
 * and the edit can be inspected: its nodes, who it would make read a value, the types it declares.
 *
 * @example
 * ```ts
 * const edit = new GraphEdit(graph);
 * const sum = edit.node({ op: 'Add', inputs: [x, y], name: 'fused/add' });
 * edit.replaceAllUsesWith(value, sum.output());
 * if (value.producer) edit.removeWhenUnused([value.producer]);
 * const acceptable = edit.readersOf(x).length > 0; // checks look at the detached replacement
 * if (acceptable) edit.commit(); // or drop `edit`: the graph never changed
 * ```
 * @group IR
 */
export class GraphEdit {
  /** Nodes and initializer values in creation order (names are claimed in this order). */
  private readonly created: (Node | Value)[] = [];
  private readonly draftNodes = new Set<Node>();
  private readonly draftValues = new Set<Value>();
  /** Nodes created with a count of outputs: their output names follow the node's final name. */
  private readonly countedOutputs = new Set<Node>();
  private readonly draftReaders = new Map<Value, Use[]>();
  private readonly replacements = new Map<Value, Value>();
  private readonly declarations: TypeDeclaration[] = [];
  private readonly removals: Node[] = [];
  private readonly opsets: [string, number][] = [];
  private committed = false;

  constructor(
    /** The graph this edit changes. */
    readonly graph: Graph,
    /** The model the graph belongs to, when opset imports may be needed. */
    readonly model?: Model,
  ) {}

  /**
   * A detached node from a {@link NodeSpec}. Inputs may be values of the graph (or of an enclosing
   * graph) and outputs of this edit; its outputs are values of this edit. Names are made unique
   * in the model on {@link commit}, exactly as {@link Graph.addNode} would.
   *
   * @example
   * ```ts
   * const edit = new GraphEdit(graph);
   * const relu = edit.node({ op: 'Relu', inputs: [x] });
   * relu.graph; // undefined: detached until edit.commit()
   * ```
   */
  node(spec: NodeSpec): Node {
    this.assertOpen();
    const node = new Node(undefined, spec.op, spec.domain ?? '', spec.name ?? `${spec.op}_0`);
    const inputs = spec.inputs ?? [];
    inputs.forEach((value, index) => {
      if (!value) return;
      this.assertReadable(value, node, index);
      const readers = this.draftReaders.get(value);
      if (readers) readers.push({ node, index });
      else this.draftReaders.set(value, [{ node, index }]);
    });
    node._inputs = [...inputs];
    const outputs = spec.outputs ?? 1;
    if (typeof outputs === 'number') this.countedOutputs.add(node);
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${node.name}_output_${i}`) : outputs;
    node._outputs = names.map((name, i) => {
      const value = new Value(this.graph, name, spec.outputTypes?.[i]);
      value._producer = node;
      value._outputIndex = i;
      if (name) this.draftValues.add(value);
      return value;
    });
    for (const [key, value] of Object.entries(spec.attributes ?? {})) node.setAttr(key, value);
    this.draftNodes.add(node);
    this.created.push(node);
    return node;
  }

  /** A detached initializer holding `tensor` (named `name`, made unique on commit). */
  initializer(tensor: Tensor, name = tensor.name || 'const'): Value {
    this.assertOpen();
    const value = new Value(this.graph, name, { dtype: tensor.dtype, shape: [...tensor.dims] });
    value._initializer = tensor;
    this.draftValues.add(value);
    this.created.push(value);
    return value;
  }

  /** Imports `domain` at `version` on commit, unless the model imports it already. */
  requireOpset(domain: string, version: number): void {
    this.assertOpen();
    this.opsets.push([domain, version]);
  }

  /**
   * Records `type` for `value` on commit when the value has no shape yet (an existing value keeps
   * the type it has), and lists the value in `value_info` unless it is an initializer or part of
   * the graph's interface. {@link typeOf} answers with it before then.
   */
  declareType(value: Value, type: TensorType, options: { valueInfo?: boolean } = {}): void {
    this.assertOpen();
    this.declarations.push({ value, type, valueInfo: options.valueInfo ?? true });
  }

  /**
   * On commit, every reader of `oldValue` reads `replacement` instead (graph outputs keep their
   * names, see {@link Graph.replaceAllUsesWith}); a replacement without a type takes the old
   * value's type.
   *
   * @example
   * ```ts
   * const edit = new GraphEdit(graph);
   * edit.replaceAllUsesWith(y, edit.node({ op: 'Relu', inputs: [x] }).output());
   * edit.replacementOf(y); // the Relu's output: y's readers move to it on commit
   * edit.commit();
   * ```
   */
  replaceAllUsesWith(oldValue: Value, replacement: Value): void {
    this.assertOpen();
    if (oldValue === replacement) return;
    if (this.replacements.has(oldValue)) {
      throw new OnnxSurgeonError('usage', `'${oldValue.name}' is replaced twice in one edit`, { tensor: oldValue.name });
    }
    this.replacements.set(oldValue, replacement);
  }

  /**
   * On commit, after rewiring: removes these nodes once nothing reads them (in any order), then
   * the constants and initializers only they read.
   */
  removeWhenUnused(nodes: readonly Node[]): void {
    this.assertOpen();
    this.removals.push(...nodes);
  }

  /** The detached nodes, in creation order. */
  get nodes(): Node[] {
    return this.created.filter((c): c is Node => c instanceof Node);
  }

  /** The detached initializers, in creation order. */
  get initializers(): Value[] {
    return this.created.filter((c): c is Value => c instanceof Value);
  }

  /** True once {@link commit} has run. */
  get isCommitted(): boolean {
    return this.committed;
  }

  /** True for a node or value this edit made (detached until commit). */
  owns(item: Node | Value): boolean {
    return item instanceof Node ? this.draftNodes.has(item) : this.draftValues.has(item);
  }

  /** The places this edit's nodes read `value`. */
  readersOf(value: Value): readonly Use[] {
    return this.draftReaders.get(value) ?? [];
  }

  /** The value that will replace `value` on commit, if any. */
  replacementOf(value: Value): Value | undefined {
    return this.replacements.get(value);
  }

  /** Values this edit replaces, with their replacements, in the order given. */
  replaced(): [Value, Value][] {
    return [...this.replacements];
  }

  /** The type `value` will have after commit: its own when it has a shape, else the declared one. */
  typeOf(value: Value): TensorType | undefined {
    if (value.type?.shape) return value.type;
    for (const d of this.declarations) if (d.value === value) return d.type;
    return value.type;
  }

  /**
   * Inserts the edit into the graph: claims names and wires the new nodes and initializers (in
   * creation order), imports opsets, records declared types, rewires readers, removes what became
   * unused. Runs once.
   *
   * @example
   * ```ts
   * const edit = new GraphEdit(graph, model);
   * edit.requireOpset('trt', 1);
   * edit.replaceAllUsesWith(y, edit.node({ op: 'Relu', inputs: [x] }).output());
   * edit.commit(); // the graph changes here, all at once
   * edit.isCommitted; // true
   * ```
   */
  commit(): void {
    this.assertOpen();
    this.committed = true;
    for (const item of this.created) {
      if (item instanceof Node) this.attachNode(item);
      else this.attachInitializer(item);
    }
    for (const [domain, version] of this.opsets) this.model?.ensureOpset(domain, version);
    for (const d of this.declarations) this.applyDeclaration(d);
    for (const [oldValue, replacement] of this.replacements) {
      if (!replacement.type && oldValue.type) replacement.type = copyType(oldValue.type);
      this.graph.replaceAllUsesWith(oldValue, replacement);
    }
    if (this.removals.length) removeUnused(this.graph, this.removals);
  }

  private attachNode(node: Node): void {
    const graph = this.graph;
    node.name = graph.names.claimNode(node.name);
    node._graph = graph;
    const counted = this.countedOutputs.has(node);
    node._outputs.forEach((value, i) => {
      if (!value.name) return;
      value.name = graph.names.claim(counted ? `${node.name}_output_${i}` : value.name);
      graph._values.set(value.name, value);
    });
    node._inputs.forEach((value, index) => {
      if (value) value._uses.push({ node, index });
    });
    graph._nodes.add(node);
  }

  private attachInitializer(value: Value): void {
    const graph = this.graph;
    value.name = graph.names.claim(value.name);
    value._initializer!.name = value.name;
    graph._values.set(value.name, value);
    graph._initializers.add(value);
  }

  private applyDeclaration({ value, type, valueInfo }: TypeDeclaration): void {
    if (value.initializer) return;
    if (!value.type || !value.type.shape) value.type = type;
    const graph = this.graph;
    // A value this edit made cannot be listed yet: no scan of a list as long as the model's value_info.
    const listed = (): boolean => !this.draftValues.has(value) && graph.valueInfoOrder.includes(value);
    if (valueInfo && !value.isGraphInput && !value.isGraphOutput && value.graph === graph && !listed()) {
      graph.valueInfoOrder.push(value);
    }
  }

  private assertReadable(value: Value, node: Node, index: number): void {
    if (!(value instanceof Value)) {
      throw new OnnxSurgeonError('usage', `input ${index} of '${node.label}' is not a Value`, { node: node.label, found: typeof value });
    }
    if (this.draftValues.has(value) || (value.name !== '' && this.graph.value(value.name) === value)) return;
    throw new OnnxSurgeonError('graph', `input ${index} of '${node.label}' is not a value of graph '${this.graph.name}'`, {
      node: node.label, tensor: value.name, expected: 'a value of the graph (or an enclosing graph) or of the same edit',
    });
  }

  private assertOpen(): void {
    if (this.committed) throw new OnnxSurgeonError('usage', 'this graph edit is already committed', { expected: 'a new GraphEdit' });
  }
}

function copyType(type: TensorType): TensorType {
  return { ...type, ...(type.shape ? { shape: [...type.shape] } : {}) };
}

/**
 * Removes `nodes` that nobody reads any more (repeating, since their order may not be
 * topological), then constants and initializers only they read.
 */
function removeUnused(graph: Graph, nodes: readonly Node[]): void {
  const leftover = new Set(nodes);
  const inputsOfRemoved = new Set<Value>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const node of leftover) {
      if (!node.graph) { leftover.delete(node); continue; }
      if (node.outputs.some((o) => o.uses.length > 0 || o.isGraphOutput)) continue;
      for (const v of node.inputs) if (v) inputsOfRemoved.add(v);
      graph.removeNode(node);
      leftover.delete(node);
      progress = true;
    }
  }
  for (const v of inputsOfRemoved) {
    if (v.uses.length || v.isGraphOutput || v.isGraphInput || v.graph !== graph) continue;
    const producer = v.producer;
    if (v.initializer) graph.removeInitializer(v);
    else if (producer && producer.opType === 'Constant' && producer.graph === graph && producer.outputs.every((o) => !o.uses.length && !o.isGraphOutput)) {
      graph.removeNode(producer);
    }
  }
}
