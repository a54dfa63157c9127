/**
 * Model-level plugin validation: every node that a registered custom op definition claims is
 * checked against that definition's contract, in the main graph and in every subgraph.
 */
import { type ErrorContext, OnnxSurgeonError } from '../errors.js';
import { type Model, type Node, graphsWithin } from '../ir/index.js';
import type { ContractViolation } from './contract.js';
import { customOpFor } from './registry.js';

/**
 * Result of {@link validatePluginNodes}.
 *
 * @example
 * ```ts
 * const { ok, checkedNodes, violations } = validatePluginNodes(model);
 * ```
 * @group Plugin contracts
 */
export interface ValidationReport {
  /** True when no violation was found. */
  ok: boolean;
  /** Number of plugin nodes checked. */
  checkedNodes: number;
  /** Plugin nodes checked per op type. */
  byOp: Record<string, number>;
  /** Every violation, in graph order. */
  violations: ContractViolation[];
}

/**
 * Checks every plugin node of `model` (including nodes inside If/Loop/Scan bodies) against its
 * registered contract. Import `src/plugins/index.js` so the built-in plugins are registered.
 *
 * @example
 * ```ts
 * const report = validatePluginNodes(model);
 * if (!report.ok) for (const v of report.violations) console.error(v.message);
 * ```
 * @group Plugin contracts
 */
export function validatePluginNodes(model: Model): ValidationReport {
  return validatePluginNodesExcept(model, () => false);
}

/**
 * {@link validatePluginNodes} over the plugin nodes `skip` does not name (a pass that checked the
 * nodes it made already need not pay for their contract again).
 *
 * @internal
 */
export function validatePluginNodesExcept(model: Model, skip: (node: Node) => boolean): ValidationReport {
  const report: ValidationReport = { ok: true, checkedNodes: 0, byOp: {}, violations: [] };
  for (const graph of graphsWithin(model.graph)) {
    for (const node of graph.nodesIter()) {
      const contract = customOpFor(node)?.contract;
      if (contract && !skip(node)) {
        report.checkedNodes++;
        report.byOp[node.opType] = (report.byOp[node.opType] ?? 0) + 1;
        report.violations.push(...contract(node));
      }
    }
  }
  report.ok = report.violations.length === 0;
  return report;
}

/**
 * Throws an `OnnxSurgeonError('contract', …)` listing every violation when any plugin node breaks
 * its contract; returns the (clean) report otherwise.
 *
 * @example
 * ```ts
 * assertValidPlugins(model); // before saving a rewritten model
 * ```
 * @group Plugin contracts
 */
export function assertValidPlugins(model: Model): ValidationReport {
  const report = validatePluginNodes(model);
  if (report.ok) return report;
  const first = report.violations[0]!;
  const count = report.violations.length;
  const detail = `${count} plugin contract violation${count === 1 ? '' : 's'}:\n${report.violations.map((v) => `  - ${v.message}`).join('\n')}`;
  // The context names the offender only when there is one; the detail lists every violation.
  const context: ErrorContext = {};
  if (report.violations.every((v) => v.node === first.node)) context.node = first.node;
  if (count === 1) {
    if (first.input) context.tensor = first.input;
    if (first.expected !== undefined) context.expected = first.expected;
    if (first.found !== undefined) context.found = first.found;
  }
  throw new OnnxSurgeonError('contract', detail, context);
}
