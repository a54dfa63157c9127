import { type Node, isOnnxDomain } from '../ir/index.js';
import { EVALUATED_OPS } from './evaluate.js';
import type { OpHandler } from './ops/context.js';
import { controlHandlers } from './ops/control.js';
import { elementwiseHandlers } from './ops/elementwise.js';
import { generatorHandlers } from './ops/generators.js';
import { layoutHandlers } from './ops/layout.js';
import { customHandlers, nnHandlers } from './ops/nn.js';
import { reduceHandlers } from './ops/reduce.js';
import { sliceHandlers } from './ops/slice.js';

/**
 * What inference does with each op type, decided once per type rather than once per node: a
 * model's op types are strings decoded per node, and every set or table asked about one hashes
 * and compares it again (five lookups per node on a model of 95,000 nodes).
 */
export interface OpRule {
  /** The op's inference handler, if any. */
  readonly handler: OpHandler | undefined;
  /**
   * Run through the constant evaluator when its inputs are constant: the ONNX ops of
   * `EVALUATED_OPS` except `Constant` (its handler already has the tensor) and `Shape`/`Size`
   * (their handlers produce exact constants from shapes alone).
   */
  readonly folds: boolean;
  /**
   * Only moves elements (shape-tensor plumbing): when the handler already knows every int64
   * output element exactly, the evaluator would compute the same tensor, so it is not run.
   */
  readonly moves: boolean;
}

const MOVING_OPS = new Set(['Concat', 'Slice', 'Unsqueeze', 'Squeeze', 'Reshape', 'Gather']);
const NOT_FOLDED = new Set(['Constant', 'Shape', 'Size']);

const ONNX_HANDLERS: Record<string, OpHandler> = {
  ...elementwiseHandlers,
  ...layoutHandlers,
  ...sliceHandlers,
  ...generatorHandlers,
  ...nnHandlers,
  ...reduceHandlers,
  ...controlHandlers,
};

/** Rules of ONNX-domain op types (a Map: an op type such as `toString` finds nothing). */
const ONNX_RULES = new Map<string, OpRule>(
  [...new Set([...Object.keys(ONNX_HANDLERS), ...EVALUATED_OPS])].map((op) => [op, {
    handler: Object.hasOwn(ONNX_HANDLERS, op) ? ONNX_HANDLERS[op] : undefined,
    folds: EVALUATED_OPS.has(op) && !NOT_FOLDED.has(op),
    moves: MOVING_OPS.has(op),
  }]),
);

/** Rules of custom-domain ops, by `domain:opType` (never folded: the evaluator knows ONNX ops only). */
const CUSTOM_RULES = new Map<string, OpRule>(
  Object.entries(customHandlers).map(([key, handler]) => [key, { handler, folds: false, moves: false }]),
);

/** The rule of an op inference knows nothing about. */
const UNKNOWN: OpRule = { handler: undefined, folds: false, moves: false };

/** The rule for `node`'s op type (domain included). */
export function ruleFor(node: Node): OpRule {
  if (isOnnxDomain(node.domain)) return ONNX_RULES.get(node.opType) ?? UNKNOWN;
  return CUSTOM_RULES.get(`${node.domain}:${node.opType}`) ?? UNKNOWN;
}
