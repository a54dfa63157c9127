/**
 * Mutations of the site's layout: how the value is split into levels and reshaped into images,
 * how the grid is gathered per level, how the samples are stacked, how the weights line up, and
 * how the result is laid out. Most of them give a model that runs and computes something else
 * (a permutation of the right numbers); some give shapes onnxruntime rejects.
 */
import { DType, type Model, type Node, Tensor, type Value, attr } from '../../../src/index.js';
import { constant, forgetTypesFrom, insertOp, int64s, nodeKey, nodeNamed, replaceInput, setAttribute, valueNamed } from '../edit.js';
import { type MutantDraft, type MutationClass, type SiteContext, resolvePoint } from '../mutant.js';
import { normalizeAxis, rankOf, sampleLevels } from './common.js';

const INT64_MAX = Infinity;
const INT64_MIN = -Infinity;

export const transposePerm: MutationClass = {
  name: 'transpose-perm',
  description: 'Swaps two axes of a Transpose perm (or drops the perm, which reverses all axes) on the value, grid, weight or output path.',
  generate(context) {
    const drafts: MutantDraft[] = [];
    for (const node of context.site.nodes) {
      if (node.opType !== 'Transpose') continue;
      const key = nodeKey(node);
      const rank = rankOf(context, node.output(0));
      const perm = node.attrInts('perm') ?? (rank ? [...Array(rank).keys()].reverse() : undefined);
      if (!perm) continue;
      for (let i = 0; i < perm.length; i++) {
        for (let j = i + 1; j < perm.length; j++) {
          const next = [...perm];
          [next[i], next[j]] = [next[j]!, next[i]!];
          drafts.push({ node: key, param: `perm=${next.join(',')}`, apply: (m) => setAttribute(nodeNamed(m, key), 'perm', attr.ints(next)) });
        }
      }
      if (node.attrInts('perm')) {
        drafts.push({
          node: key, param: 'perm=omitted',
          apply: (m) => {
            const n = nodeNamed(m, key);
            n.attributes.delete('perm');
            forgetTypesFrom(n.output(0));
          },
        });
      }
    }
    return drafts;
  },
};

