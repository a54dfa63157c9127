import { DType, type Graph, type GraphEdit, type Node, Tensor, type Value, attr } from '../../ir/index.js';
import { topologicalOrder } from '../../ir/toposort.js';
import { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { ViewError } from '../../layout/view.js';

/**
 * Makes the nodes and constants of one site's replacement in a detached {@link GraphEdit}, named
 * `<prefix><name>`, and turns symbolic sizes into graph values. A symbolic size is read with
 * Shape+Gather from a value of the model that already has it as a dimension (graph inputs first),
 * never from inside the site being replaced.
 */
export class Emitter {
  private readonly dimCache = new Map<string, Value>();

  constructor(
    readonly edit: GraphEdit,
    readonly prefix: string,
    private readonly sources: DimSources,
    /** Sizes are read only from values before the first of these nodes in topological order (the site's). */
    private readonly siteNodes: readonly Node[] = [],
  ) {}

  /** The site's first topological position, asked only when a symbolic size is read (static sites never do). */
  private get before(): number {
    this.firstPosition ??= Math.min(...this.siteNodes.map((n) => this.sources.positionOf(n)));
    return this.firstPosition;
  }

  private firstPosition: number | undefined;

  /** The graph the replacement is for. */
  get graph(): Graph {
    return this.edit.graph;
  }

  /** Makes a node named `<prefix><name>` and returns its first output. */
  node(op: string, inputs: (Value | undefined)[], name: string, attributes: Record<string, ReturnType<typeof attr.int>> = {}): Value {
    return this.customNode(op, '', inputs, name, attributes).output(0);
  }

  /** Makes a node in any domain (the plugin) and returns it. */
  customNode(op: string, domain: string, inputs: (Value | undefined)[], name: string, attributes: Record<string, ReturnType<typeof attr.int>>): Node {
    return this.edit.node({ op, domain, inputs, name: `${this.prefix}${name}`, outputs: [`${this.prefix}${name}_output`], attributes });
  }

  /** Makes a constant initializer. */
  constant(tensor: Tensor, name: string): Value {
    return this.edit.initializer(tensor, `${this.prefix}${name}`);
  }

  /** A 1-D int64 tensor holding `dims`: a constant when all are known, else assembled in the graph. */
  int64Vector(dims: readonly DimExpr[], name: string): Value {
    const consts = dims.map((d) => d.constValue());
    if (consts.every((c) => c !== undefined)) return this.constant(Tensor.int64(consts as number[]), name);
    const parts = dims.map((d, i) => this.scalar(d, `${name}_${i}`));
    return this.node('Concat', parts, name, { axis: attr.int(0) });
  }

  /** A [1] int64 tensor holding `d`. */
  scalar(d: DimExpr, name: string): Value {
    const c = d.constValue();
    if (c !== undefined) return this.constant(Tensor.int64([c]), name);
    const cached = this.dimCache.get(d.key());
    if (cached) return cached;
    const source = this.sources.find(d, this.before);
    if (!source) throw new ViewError(`cannot compute the size ${String(d)} in the graph: no value outside the site has it as a dimension`);
    const shape = this.node('Shape', [source.value], `${name}_shape`);
    const index = this.constant(Tensor.int64([source.axis]), `${name}_axis`);
    const out = this.node('Gather', [shape, index], name, { axis: attr.int(0) });
    this.dimCache.set(d.key(), out);
    return out;
  }
}

/** Index from symbolic sizes to a (value, axis) of the model that has that size. */
export class DimSources {
  /** Built on first use: a static model never reads a size from the graph, and indexing reads every value's shape. */
  private byKey: Map<string, { value: Value; axis: number; position: number }> | undefined;
  private positions: Map<Node, number> | undefined;
  private readonly order: readonly Node[];

  /**
   * Indexes graph inputs first, then every node output in topological order (the earliest value
   * with a size wins), skipping `exclude`d producers. The graph must not change while it is used.
   */
  constructor(private readonly graph: Graph, private readonly facts: ShapeFacts, private readonly exclude: ReadonlySet<Node>) {
    // Sorted now (a cyclic graph is refused here, as before), indexed on first use.
    this.order = topologicalOrder(graph);
  }

  private topological(): readonly Node[] {
    return this.order;
  }

  private index(): Map<string, { value: Value; axis: number; position: number }> {
    const byKey = new Map<string, { value: Value; axis: number; position: number }>();
    const visit = (v: Value, position: number): void => {
      const shape = this.facts.shape(v);
      shape?.forEach((d, axis) => {
        if (d.constValue() === undefined && !byKey.has(d.key())) byKey.set(d.key(), { value: v, axis, position });
      });
    };
    for (const input of this.graph.inputs) visit(input, -1);
    this.topological().forEach((node, position) => {
      if (this.exclude.has(node)) return;
      for (const out of node.outputs) if (out.name) visit(out, position);
    });
    return byKey;
  }

  /** The topological position of a node (graph inputs come before every node). */
  positionOf(node: Node): number {
    if (!this.positions) {
      const positions = new Map<Node, number>();
      this.topological().forEach((n, position) => positions.set(n, position));
      this.positions = positions;
    }
    return this.positions.get(node) ?? Infinity;
  }

  /**
   * A value and axis whose size is exactly `d`, produced before topological position `before`:
   * a replacement that read a size from a value computed after its site could read its own
   * output (a consumer of the site has the same dims) and make a cycle.
   */
  find(d: DimExpr, before = Infinity): { value: Value; axis: number } | undefined {
    this.byKey ??= this.index();
    const source = this.byKey.get(d.key());
    return source && source.position < before ? source : undefined;
  }
}

/** int32 constant or in-graph Cast of an int64 vector. */
export function toInt32(emitter: Emitter, dims: readonly DimExpr[], shape: number[], name: string): Value {
  const consts = dims.map((d) => d.constValue());
  if (consts.every((c) => c !== undefined)) return emitter.constant(Tensor.int32(consts as number[], shape), name);
  const vector = emitter.int64Vector(dims, `${name}_int64`);
  const reshaped = shape.length === 1 ? vector : emitter.node('Reshape', [vector, emitter.constant(Tensor.int64(shape), `${name}_shape`)], `${name}_reshape`);
  return emitter.node('Cast', [reshaped], name, { to: attr.int(DType.INT32) });
}

