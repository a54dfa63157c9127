/**
 * A region of a graph as a picture to lay out: boxes with short labels and edges with short
 * type labels, independent of the output format (SVG or DOT). What crowds a real site is folded
 * away: weights, Constant nodes and shape arithmetic become one or two annotation lines in the
 * box of the node that reads them; names are shortened to their last path segment (the full name
 * is the box's tooltip); symbolic sizes are spelled with {@link DimNames}.
 */
import type { Node, Value } from '../ir/index.js';
import { attrString, dtypeName } from '../ir/index.js';
import { MSDA_PLUGIN } from '../plugins/index.js';
import { type DimNames, type ShapeFacts } from '../shape/index.js';
import type { GraphRegion } from './regions.js';

/**
 * One box of a picture.
 *
 * @group Building blocks
 */
export interface PictureBox {
  /** Unique within its picture. */
  readonly id: string;
  /** `op`: a node; `input`: a graph input or a tensor from outside the region; `output`: a graph output. */
  readonly kind: 'op' | 'input' | 'output';
  /** First line (the op type, or a tensor's short name). */
  readonly title: string;
  /** Further lines: salient attributes, folded constants. */
  readonly lines: readonly string[];
  /** Full text for hovering: node name, or tensor name and type. */
  readonly tooltip: string;
  /** Drawn filled (the site's GridSamples, the plugin node). */
  readonly highlight: boolean;
}

/**
 * One edge: a tensor from one box to another.
 *
 * @group Building blocks
 */
export interface PictureEdge {
  readonly from: string;
  readonly to: string;
  /** `f32[N,193,8,32]` */
  readonly label: string;
  /** The tensor's full name. */
  readonly tooltip: string;
}

/**
 * A picture before layout.
 *
 * @group Building blocks
 */
export interface GraphPicture {
  readonly title: string;
  /** Lines under the title: what the size names stand for (`h32 = ceil(H/32)`). */
  readonly notes: readonly string[];
  readonly boxes: readonly PictureBox[];
  readonly edges: readonly PictureEdge[];
}

/** Longest label line kept (longer ones end in `…`). */
const MAX_LINE = 48;
/** Annotation lines per box before `+n more`. */
const MAX_FOLDED = 3;

/**
 * Builds the picture of `region`, with shapes from `facts` spelled with `names`.
 *
 * @group Building blocks
 */
export function pictureOf(region: GraphRegion, facts: ShapeFacts, names: DimNames): GraphPicture {
  const ids = new Map(region.nodes.map((n, i) => [n, `n${i}`]));
  const boxes: PictureBox[] = [];
  const edges: PictureEdge[] = [];
  const boundary = new Map<Value, string>();
  const typeText = (v: Value): string => typeLabel(v, facts, names);
  for (const node of region.nodes) {
    const folded: string[] = [];
    node.inputs.forEach((input, index) => {
      if (!input) return;
      const from = input.producer && ids.get(input.producer);
      if (from) {
        edges.push({ from, to: ids.get(node)!, label: typeText(input), tooltip: input.name });
        return;
      }
      const constant = foldedText(input, facts, names);
      if (constant !== undefined) {
        folded.push(`${inputLabel(node, index)}: ${constant}`);
        return;
      }
      let id = boundary.get(input);
      if (!id) {
        id = `v${boundary.size}`;
        boundary.set(input, id);
        boxes.push({ id, kind: 'input', title: shortName(input.name), lines: [input.isGraphInput ? 'graph input' : 'from outside'], tooltip: `${input.name}: ${typeText(input)}`, highlight: false });
      }
      edges.push({ from: id, to: ids.get(node)!, label: typeText(input), tooltip: input.name });
    });
    const lines = [...attributeLines(node), ...folded.slice(0, MAX_FOLDED)];
    if (folded.length > MAX_FOLDED) lines.push(`+${folded.length - MAX_FOLDED} more constants`);
    boxes.push({ id: ids.get(node)!, kind: 'op', title: node.opType, lines: lines.map(clip), tooltip: node.label, highlight: region.highlight.has(node) });
  }
  let outputs = 0;
  for (const node of region.nodes) {
    for (const out of node.outputs) {
      if (!out.isGraphOutput) continue;
      const id = `o${outputs++}`;
      boxes.push({ id, kind: 'output', title: shortName(out.name), lines: ['graph output'], tooltip: `${out.name}: ${typeText(out)}`, highlight: false });
      edges.push({ from: ids.get(node)!, to: id, label: typeText(out), tooltip: out.name });
    }
  }
  return { title: region.title, notes: names.legend(), boxes, edges: edges.map((e) => ({ ...e, label: clip(e.label) })) };
}

