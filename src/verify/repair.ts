/**
 * Repairs of a model that onnxruntime's CPU provider refuses, made on verify's own copy of it so
 * that it can serve as the reference. The one repair: GridSample with float64 data. Static
 * TorchScript exports fold MSDA's reference points (`torch.linspace`) into float64 constants, so
 * the sampling grid becomes float64 although PyTorch sampled in float32, and onnxruntime has
 * GridSample kernels for float32 (and float16, through casts) only. The repair casts every
 * float64 input of such a node to float32 (and a float64 result back), which is what PyTorch
 * computed: each grid coordinate is rounded by at most 2^-24 relative, the rounding that every
 * float32 GridSample (onnxruntime's, PyTorch's, TensorRT's plugin) applies to the pixel position
 * it derives from the grid anyway. Measured on the 16 float32 fixtures onnxruntime refuses: the
 * repaired copies match PyTorch's float32 goldens within 1.4e-7..1.2e-6 (max abs).
 */
import { isOnnxDomain } from '../ir/domain.js';
import { DType, type Graph, type Node, type Value, attr, dtypeName } from '../ir/index.js';
import { inferShapes } from '../shape/index.js';

/**
 * One input of one node that the repair cast.
 *
 * @group Running
 */
export interface RepairChange {
  /** Node name. */
  node: string;
  /** Op type (`GridSample`). */
  op: string;
  /** The input cast: `X` (the data) or `grid`. */
  input: 'X' | 'grid';
  /** Element type it had (`double`). */
  from: string;
  /** Element type it has in the repaired copy (`float`). */
  to: string;
}

/**
 * What {@link repairForOnnxruntime} changed.
 *
 * @group Running
 */
export interface RepairReport {
  /** One entry per cast input. */
  changes: RepairChange[];
  /** One line for the report, e.g. `float64 grid cast to float32 at 8 GridSample nodes`. */
  summary: string;
  /** Why the copy was repaired: onnxruntime's refusal of the model as it is (set by verifyRewrite). */
  reason?: string;
}

/** GridSample inputs onnxruntime's CPU provider has kernels for: float32 and float16. */
const GRID_SAMPLE_INPUTS: readonly ['X', 'grid'] = ['X', 'grid'];

/**
 * Finds what {@link repairForOnnxruntime} would change, without changing anything.
 *
 * @example
 * ```ts
 * const torchscriptExport = await loadModel('detr.torchscript.onnx');
 * planOnnxruntimeRepair(torchscriptExport.graph).length; // 8: one float64 grid per GridSample
 * ```
 * @group Running
 */
export function planOnnxruntimeRepair(graph: Graph): RepairChange[] {
  const facts = inferShapes(graph);
  const dtypeOf = (v: Value): number | undefined => facts.dtype(v) ?? v.type?.dtype;
  const changes: RepairChange[] = [];
  for (const node of graph.nodesIter()) {
    if (node.opType !== 'GridSample' || !isOnnxDomain(node.domain)) continue;
    GRID_SAMPLE_INPUTS.forEach((input, index) => {
      if (node.inputs[index] && dtypeOf(node.input(index)) === DType.DOUBLE) {
        changes.push({ node: node.name, op: node.opType, input, from: dtypeName(DType.DOUBLE), to: dtypeName(DType.FLOAT) });
      }
    });
  }
  return changes;
}

/**
 * Makes `graph` runnable in onnxruntime's CPU provider where it is not only because of float64
 * GridSample inputs: casts them to float32 (a float64 result is cast back, so every consumer sees
 * the type it had). Changes `graph` in place: give it a copy. Returns what changed (nothing when
 * no node needs it).
 *
 * @example
 * ```ts
 * const copy = model.clone(); // repair a copy: the model under test stays as it is
 * repairForOnnxruntime(copy.graph).summary; // 'float64 grid cast to float32 at 8 GridSample nodes'
 * ```
 * @group Running
 */
export function repairForOnnxruntime(graph: Graph): RepairReport {
  const changes = planOnnxruntimeRepair(graph);
  const byNode = new Map<string, RepairChange[]>();
  for (const change of changes) byNode.set(change.node, [...(byNode.get(change.node) ?? []), change]);
  for (const node of [...graph.nodesIter()]) {
    const cast = byNode.get(node.name);
    if (cast && node.opType === 'GridSample') castToFloat(graph, node, new Set(cast.map((c) => c.input)));
  }
  if (changes.length) graph.toposort();
  return { changes, summary: summarizeRepair(changes) };
}

/** Casts the float64 `inputs` of `node` to float32; where X was float64, its result is cast back. */
function castToFloat(graph: Graph, node: Node, inputs: ReadonlySet<'X' | 'grid'>): void {
  const cast = (v: Value, to: number, suffix: string): Node => graph.addNode({
    op: 'Cast', name: `${node.name}_${suffix}`, inputs: [v], outputs: 1, attributes: { to: attr.int(to) },
    outputTypes: [{ dtype: to, ...(v.type?.shape ? { shape: v.type.shape } : {}) }],
  });
  GRID_SAMPLE_INPUTS.forEach((input, index) => {
    if (inputs.has(input)) node.setInput(index, cast(node.input(index), DType.FLOAT, `repair_${input}_to_float`).output(0));
  });
  if (!inputs.has('X')) return;
  const sampled = node.output(0);
  const back = cast(sampled, DType.DOUBLE, 'repair_back_to_double');
  // Every reader (and a graph output slot, with its name) moves to the cast; the cast reads the node.
  graph.replaceAllUsesWith(sampled, back.output(0));
  back.setInput(0, sampled);
  sampled.type = { dtype: DType.FLOAT, ...(sampled.type?.shape ? { shape: sampled.type.shape } : {}) };
}

function summarizeRepair(changes: readonly RepairChange[]): string {
  if (!changes.length) return 'nothing to repair';
  const groups = new Map<string, Set<string>>();
  for (const c of changes) {
    const key = `${c.from === 'double' ? 'float64' : c.from} ${c.input === 'X' ? 'data' : 'grid'} cast to ${c.to === 'float' ? 'float32' : c.to}`;
    groups.set(key, (groups.get(key) ?? new Set()).add(c.node));
  }
  return [...groups].map(([what, nodes]) => `${what} at ${nodes.size} ${changes[0]!.op} node${nodes.size === 1 ? '' : 's'}`).join(', ');
}