export const reshapeTarget: MutationClass = {
  name: 'reshape-target',
  description: 'Changes one Reshape target: two dims swapped, a factor moved between neighbouring dims, a dim written as -1 or 0, allowzero flipped, a computed target folded to constants.',
  generate(context) {
    const drafts: MutantDraft[] = [];
    for (const node of context.site.nodes) {
      if (node.opType !== 'Reshape') continue;
      const out = context.probed(node.output(0))?.dims;
      const input = context.probed(node.input(0))?.dims;
      if (!out || !input) continue;
      const key = nodeKey(node);
      const allowzero = node.attrNumber('allowzero', 0);
      const target = (dims: number[], param: string, extra?: (m: Model) => void): void => {
        drafts.push({
          node: key, param,
          apply: (m) => {
            const n = nodeNamed(m, key);
            replaceInput(m, n, 1, int64s(dims));
            extra?.(m);
            forgetTypesFrom(n.output(0));
          },
        });
      };
      if (!node.input(1).constant()) target(out, 'folded');
      for (let i = 0; i < out.length; i++) {
        target(out.map((d, k) => (k === i ? -1 : d)), `dim${i}=-1`);
        if (i < input.length && input[i] === out[i]) {
          if (allowzero === 0) target(out.map((d, k) => (k === i ? 0 : d)), `dim${i}=0`);
          else target(out.map((d, k) => (k === i ? 0 : d)), `dim${i}=0(allowzero=1)`);
        }
        if (i + 1 < out.length && out[i] !== out[i + 1]) {
          const swapped = [...out];
          [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
          target(swapped, `swap${i},${i + 1}`);
        }
        if (i + 1 < out.length) {
          for (const [from, to] of [[i + 1, i], [i, i + 1]] as const) {
            const p = smallestPrimeFactor(out[from]!);
            if (!p) continue;
            const moved = [...out];
            moved[from] = moved[from]! / p;
            moved[to] = moved[to]! * p;
            target(moved, `move${p}:${from}->${to}`);
          }
        }
      }
      if (!out.includes(0)) {
        drafts.push({ node: key, param: `allowzero=${1 - allowzero}`, apply: (m) => setAttribute(nodeNamed(m, key), 'allowzero', attr.int(1 - allowzero)) });
      }
    }
    return drafts;
  },
};

function smallestPrimeFactor(n: number): number | undefined {
  for (let p = 2; p * p <= n; p++) if (n % p === 0) return p;
  return n > 1 ? n : undefined;
}

/** How the value is cut into levels: one Split, or one Slice per level. */
interface LevelCut {
  /** The node that cuts level l out, and which of its outputs is level l. */
  node: Node;
  output: number;
  /** The token axis and the level's first token and token count. */
  axis: number;
  start: number;
  tokens: number;
  /** Rank and size of the cut tensor along the axis. */
  rank: number;
  total: number;
}

function levelCuts(context: SiteContext): LevelCut[] | undefined {
  const cuts: LevelCut[] = [];
  for (const level of context.site.levels) {
    const chain = level.valueChain;
    const index = chain.findIndex((n) => n.opType === 'Split' || n.opType === 'Slice');
    if (index < 0) return undefined;
    const node = chain[index]!;
    const inner = index > 0 ? chain[index - 1]! : level.gridSample;
    const outputValue = inner.inputs.find((v) => v?.producer === node)!;
    const inputDims = context.probed(node.input(0))?.dims;
    const outDims = context.probed(outputValue)?.dims;
    if (!inputDims || !outDims) return undefined;
    let axis: number;
    if (node.opType === 'Split') {
      axis = normalizeAxis(node.attrNumber('axis', 0), inputDims.length);
    } else {
      const axes = node.inputs[3] ? node.input(3).constant()?.toNumbers() : [0];
      if (!axes || axes.length !== 1) return undefined;
      axis = normalizeAxis(axes[0]!, inputDims.length);
    }
    cuts.push({ node, output: outputValue.outputIndex, axis, start: 0, tokens: outDims[axis]!, rank: inputDims.length, total: inputDims[axis]! });
  }
  // Starts: a Split's outputs are consecutive; Slices say where they start when constant.
  const split = cuts[0]!.node.opType === 'Split' ? cuts[0]!.node : undefined;
  if (split) {
    const sizes = split.outputs.map((o) => context.probed(o)?.dims[cuts[0]!.axis] ?? 0);
    for (const cut of cuts) cut.start = sizes.slice(0, cut.output).reduce((a, b) => a + b, 0);
  } else {
    let running = 0;
    for (const cut of cuts) {
      const start = cut.node.input(1).constant()?.toNumbers()[0];
      cut.start = start === undefined ? running : normalizeAxis(start, cut.total);
      running = cut.start + cut.tokens;
    }
  }
  return cuts;
}

export const sliceBounds: MutationClass = {
  name: 'slice-bounds',
  description: "Moves the token window of one level's value (start and end shifted by one), changes Split sizes, axes and Slice starts/ends/steps (equivalent spellings included).",
  generate(context) {
    const cuts = levelCuts(context);
    if (!cuts) return [];
    const drafts: MutantDraft[] = [];
    cuts.forEach((cut, level) => {
      const key = nodeKey(cut.node);
      const outputName = cut.node.outputs[cut.output]!.name;
      const inputName = cut.node.input(0).name;
      for (const shift of [1, -1]) {
        const start = cut.start + shift;
        if (start < 0 || start + cut.tokens > cut.total) continue;
        drafts.push({
          node: key, param: `level${level}:window${shift > 0 ? '+' : ''}${shift}`,
          apply: (m) => {
            const window = m.graph.addNode({
              op: 'Slice', name: `mutant_window_${outputName}`,
              inputs: [valueNamed(m, inputName), constant(m, int64s([start])), constant(m, int64s([start + cut.tokens])), constant(m, int64s([cut.axis]))],
            });
            const old = valueNamed(m, outputName);
            for (const use of [...old.uses]) use.node.setInput(use.index, window.output(0));
            m.graph.toposort();
          },
        });
      }
    });
    const first = cuts[0]!;
    if (first.node.opType === 'Split') {
      const key = nodeKey(first.node);
      const sizes = first.node.outputs.map((_, i) => cuts.find((c) => c.output === i)?.tokens ?? 0);
      for (let i = 0; i + 1 < sizes.length; i++) {
        const moved = [...sizes];
        moved[i] = moved[i]! + 1;
        moved[i + 1] = moved[i + 1]! - 1;
        drafts.push({ node: key, param: `sizes=${moved.join(',')}`, apply: (m) => { const n = nodeNamed(m, key); replaceInput(m, n, 1, int64s(moved)); n.outputs.forEach(forgetTypesFrom); } });
      }
      const axis = first.axis;
      drafts.push({ node: key, param: `axis=${axis - first.rank}`, apply: (m) => setAttribute(nodeNamed(m, key), 'axis', attr.int(axis - first.rank)) });
      drafts.push({ node: key, param: `axis=${axis + 1}`, apply: (m) => setAttribute(nodeNamed(m, key), 'axis', attr.int(axis + 1)) });
    } else {
      cuts.forEach((cut, level) => {
        if (level !== 0 && level !== cuts.length - 1) return;
        const key = nodeKey(cut.node);
        const end = cut.start + cut.tokens;
        const slice = (param: string, starts: number, ends: number, axes: number, steps?: number): void => {
          drafts.push({
            node: key, param: `level${level}:${param}`,
            apply: (m) => {
              const n = nodeNamed(m, key);
              replaceInput(m, n, 1, int64s([starts]));
              replaceInput(m, n, 2, int64s([ends]));
              replaceInput(m, n, 3, int64s([axes]));
              if (steps !== undefined) replaceInput(m, n, 4, int64s([steps]));
              forgetTypesFrom(n.output(0));
            },
          });
        };
        if (end === cut.total) slice('ends=int64max', cut.start, INT64_MAX, cut.axis);
        if (cut.start > 0) slice('starts=negative', cut.start - cut.total, end, cut.axis);
        slice('ends=negative', cut.start, end - cut.total, cut.axis);
        slice('axes=negative', cut.start, end, cut.axis - cut.rank);
        slice('axes=next', cut.start, end, cut.axis + 1);
        slice('steps=1', cut.start, end, cut.axis, 1);
        slice('steps=2', cut.start, end, cut.axis, 2);
        slice('steps=-1(reversed)', end - 1, cut.start === 0 ? INT64_MIN : cut.start - 1, cut.axis, -1);
      });
    }
    return drafts;
  },
};

export const levelOrder: MutationClass = {
  name: 'level-order',
  description: 'Pairs the wrong things across two levels: one level samples the other level\'s feature map or grid, the stacking order is swapped, or the level selector of the grid is swapped.',
  generate(context) {
    const levels = context.site.levels;
    const drafts: MutantDraft[] = [];
    const pairs: [number, number][] = [];
    for (let i = 0; i + 1 < levels.length; i++) pairs.push([i, i + 1]);
    if (levels.length > 2) pairs.push([0, levels.length - 1]);
    for (const [i, j] of pairs) {
      const a = nodeKey(levels[i]!.gridSample);
      const b = nodeKey(levels[j]!.gridSample);
      for (const [slot, what] of [[0, 'value'], [1, 'grid']] as const) {
        drafts.push({
          node: a, param: `swap-${what}:${i}<->${j}`,
          apply: (m) => {
            const x = nodeNamed(m, a);
            const y = nodeNamed(m, b);
            const vx = x.input(slot);
            x.setInput(slot, y.input(slot));
            y.setInput(slot, vx);
          },
        });
      }
      const concat = context.site.stackConcat;
      if (concat && concat.inputs.length === levels.length) {
        const key = nodeKey(concat);
        drafts.push({
          node: key, param: `swap-stack:${i}<->${j}`,
          apply: (m) => {
            const n = nodeNamed(m, key);
            const vi = n.input(i);
            n.setInput(i, n.input(j));
            n.setInput(j, vi);
          },
        });
      }
      const gi = levelSelector(context, i);
      const gj = levelSelector(context, j);
      if (gi && gj) {
        const ki = nodeKey(gi.node);
        const kj = nodeKey(gj.node);
        drafts.push({
          node: ki, param: `swap-selector:${i}<->${j}`,
          apply: (m) => {
            replaceInput(m, nodeNamed(m, ki), 1, gj.index);
            replaceInput(m, nodeNamed(m, kj), 1, gi.index);
          },
        });
      }
    }
    return drafts;
  },
};

/** The Gather that picks level l out of the shared grid, with its constant index. */
function levelSelector(context: SiteContext, level: number): { node: Node; index: Tensor; axis: number } | undefined {
  const shared = new Set(context.site.sharedGridChain);
  const chain = context.site.levels[level]!.gridChain.filter((n) => !shared.has(n));
  const node = chain.find((n) => n.opType === 'Gather');
  const index = node ? node.input(1).constant() : undefined;
  return node && index ? { node, index, axis: node.attrNumber('axis', 0) } : undefined;
}

export const gatherIndex: MutationClass = {
  name: 'gather-index',
  description: "Respells or changes the Gather that selects a level's grid: negative index, int32 index, index of rank 1, index out of range, negative axis, the point axis instead of the level axis.",
  generate(context) {
    const drafts: MutantDraft[] = [];
    const L = context.site.levels.length;
    for (const level of sampleLevels(context)) {
      const selector = levelSelector(context, level);
      if (!selector) continue;
      const key = nodeKey(selector.node);
      const rank = rankOf(context, selector.node.input(0));
      const value = selector.index.toNumbers()[0]!;
      const dims = selector.index.dims;
      const index = (param: string, tensor: Tensor): void => {
        drafts.push({ node: key, param, apply: (m) => { const n = nodeNamed(m, key); replaceInput(m, n, 1, tensor); forgetTypesFrom(n.output(0)); } });
      };
      index(`index=${value - L}`, int64s([value - L], dims));
      index('index=int32', Tensor.fromArray(DType.INT32, dims, Int32Array.of(value)));
      index(`index=[${value}]`, int64s([value], [1]));
      index(`index=${L}`, int64s([L], dims));
      if (rank) {
        const axis = normalizeAxis(selector.axis, rank);
        drafts.push({ node: key, param: `axis=${axis - rank}`, apply: (m) => setAttribute(nodeNamed(m, key), 'axis', attr.int(axis - rank)) });
        drafts.push({ node: key, param: `axis=${axis + 1}`, apply: (m) => setAttribute(nodeNamed(m, key), 'axis', attr.int(axis + 1)) });
      }
    }
    return drafts;
  },
};

export const stackConcat: MutationClass = {
  name: 'stack-concat',
  description: 'Stacks the levels along another axis (Concat axis, equivalent negative spellings included) or unsqueezes one level at another axis.',
  generate(context) {
    const drafts: MutantDraft[] = [];
    const concat = context.site.stackConcat;
    if (concat) {
      const key = nodeKey(concat);
      const rank = rankOf(context, concat.output(0));
      if (rank) {
        const axis = normalizeAxis(concat.attrNumber('axis', 0), rank);
        for (let a = -rank; a < rank; a++) {
          if (a === concat.attrNumber('axis', 0)) continue;
          drafts.push({ node: key, param: `axis=${a}${normalizeAxis(a, rank) === axis ? '(same)' : ''}`, apply: (m) => setAttribute(nodeNamed(m, key), 'axis', attr.int(a)) });
        }
      }
    }
    const unsqueeze = context.site.stack.find((n) => n.opType === 'Unsqueeze' && n.inputs[0]?.producer === context.site.levels[0]!.gridSample);
    const axes = unsqueeze?.inputs[1] ? unsqueeze.input(1).constant()?.toNumbers() : undefined;
    const rank = unsqueeze ? rankOf(context, unsqueeze.output(0)) : undefined;
    if (unsqueeze && axes?.length === 1 && rank) {
      const key = nodeKey(unsqueeze);
      const current = normalizeAxis(axes[0]!, rank);
      for (let a = 0; a < rank; a++) {
        if (a === current) continue;
        drafts.push({ node: key, param: `level0:unsqueeze=${a}`, apply: (m) => { const n = nodeNamed(m, key); replaceInput(m, n, 1, int64s([a])); forgetTypesFrom(n.output(0)); } });
      }
    }
    return drafts;
  },
};

/** `Slice(x, [-1], [INT64_MIN], [axis], [-1])`: reverses one axis. */
function reverseAxis(m: Model, edge: ReturnType<typeof resolvePoint>, axis: number): void {
  insertOp(m, edge, 'Slice', [constant(m, int64s([-1])), constant(m, int64s([INT64_MIN])), constant(m, int64s([axis])), constant(m, int64s([-1]))]);
}

export const swapXY: MutationClass = {
  name: 'swap-xy',
  description: 'Swaps the x and y coordinates (reverses the last axis) at one point of the locations/grid path.',
  generate(context) {
    return context.points
      .filter((p) => p.path === 'locations')
      .map((point) => ({ node: point.value, param: `reverse-xy@${point.name}`, apply: (m) => reverseAxis(m, resolvePoint(m, point), -1) }));
  },
};

export const weightLayout: MutationClass = {
  name: 'weight-layout',
  description: 'Reorders the attention weights against the samples: reverses or rolls an axis, transposes two equal-sized axes, or broadcasts them over D explicitly (equivalent).',
  generate(context) {
    const drafts: MutantDraft[] = [];
    for (const point of context.points.filter((p) => p.path === 'weights')) {
      const dims = context.probed(valueOf(context, point.value))?.dims;
      if (!dims) continue;
      for (let axis = 0; axis < dims.length; axis++) {
        if (dims[axis]! < 2) continue;
        drafts.push({ node: point.value, param: `reverse${axis}@${point.name}`, apply: (m) => reverseAxis(m, resolvePoint(m, point), axis) });
      }
      const last = dims.length - 1;
      drafts.push({
        node: point.value, param: `roll-last@${point.name}`,
        apply: (m) => {
          const edge = resolvePoint(m, point);
          const tail = m.graph.addNode({ op: 'Slice', inputs: [edge.value, constant(m, int64s([1])), constant(m, int64s([INT64_MAX])), constant(m, int64s([last]))] });
          const head = m.graph.addNode({ op: 'Slice', inputs: [edge.value, constant(m, int64s([0])), constant(m, int64s([1])), constant(m, int64s([last]))] });
          const rolled = m.graph.addNode({ op: 'Concat', inputs: [tail.output(0), head.output(0)], attributes: { axis: attr.int(last) } });
          for (const r of edge.readers ?? []) r.node.setInput(r.slot, rolled.output(0));
          m.graph.toposort();
        },
      });
      for (let a = 0; a < dims.length; a++) {
        for (let b = a + 1; b < dims.length; b++) {
          if (dims[a] !== dims[b] || dims[a]! < 2) continue;
          const perm = [...dims.keys()];
          [perm[a], perm[b]] = [perm[b]!, perm[a]!];
          drafts.push({ node: point.value, param: `transpose${a},${b}@${point.name}`, apply: (m) => { insertOp(m, resolvePoint(m, point), 'Transpose', [], { perm: attr.ints(perm) }); } });
        }
      }
      if (point.name === 'weights-final') {
        const stacked = context.probed(context.site.weighting.input(1 - context.site.weightSlot))?.dims;
        if (stacked && stacked.length === dims.length && stacked.some((d, i) => d !== dims[i])) {
          drafts.push({ node: point.value, param: `expand-to-samples@${point.name}`, apply: (m) => { insertOp(m, resolvePoint(m, point), 'Expand', [constant(m, int64s(stacked))]); } });
        }
      }
    }
    return drafts;
  },
};

function valueOf(context: SiteContext, name: string): Value {
  return valueNamed(context.model, name);
}
