import { DType, Graph, Tensor, type Value } from '../../src/ir/index.js';

/** A float32 graph input of the given shape. */
export function floatInput(graph: Graph, name: string, shape: number[] = [2, 3]): Value {
  return graph.addInput(name, { dtype: DType.FLOAT, shape });
}

/** A float32 scalar initializer. */
export function scalar(graph: Graph, value: number, name = 'c'): Value {
  return graph.addInitializer(Tensor.float32([value], []), name);
}

/** Op types of the graph's nodes, in order. */
export function opTypes(graph: Graph): string[] {
  return graph.nodes.map((n) => n.opType);
}
