/** The graphs `check` visits, each with the path it is reported under. */
import type { Graph } from '../ir/index.js';

/** Every graph of a model, main graph first, with its path (`undefined` for the main graph). */
export type GraphPaths = Map<Graph, string | undefined>;

/**
 * `root` and its subgraphs at any depth, each named `<owner node>/<attribute>` (nested ones
 * joined with ` > `), depth first in node and attribute order.
 */
export function graphPaths(root: Graph): GraphPaths {
  const paths: GraphPaths = new Map();
  const visit = (graph: Graph, path: string | undefined): void => {
    paths.set(graph, path);
    for (const { node, attribute, graph: sub } of graph.subgraphs()) {
      const here = `${node.label}/${attribute.name}`;
      visit(sub, path ? `${path} > ${here}` : here);
    }
  };
  visit(root, undefined);
  return paths;
}
