/**
 * The registry of custom ops onnx-surgeon understands: for each, its contract and how to run it on
 * CPU by expanding it into standard ONNX ops (so onnxruntime can check a rewritten model's numbers
 * without TensorRT). A new plugin is one file that calls {@link registerCustomOp}, imported from
 * `src/plugins/index.ts`.
 */
import { OnnxSurgeonError } from '../errors.js';
import { type Graph, type Model, type Node, graphsWithin, isOnnxDomain } from '../ir/index.js';
import type { ContractViolation, PluginIdentity } from './contract.js';

/**
 * How onnx-surgeon validates and evaluates one custom op.
 *
 * @example
 * ```ts
 * const def: CustomOpDefinition = { opType: 'MultiscaleDeformableAttnPlugin_TRT', contract: validateMsdaNode, expand: expandMsdaNode, minOnnxOpset: 16 };
 * ```
 * @group Registry
 */
export interface CustomOpDefinition {
  /** Operator type, e.g. `MultiscaleDeformableAttnPlugin_TRT`. */
  opType: string;
  /** Operator domain; undefined matches any domain. */
  domain?: string;
  /** Contract check for one node of this op (see `src/plugins/contract.ts`). */
  contract?: (node: Node) => ContractViolation[];
  /** Replaces `node` in `graph` by an equivalent subgraph of standard ONNX ops that onnxruntime runs (CPU, float32 compute). */
  expand(node: Node, graph: Graph, model: Model): void;
  /** Lowest ONNX (`ai.onnx`) opset the expansion needs, e.g. 16 for `GridSample`. */
  minOnnxOpset?: number;
  /** The plugin's identity (domain written, versions), for a TensorRT plugin. */
  identity?: PluginIdentity;
}

const definitions: CustomOpDefinition[] = [];

/**
 * Registers (or replaces: same op type and domain) a custom op definition.
 *
 * @example
 * ```ts
 * registerCustomOp({
 *   opType: 'MyScalePlugin',
 *   expand(node, graph) {
 *     const two = graph.addInitializer(Tensor.float32([2], []), 'two');
 *     const mul = graph.addNode({ op: 'Mul', inputs: [node.input(0), two] });
 *     graph.replaceAllUsesWith(node.output(0), mul.output(0));
 *     graph.removeNode(node);
 *   },
 * });
 * ```
 * @group Registry
 */
export function registerCustomOp(def: CustomOpDefinition): void {
  const existing = definitions.findIndex((d) => d.opType === def.opType && d.domain === def.domain);
  if (existing >= 0) definitions[existing] = def;
  else definitions.push(def);
}

/**
 * The definition that applies to `node`: one registered for its exact domain wins over one
 * registered for any domain; undefined when the op is not a registered custom op.
 *
 * @example
 * ```ts
 * customOpFor(node)?.contract?.(node); // violations, if the node is a known plugin
 * ```
 * @group Registry
 */
export function customOpFor(node: Node): CustomOpDefinition | undefined {
  let anyDomain: CustomOpDefinition | undefined;
  for (const def of definitions) {
    if (def.opType !== node.opType) continue;
    if (def.domain === node.domain) return def;
    if (def.domain === undefined) anyDomain ??= def;
  }
  return anyDomain;
}

/**
 * True for a node onnx-surgeon treats as a plugin node: a registered custom op, or any op in a
 * domain a registered plugin is written in (other TensorRT plugins, which it does not model).
 *
 * @example
 * ```ts
 * graph.nodes.filter(isPluginNode).map((n) => n.opType); // ['MultiscaleDeformableAttnPlugin_TRT', ...]
 * ```
 * @group Registry
 */
export function isPluginNode(node: Node): boolean {
  return customOpFor(node) !== undefined || definitions.some((d) => d.identity?.domain === node.domain);
}

/**
 * Every registered definition, in registration order.
 *
 * @example
 * ```ts
 * registeredCustomOps().map((d) => d.opType); // ['MultiscaleDeformableAttnPlugin_TRT']
 * ```
 * @group Registry
 */
export function registeredCustomOps(): readonly CustomOpDefinition[] {
  return [...definitions];
}

/**
 * What {@link expandCustomOps} did.
 *
 * @example
 * ```ts
 * const { expanded, byOp, opset } = expandCustomOps(model);
 * // 2, { MultiscaleDeformableAttnPlugin_TRT: 2 }, { from: 13, to: 16 } (opset only when raised)
 * ```
 * @group Registry
 */
export interface ExpandReport {
  /** Number of custom-op nodes replaced. */
  expanded: number;
  /** Replaced nodes per op type. */
  byOp: Record<string, number>;
  /** Set when the model's ONNX opset had to be raised for the expansion. */
  opset?: { from: number | undefined; to: number };
}

/**
 * Replaces every registered custom-op node (also inside If/Loop/Scan subgraphs) by standard ONNX
 * ops, so onnxruntime's CPU provider can run the model. Raises the model's ONNX opset to the
 * highest {@link CustomOpDefinition.minOnnxOpset} needed; note that raising an opset changes the
 * meaning of a few ops (e.g. `Squeeze` axes below 13), which is harmless for models exported at
 * opset >= 16, as every model with `GridSample` is. Graphs that changed are re-sorted topologically.
 *
 * @example
 * ```ts
 * const model = await loadModel('fused.onnx');
 * expandCustomOps(model); // { expanded: 6, byOp: { MultiscaleDeformableAttnPlugin_TRT: 6 } }
 * const bytes = modelToBytes(model); // onnxruntime-node's InferenceSession.create(bytes) runs it on CPU
 * ```
 * @group Plugin contracts
 */
export function expandCustomOps(model: Model): ExpandReport {
  const sites: { node: Node; graph: Graph; def: CustomOpDefinition }[] = [];
  for (const graph of graphsWithin(model.graph)) {
    for (const node of graph.nodesIter()) {
      const def = customOpFor(node);
      if (def) sites.push({ node, graph, def });
    }
  }

  const report: ExpandReport = { expanded: 0, byOp: {} };
  const needed = Math.max(0, ...sites.map((s) => s.def.minOnnxOpset ?? 0));
  const current = model.onnxOpset;
  if (needed > 0 && model.raiseOnnxOpset(needed) !== current) report.opset = { from: current, to: needed };

  const touched = new Set<Graph>();
  for (const { node, graph, def } of sites) {
    try {
      def.expand(node, graph, model);
    } catch (error) {
      if (error instanceof OnnxSurgeonError) throw error;
      throw new OnnxSurgeonError('internal', `expanding ${node.opType} failed: ${error instanceof Error ? error.message : String(error)}`, { node: node.label }, { cause: error });
    }
    touched.add(graph);
    report.expanded++;
    report.byOp[node.opType] = (report.byOp[node.opType] ?? 0) + 1;
  }
  for (const graph of touched) graph.toposort();
  dropUnusedDomains(model, new Set(sites.map((s) => s.node.domain)));
  return report;
}

/** Removes opset imports of plugin domains no node uses any more (onnxruntime has no such domain). */
function dropUnusedDomains(model: Model, domains: Set<string>): void {
  for (const domain of domains) if (isOnnxDomain(domain)) domains.delete(domain);
  if (!domains.size) return;
  for (const graph of graphsWithin(model.graph)) for (const node of graph.nodesIter()) domains.delete(node.domain);
  for (const domain of domains) model.opsetImports.delete(domain);
}
