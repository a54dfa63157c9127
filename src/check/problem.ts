/**
 * What `check` reports: one {@link CheckProblem} per thing wrong with a model, each naming where
 * it is (graph, node, tensor) and what was expected, and the collector the rules write into.
 */
import { formatError } from '../errors.js';

/**
 * Which rule found a problem (stable identifiers, for `--json` consumers and filters).
 *
 * @group Checks
 */
export type CheckRule =
  // structure (ONNX IR rules)
  | 'dangling-input' | 'dangling-output' | 'duplicate-definition' | 'cycle' | 'unsorted'
  | 'graph-io-type' | 'initializer-not-input' | 'ir-version'
  // operators against their schemas
  | 'opset-import' | 'unknown-op' | 'op-not-in-opset' | 'deprecated-op'
  | 'input-count' | 'output-count' | 'omitted-input' | 'omitted-output'
  | 'attribute-unknown' | 'attribute-type' | 'attribute-missing' | 'attribute-repeated' | 'attribute-value'
  // types
  | 'value-type' | 'type-mismatch' | 'inferred-type' | 'shape-conflict'
  // data and plugins
  | 'external-data' | 'plugin-contract';

/**
 * `error`: the model breaks ONNX's rules or a runtime's; `warning`: legal but not judged fully.
 *
 * @group Checks
 */
export type CheckSeverity = 'error' | 'warning';

/**
 * One problem `checkModel` found.
 *
 * @example
 * ```ts
 * // { severity: 'error', rule: 'dangling-input', node: 'node_Clip_0', tensor: 'sigmoid_min_1', ... }
 * for (const p of checkModel(model).problems) console.log(p.message);
 * ```
 * @group Checks
 */
export interface CheckProblem {
  readonly severity: CheckSeverity;
  readonly rule: CheckRule;
  /** What is wrong, without the location. */
  readonly detail: string;
  /** The subgraph, as `<owner node>/<attribute>` (absent for the main graph). */
  readonly graph?: string;
  /** The node's name (or label). */
  readonly node?: string;
  /** The node's operator (`domain::op` outside the ONNX domain). */
  readonly op?: string;
  /** The tensor involved. */
  readonly tensor?: string;
  readonly expected?: string;
  readonly found?: string;
  /** One readable line: location, detail, expected and found. */
  readonly message: string;
}

/** Where a problem is: the graph path and the node/tensor involved. */
export interface ProblemPlace {
  graph?: string | undefined;
  node?: string | undefined;
  op?: string | undefined;
  tensor?: string | undefined;
  expected?: string | undefined;
  found?: string | undefined;
}

/** Collects problems in the order the rules find them. */
export class ProblemList {
  readonly problems: CheckProblem[] = [];

  error(rule: CheckRule, detail: string, place: ProblemPlace = {}): void {
    this.add('error', rule, detail, place);
  }

  warning(rule: CheckRule, detail: string, place: ProblemPlace = {}): void {
    this.add('warning', rule, detail, place);
  }

  private add(severity: CheckSeverity, rule: CheckRule, detail: string, place: ProblemPlace): void {
    const problem: Record<string, string> = { severity, rule, detail };
    for (const key of ['graph', 'node', 'op', 'tensor', 'expected', 'found'] as const) {
      const v = place[key];
      if (v !== undefined) problem[key] = v;
    }
    const line = formatError('graph', detail, {
      ...(place.node !== undefined ? { node: place.node } : {}),
      ...(place.tensor !== undefined ? { tensor: place.tensor } : {}),
      ...(place.expected !== undefined ? { expected: place.expected } : {}),
      ...(place.found !== undefined ? { found: place.found } : {}),
    }).replace(/^graph error: /, '');
    problem['message'] = `${severity}: ${place.graph ? `subgraph '${place.graph}': ` : ''}${line}`;
    this.problems.push(problem as unknown as CheckProblem);
  }
}
