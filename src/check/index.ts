/**
 * `checkModel`: a linter for ONNX models. Every problem at once, each with its graph, node, tensor
 * and what was expected: structure (dangling reads, duplicate names, cycles, order), operators
 * against ONNX's schemas (existence at the opset, counts, attributes), element types against the
 * type constraints and declared types against inference, external data, plugin contracts.
 *
 * @example
 * ```ts
 * import { checkModel } from 'onnx-surgeon/check';
 * const report = checkModel(await loadModel('model.onnx'));
 * console.log(`${report.errors} error(s), ${report.warnings} warning(s)`);
 * for (const problem of report.problems) console.log(problem.message);
 * ```
 *
 * @group Checking
 * @module onnx-surgeon/check
 */
import { shapeConflicts } from '../shape/conflicts.js';
import type { Model } from '../ir/index.js';
import { graphsWithin } from '../ir/traverse.js';
import { customOpFor, validatePluginNodes } from '../plugins/index.js';
import { inferShapes } from '../shape/infer.js';
import { checkExternalTensors } from './external-data.js';
import { type OperatorCoverage, checkNodeOperator } from './operators.js';
import { type CheckProblem, ProblemList } from './problem.js';
import { checkHeader, checkStructure } from './structure.js';
import { checkDeclaredTypes, checkNodeTypes } from './types.js';
import { graphPaths } from './walk.js';

export type { CheckProblem, CheckRule, CheckSeverity } from './problem.js';
export { lookupOpSchema, type FormalParameter, type OpSchema, type SchemaLookup } from './op-schema.js';

/**
 * What {@link checkModel} found.
 *
 * @example
 * ```ts
 * const report = checkModel(model);
 * if (!report.ok) for (const p of report.problems) console.error(p.message);
 * ```
 * @group Checks
 */
export interface CheckReport {
  /** No errors (warnings allowed). */
  ok: boolean;
  errors: number;
  warnings: number;
  /** Every problem, in the order: header, structure, nodes (graph order), external data, plugins. */
  problems: CheckProblem[];
  /** Nodes visited, in every graph. */
  nodes: number;
  /** Nodes judged against an ONNX operator schema. */
  schemaChecked: number;
  /** Plugin nodes judged against their contract. */
  pluginChecked: number;
  /** Nodes judged by neither, by reason (counts). */
  notChecked: Record<string, number>;
}

/**
 * Only the external data rule of {@link checkModel}: every tensor stored in an external file has
 * its file, inside the model's folder, long enough for its bytes. Checked by `stat`, nothing is
 * read, so it is cheap enough for a summary (`inspect` warns with it).
 *
 * @example
 * ```ts
 * const missing = checkExternalDataFiles(await loadModel('detr.onnx'));
 * missing[0]?.message;
 * // "error: tensor 'layers.0.value_proj.bias': external data file 'detr.onnx.data' not found in /models/"
 * ```
 */
export function checkExternalDataFiles(model: Model): CheckProblem[] {
  const list = new ProblemList();
  checkExternalTensors(model, graphPaths(model.graph), list);
  return list.problems;
}

/**
 * Checks `model` against ONNX's rules and reports every problem at once; never throws for a
 * problem of the model, never changes it. Load broken models with `loadModel` first: it accepts
 * what the file holds.
 *
 * @example
 * ```ts
 * const report = checkModel(await loadModel('detr.onnx'));
 * report.problems[0]?.message;
 * // "error: node 'node_Clip_0': tensor 'sigmoid_min_1': input 1 'sigmoid_min_1' is not produced by any node, ..."
 * ```
 * @group Checks
 */
export function checkModel(model: Model): CheckReport {
  const list = new ProblemList();
  const paths = graphPaths(model.graph);
  checkHeader(model, list);
  checkStructure(model, paths, list);
  const coverage: OperatorCoverage = { checked: 0, notChecked: {} };
  const facts = inferShapes(model.graph);
  let nodes = 0;
  let pluginChecked = 0;
  for (const graph of graphsWithin(model.graph)) {
    for (const node of graph.nodesIter()) {
      nodes++;
      const place = { graph: paths.get(graph), node: node.label, op: node.domain ? `${node.domain}::${node.opType}` : node.opType };
      if (customOpFor(node)?.contract) {
        pluginChecked++;
        if (!model.opsetImports.has(node.domain)) checkNodeOperator(model, node, place, list, { checked: 0, notChecked: {} });
        continue;
      }
      const schema = checkNodeOperator(model, node, place, list, coverage);
      if (schema) checkNodeTypes(node, schema, facts, place, list);
      checkDeclaredTypes(node, facts, place, list);
    }
  }
  for (const conflict of shapeConflicts(model.graph, facts)) {
    list.error('shape-conflict', `${conflict.node.opType} ${conflict.detail}`, { node: conflict.node.label, op: conflict.node.opType });
  }
  checkExternalTensors(model, paths, list);
  for (const v of validatePluginNodes(model).violations) {
    list.error('plugin-contract', v.message, {
      node: v.node, ...(v.input !== undefined ? { tensor: v.input } : {}), ...(v.expected !== undefined ? { expected: v.expected } : {}), ...(v.found !== undefined ? { found: v.found } : {}),
    });
  }
  const errors = list.problems.filter((p) => p.severity === 'error').length;
  return {
    ok: errors === 0, errors, warnings: list.problems.length - errors, problems: list.problems,
    nodes, schemaChecked: coverage.checked, pluginChecked, notChecked: coverage.notChecked,
  };
}
