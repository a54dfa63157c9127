import { type Graph, type Tensor, type Value, isOnnxDomain } from '../ir/index.js';
import { inferShapes } from './infer.js';

/**
 * Options of {@link foldConstants}.
 *
 * @group Shapes
 */
export interface FoldOptions {
  /**
   * Largest folded output in elements (default 1024): shape arithmetic and small constants fold,
   * weights are never duplicated, and big `Constant` nodes stay as they are.
   */
  maxElements?: number;
}

/**
 * Replaces every node of the main graph whose outputs are known at compile time by initializers:
 * nodes whose inputs are all constant, `Shape` of a value with a fully static shape, and the
 * shape-arithmetic chains built on them (Shape→Gather→Unsqueeze→Concat→Reshape target, Expand,
 * Cast, ConstantOfShape, Range, Equal/Where, ...), plus small `Constant` nodes. The initializers
 * take the folded values' names; graph outputs keep theirs. Finishes with `graph.cleanup()`.
 *
 * @example
 * ```ts
 * const { folded } = foldConstants(model.graph);
 * const reshape = model.graph.nodes.find((n) => n.opType === 'Reshape');
 * reshape?.input(1).constant()?.toNumbers(); // [8, 8, 32, 32]: now an initializer
 * ```
 * @group Shapes
 */
export function foldConstants(graph: Graph, options: FoldOptions = {}): { folded: number } {
  const maxElements = options.maxElements ?? 1024;
  const facts = inferShapes(graph, { maxConstantElements: maxElements });
  let folded = 0;
  for (const node of graph.nodes) {
    if (!isOnnxDomain(node.domain) || !node.outputs.length) continue;
    const outputs = node.outputs.filter((o) => o.name !== '');
    const tensors: Tensor[] = [];
    for (const out of outputs) {
      const t = facts.constant(out);
      if (!t || t.size > maxElements) break;
      tensors.push(t);
    }
    if (tensors.length !== outputs.length || !outputs.length) continue;
    const renames: [Value, string][] = [];
    outputs.forEach((out, i) => {
      const name = out.name;
      const init = graph.addInitializer(tensors[i]!.clone(), `${name}_folded`);
      const wasOutput = out.isGraphOutput;
      graph.replaceAllUsesWith(out, init);
      if (!wasOutput) renames.push([init, name]);
    });
    graph.removeNode(node, { force: true });
    // The folded value keeps its name once the node that produced it is gone.
    for (const [init, name] of renames) if (!graph.names.has(name)) graph.renameValue(init, name);
    folded++;
  }
  graph.cleanup();
  return { folded };
}