/** `f32[N,193,8,32]`; `?` for what inference does not know. */
function typeLabel(value: Value, facts: ShapeFacts, names: DimNames): string {
  const dtype = facts.dtype(value) ?? value.type?.dtype;
  const shape = facts.shape(value)?.map((d) => names.format(d)) ?? value.type?.shape?.map((d) => (d === null ? '?' : String(d)));
  return `${dtype !== undefined ? shortDtype(dtypeName(dtype)) : '?'}${shape ? `[${shape.join(',')}]` : ''}`;
}

/** What a folded input holds: small values in full, weights as their type. Undefined: draw it. */
function foldedText(value: Value, facts: ShapeFacts, names: DimNames): string | undefined {
  const tensor = value.constant();
  if (tensor) {
    if (tensor.size <= 8 && tensor.dims.length <= 2) {
      try {
        const numbers = tensor.toNumbers().map((n) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)))));
        if (!tensor.dims.length) return numbers[0]!;
        if (tensor.dims.length === 1) return `[${numbers.join(',')}]`;
        const columns = tensor.dims[1]!;
        return `[${Array.from({ length: tensor.dims[0]! }, (_, i) => `[${numbers.slice(i * columns, (i + 1) * columns).join(',')}]`).join(',')}]`;
      } catch {
        // A type without a numeric reading (strings): shown by its type instead.
      }
    }
    return typeLabel(value, facts, names);
  }
  const known = facts.values(value);
  if (known && value.producer && isShapeArithmetic(value.producer, facts)) return `[${known.map((d) => names.format(d)).join(',')}]`;
  return undefined;
}

function isShapeArithmetic(node: Node, facts: ShapeFacts): boolean {
  return node.opType === 'Constant' || node.opType === 'ConstantOfShape' || node.outputs.every((v) => facts.values(v) !== undefined);
}

/** `shape` for a Reshape's second input, `in2` where the op's input names are not known here. */
function inputLabel(node: Node, index: number): string {
  const known: Record<string, string[]> = {
    Reshape: ['data', 'shape'], Slice: ['data', 'starts', 'ends', 'axes', 'steps'], Unsqueeze: ['data', 'axes'],
    Squeeze: ['data', 'axes'], Gather: ['data', 'indices'], Expand: ['input', 'shape'], Tile: ['input', 'repeats'],
    Split: ['input', 'split'], ReduceSum: ['data', 'axes'], Pad: ['data', 'pads', 'value'], Mul: ['A', 'B'], Add: ['A', 'B'],
    Sub: ['A', 'B'], Div: ['A', 'B'], MatMul: ['A', 'B'], Gemm: ['A', 'B', 'C'], Conv: ['X', 'W', 'B'], Where: ['cond', 'X', 'Y'],
    [MSDA_PLUGIN.opType]: MSDA_PLUGIN.contract.inputs.map((i) => i.name),
  };
  return known[node.opType]?.[index] ?? `in${index}`;
}

/** Attributes people look at first, up to two: `perm=[0,2,1,3]`, `mode=bilinear`, `axis=1`. */
function attributeLines(node: Node): string[] {
  const lines: string[] = [];
  for (const [name, { value }] of node.attributes) {
    if (lines.length === 2) break;
    if (name.startsWith('plugin_')) continue;
    if (value.kind === 'int') lines.push(`${name}=${value.value}`);
    else if (value.kind === 'ints' && value.value.length <= 8) lines.push(`${name}=[${value.value.join(',')}]`);
    else if (value.kind === 'float') lines.push(`${name}=${Number(value.value.toPrecision(4))}`);
    else if (value.kind === 'string') lines.push(`${name}=${attrString(value) ?? ''}`);
  }
  return lines;
}

/**
 * The last segment of an exporter's path-like name (`/model/encoder/layers.0/Reshape_3` → `Reshape_3`).
 *
 * @group Building blocks
 */
export function shortName(name: string): string {
  const parts = name.split('/').filter(Boolean);
  return clip(parts[parts.length - 1] ?? name);
}

function shortDtype(name: string): string {
  const short: Record<string, string> = { float: 'f32', float32: 'f32', float16: 'f16', double: 'f64', float64: 'f64', bfloat16: 'bf16', int64: 'i64', int32: 'i32', int8: 'i8', uint8: 'u8', bool: 'bool' };
  return short[name] ?? name;
}

function clip(text: string): string {
  return text.length <= MAX_LINE ? text : `${text.slice(0, MAX_LINE - 1)}…`;
}
