/**
 * The weighted sum: which axes ReduceSum sums over (and whether it keeps them), which reduction
 * it is, and the op that applies the weights. Only a sum over the L*P samples of each query,
 * weighted by multiplication, is the plugin's math.
 */
import { DType, type Node, Tensor, attr } from '../../../src/index.js';
import { forgetTypesFrom, int64s, nodeKey, nodeNamed, replaceInput, setAttribute } from '../edit.js';
import type { MutantDraft, MutationClass } from '../mutant.js';
import { normalizeAxis, rankOf } from './common.js';

export const reduceSum: MutationClass = {
  name: 'reduce-sum',
  description: 'ReduceSum over other axes (equivalent negative spellings included), keepdims=1, duplicate axes, no axes (all, or none with noop_with_empty_axes), int32 axes, ReduceMean/ReduceMax instead.',
  generate(context) {
    const node = context.site.reduce;
    const key = nodeKey(node);
    const rank = rankOf(context, node.input(0));
    const axes = node.inputs[1] ? node.input(1).constant()?.toNumbers() : node.attrInts('axes');
    if (!rank || !axes) return [];
    const viaInput = Boolean(node.inputs[1]);
    const drafts: MutantDraft[] = [];
    const setAxes = (param: string, values: number[] | undefined, extra?: (n: Node) => void): void => {
      drafts.push({
        node: key, param,
        apply: (m) => {
          const n = nodeNamed(m, key);
          if (values === undefined) n.setInput(1, undefined);
          else if (viaInput) replaceInput(m, n, 1, int64s(values));
          else n.setAttr('axes', attr.ints(values));
          extra?.(n);
          forgetTypesFrom(n.output(0));
        },
      });
    };
    const current = axes.map((a) => normalizeAxis(a, rank));
    for (let a = 0; a < rank; a++) if (!current.includes(a)) setAxes(`axes=${a}`, [a]);
    setAxes(`axes=${current.map((a) => a - rank).join(',')}(same)`, current.map((a) => a - rank));
    if (current.length === 1) setAxes(`axes=${current[0]},${current[0]}`, [current[0]!, current[0]!]);
    if (current.length === 1 && current[0]! > 0) setAxes(`axes=${current[0]! - 1},${current[0]}`, [current[0]! - 1, current[0]!]);
    if (viaInput) {
      setAxes('axes=none', undefined);
      setAxes('axes=none,noop_with_empty_axes=1', undefined, (n) => n.setAttr('noop_with_empty_axes', attr.int(1)));
      drafts.push({
        node: key, param: 'axes=int32',
        apply: (m) => { const n = nodeNamed(m, key); replaceInput(m, n, 1, Tensor.fromArray(DType.INT32, [axes.length], Int32Array.from(axes))); },
      });
    }
    drafts.push({ node: key, param: 'keepdims=1', apply: (m) => setAttribute(nodeNamed(m, key), 'keepdims', attr.int(1)) });
    for (const op of ['ReduceMean', 'ReduceMax']) {
      drafts.push({ node: key, param: `op=${op}`, apply: (m) => { nodeNamed(m, key).opType = op; } });
    }
    return drafts;
  },
};

export const weightingOp: MutationClass = {
  name: 'weighting-op',
  description: 'The op that applies the weights: Add or Div instead of Mul, the weights squared, operands commuted (equivalent).',
  generate(context) {
    const node = context.site.weighting;
    const key = nodeKey(node);
    const weightSlot = context.site.weightSlot;
    return [
      { node: key, param: 'op=Add', apply: (m) => { nodeNamed(m, key).opType = 'Add'; } },
      { node: key, param: 'op=Div', apply: (m) => { nodeNamed(m, key).opType = 'Div'; } },
      {
        node: key, param: 'commuted',
        apply: (m) => { const n = nodeNamed(m, key); const a = n.input(0); n.setInput(0, n.input(1)); n.setInput(1, a); },
      },
      {
        node: key, param: 'weights-squared',
        apply: (m) => {
          const n = nodeNamed(m, key);
          const w = n.input(weightSlot);
          const squared = m.graph.addNode({ op: 'Mul', inputs: [w, w], name: `mutant_square_${w.name}` });
          n.setInput(weightSlot, squared.output(0));
          m.graph.toposort();
        },
      },
    ];
  },
};
