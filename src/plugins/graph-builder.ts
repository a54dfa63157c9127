/**
 * A terse way for expansions to add standard ONNX ops to a graph: `b.op('Mul', [x, two])` adds a
 * node and returns its output, names carry a common prefix so an expanded subgraph is easy to
 * spot, and constants become initializers of the graph being edited.
 */
import { type AttributeValue, type Graph, Tensor, type Value } from '../ir/index.js';

/**
 * Adds single-output nodes and constants to one graph under a name prefix.
 *
 * @example
 * ```ts
 * const b = new GraphBuilder(graph, 'msda_0/expand');
 * const doubled = b.op('Mul', [x, b.float32(2)]);
 * ```
 */
export class GraphBuilder {
  /**
   * @param graph Graph that receives the nodes and initializers.
   * @param prefix Prefix of every node and value name created.
   */
  constructor(readonly graph: Graph, readonly prefix: string) {}

  /**
   * Adds `opType(inputs)` with `attributes` in the ONNX domain and returns its only output.
   * @param hint Name stem of the node and its output (after the prefix); defaults to the op type.
   */
  op(opType: string, inputs: readonly (Value | undefined)[], attributes: Record<string, AttributeValue> = {}, hint = opType): Value {
    const node = this.graph.addNode({
      op: opType, inputs, attributes, name: `${this.prefix}/${hint}`, outputs: [`${this.prefix}/${hint}_out`],
    });
    return node.output(0);
  }

  /** A 1-D int64 constant (or a scalar when `scalar` is set), named `<prefix>/<hint>`. */
  int64(values: readonly number[], scalar = false, hint = 'const_i64'): Value {
    return this.graph.addInitializer(Tensor.int64(values, scalar ? [] : [values.length]), `${this.prefix}/${hint}`);
  }

  /** A float32 scalar constant, named `<prefix>/<hint>`. */
  float32(value: number, hint = 'const_f32'): Value {
    return this.graph.addInitializer(Tensor.float32([value], []), `${this.prefix}/${hint}`);
  }
}
