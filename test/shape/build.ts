/** Tiny graph-building helpers for the shape tests. */
import { type AttributeValue, DType, type Dim, Graph, Tensor, type Value } from '../../src/ir/index.js';
import type { ShapeFacts } from '../../src/shape/index.js';

export class Builder {
  readonly graph = new Graph('test');

  input(name: string, shape: Dim[], dtype: number = DType.FLOAT): Value {
    return this.graph.addInput(name, { dtype, shape });
  }

  /** An int64 initializer. */
  ints(values: (number | bigint)[], dims?: number[]): Value {
    return this.graph.addInitializer(Tensor.int64(values, dims), 'c');
  }

  floats(values: number[], dims?: number[]): Value {
    return this.graph.addInitializer(Tensor.float32(values, dims), 'f');
  }

  /** One node; returns its outputs. */
  op(op: string, inputs: (Value | undefined)[], attributes: Record<string, AttributeValue> = {}, outputs = 1, domain = ''): Value[] {
    return [...this.graph.addNode({ op, inputs, attributes, outputs, domain }).outputs];
  }

  /** One node with one output. */
  one(op: string, inputs: (Value | undefined)[], attributes: Record<string, AttributeValue> = {}): Value {
    return this.op(op, inputs, attributes)[0]!;
  }
}

/** A value's inferred shape as strings (undefined when the rank is unknown). */
export function dims(facts: ShapeFacts, v: Value): string[] | undefined {
  return facts.shape(v)?.map(String);
}

/** A value's tracked element values as strings. */
export function vals(facts: ShapeFacts, v: Value): string[] | undefined {
  return facts.values(v)?.map(String);
}
