/**
 * What constant a value holds, without folding anything: the one home of this question for shape
 * inference, the pattern matcher, plugin contracts and passes (see {@link Value.constant}).
 */
import type { Node } from './node.js';
import { Tensor } from './tensor.js';
import { DType } from './types.js';

/**
 * The tensor a `Constant` node produces, from whichever `value*` attribute it carries (`value`,
 * `value_float(s)`, `value_int(s)`, `value_string(s)`); undefined for `sparse_value` and for
 * malformed nodes. The caller checks that the node is an ONNX `Constant`.
 *
 * @example
 * ```ts
 * constantNodeTensor(node)?.toNumbers(); // [8, 8, 32, 32] for Constant(value_ints=[8, 8, 32, 32])
 * ```
 * @group Types and data
 */
export function constantNodeTensor(node: Node): Tensor | undefined {
  for (const [name, attribute] of node.attributes) {
    const a = attribute.value;
    switch (name) {
      case 'value':
        if (a.kind === 'tensor') return a.value;
        break;
      case 'value_float':
        if (a.kind === 'float') return Tensor.float32([a.value], []);
        break;
      case 'value_floats':
        if (a.kind === 'floats') return Tensor.float32(a.value);
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
        if (a.kind === 'strings') return new Tensor({ dtype: DType.STRING, dims: [a.value.length], storage: { kind: 'strings', values: a.value } });
        break;
      default:
        break;
    }
  }
  return undefined;
}
