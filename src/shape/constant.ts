import { DType, type Node, Tensor, type Value } from '../ir/index.js';

/**
 * The constant a value holds without any folding: its initializer, or the tensor of the
 * `Constant` node that produces it. An initializer that is also a graph input is only a default
 * (callers may feed another value), so it does not count.
 *
 * @example
 * ```ts
 * const target = constantValue(reshape.input(1));
 * target?.toNumbers(); // [8, 8, 32, 32]
 * ```
 */
export function constantValue(v: Value): Tensor | undefined {
  if (v.initializer) return v.isGraphInput ? undefined : v.initializer;
  const producer = v.producer;
  if (producer && producer.opType === 'Constant' && isOnnxDomain(producer.domain)) return constantNodeTensor(producer);
  return undefined;
}

/** True for the default ONNX domain (`''` or `ai.onnx`). */
export function isOnnxDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * The tensor a `Constant` node produces, from whichever `value*` attribute it carries; undefined
 * for sparse values and malformed nodes.
 */
export function constantNodeTensor(node: Node): Tensor | undefined {
  for (const [name, attribute] of node.attributes) {
    const a = attribute.value;
    switch (name) {
      case 'value':
        if (a.kind === 'tensor') return a.value;
        break;
      case 'value_float':
        if (a.kind === 'float') return Tensor.fromArray(DType.FLOAT, [], Float32Array.of(a.value));
        break;
      case 'value_floats':
        if (a.kind === 'floats') return Tensor.fromArray(DType.FLOAT, [a.value.length], Float32Array.from(a.value));
        break;
      case 'value_int':
        if (a.kind === 'int') return Tensor.int64([a.value], []);
        break;
      case 'value_ints':
        if (a.kind === 'ints') return Tensor.int64(a.value);
        break;
      case 'value_string':
        if (a.kind === 'string') return new Tensor({ dtype: DType.STRING, dims: [], storage: { kind: 'strings', values: [a.value] } });
        break;
      case 'value_strings':
        if (a.kind === 'strings') {
          return new Tensor({ dtype: DType.STRING, dims: [a.value.length], storage: { kind: 'strings', values: a.value } });
        }
        break;
      default:
        break;
    }
  }
  return undefined;
}
