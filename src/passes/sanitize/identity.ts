/**
 * Removing `Identity` nodes: exporters leave them where PyTorch returned a tensor unchanged
 * (an alias, a `nn.Identity`, a dropped dropout). They cost TensorRT nothing but clutter every
 * picture and listing of the graph.
 */
import { type Graph, isOnnxDomain } from '../../ir/index.js';

/**
 * Removes every `Identity` node of the main graph whose readers can read its input instead.
 * One stays only where removing it would change the model's interface: its output is a graph
 * output and its input is a graph input, another graph output or an initializer (the output
 * would lose its own name), or its input comes from an enclosing scope. Returns how many went.
 *
 * @example
 * ```ts
 * removeIdentities(model.graph); // 12
 * ```
 */
export function removeIdentities(graph: Graph): number {
  let removed = 0;
  for (const node of graph.nodes) {
    if (node.opType !== 'Identity' || !isOnnxDomain(node.domain) || node.outputs.length !== 1) continue;
    const input = node.inputs[0];
    const output = node.outputs[0]!;
    if (!input || !input.name || input.graph !== graph) continue;
    if (output.isGraphOutput && (input.isGraphInput || input.isGraphOutput || input.initializer)) continue;
    // A graph output keeps its name and declared type: the input takes both (replaceAllUsesWith renames).
    if (output.isGraphOutput && output.type) input.type = output.type;
    graph.replaceAllUsesWith(output, input);
    graph.removeNode(node);
    removed++;
  }
  return removed;
}
