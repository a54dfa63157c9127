/**
 * Extra ops at single points: an elementwise op on the path (Relu and Abs are the identity on
 * softmax weights, so fusing them is harmless there and wrong elsewhere), and an extra consumer of
 * a tensor inside the site, which makes the site impossible to remove.
 */
import { attr } from '../../../src/index.js';
import { insertOp, valueNamed } from '../edit.js';
import { type MutantDraft, type MutationClass, resolvePoint } from '../mutant.js';

const UNARY = ['Relu', 'Abs', 'Neg', 'Floor'];

export const extraUnary: MutationClass = {
  name: 'extra-unary',
  description: 'Inserts Relu, Abs, Neg or Floor at one point of the value, grid, sample, weight or output path.',
  generate(context) {
    return context.points.flatMap((point) => UNARY.map((op): MutantDraft => ({
      node: point.value, param: `${op}@${point.name}`, apply: (m) => { insertOp(m, resolvePoint(m, point), op); },
    })));
  },
};

export const extraConsumer: MutationClass = {
  name: 'extra-consumer',
  description: 'A tensor inside the site is also read outside it: made a graph output, or read by a new node whose result is a graph output.',
  generate(context) {
    const site = context.site;
    const inner = [...site.nodes].flatMap((n) => n.outputs).filter((v) => v.name && v !== site.output && context.probed(v));
    return inner.flatMap((value): MutantDraft[] => [
      {
        node: value.name, param: 'graph-output',
        apply: (m) => { const v = valueNamed(m, value.name); delete v.type; m.graph.setOutputs([...m.graph.outputs, v]); },
      },
      {
        node: value.name, param: 'reader',
        apply: (m) => {
          const v = valueNamed(m, value.name);
          const reader = m.graph.addNode({ op: 'ReduceMax', inputs: [v], attributes: { keepdims: attr.int(0) }, name: `mutant_reader_${v.name}` });
          m.graph.setOutputs([...m.graph.outputs, reader.output(0)]);
          m.graph.toposort();
        },
      },
    ]);
  },
};
