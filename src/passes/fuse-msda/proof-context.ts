import type { LiveNodeMarks, Node, Value } from '../../ir/index.js';
import { type Atom, type View, ViewError } from '../../layout/view.js';
import { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { checkAttributes } from './node-checks.js';
import { type Chain, type Step, applyStep, rootAxes, sharedValues, stepsFrom } from './paths.js';

/** What every stage of a proof reads: inferred facts, the model's opset, and which nodes are live. */
export interface ProofContext {
  readonly facts: ShapeFacts;
  /** The model's default-domain opset (attribute and input forms depend on it). */
  readonly opset: number;
  /** Nodes some graph output depends on (dead nodes an optimizer left behind do not count as uses). */
  readonly live: LiveNodeMarks;
  /** Refuse every rounding, also the float64 -> float32 rounding of TorchScript's sampling locations. */
  readonly exactPrecision?: boolean;
}

/** A tensor the plugin reads, as a rearrangement of an existing value of the model. */
export interface RootedView {
  readonly root: Value;
  readonly rootAxes: { axis: string; size: DimExpr }[];
  /** Target layout over the root's axes, in the plugin's dimension order. */
  readonly target: View;
  /** Values between the root and the site (root first) that may already hold the target. */
  readonly reusable: Value[];
}

export const ONE = DimExpr.const(1);
export const ZERO = DimExpr.const(0);

/** Maps a view through steps, checking each node's attributes before reading them. */
export function follow(view: View, steps: readonly Step[], context: ProofContext): View {
  let out = view;
  for (const step of steps) {
    checkAttributes(step.node);
    try {
      out = applyStep(out, step, context.facts, context.opset);
    } catch (error) {
      // Name the node in every reason, so the user knows where to look.
      if (error instanceof ViewError && !error.message.includes(`'${step.node.label}'`)) throw new ViewError(`'${step.node.label}' (${step.node.opType}): ${error.message}`);
      throw error;
    }
  }
  return out;
}

/** Semantic atoms for an axis split into the given pieces (outer to inner). */
export function semanticPieces(axis: string, allPieces: readonly Atom[]): Atom[] {
  const pieces = allPieces.filter((a) => !isOne(a.size));
  const out: Atom[] = [];
  let stride = ONE;
  for (let i = pieces.length - 1; i >= 0; i--) {
    out.unshift({ axis, size: pieces[i]!.size, stride });
    stride = stride.mul(pieces[i]!.size);
  }
  return out;
}

/** One semantic atom `axis` of `size` (none for size 1). */
export function semanticAxis(axis: string, size: DimExpr): Atom[] {
  return isOne(size) ? [] : [{ axis, size, stride: ONE }];
}

export function product(sizes: readonly DimExpr[]): DimExpr {
  return sizes.reduce<DimExpr>((a, b) => a.mul(b), ONE);
}

export function isOne(d: DimExpr): boolean {
  return d.constValue() === 1;
}

/** Root axis labels and sizes of a value (`<tag>:<axis>`). */
export { rootAxes };

/**
 * The value the plugin should read for a tensor every level reaches by its own chain: the value
 * furthest from the site that all chains share and from which `accept` proves each chain. Going
 * back further would pass a step `accept` cannot prove (a rounding Cast, an arithmetic op); going
 * less far would leave steps unproved between the levels and the root.
 */
export function chooseRoot<T>(chains: readonly Chain[], what: string, accept: (root: Value, steps: Step[][]) => T): { root: Value; result: T } {
  const candidates = sharedValues(chains);
  if (!candidates.length) throw new ViewError(`the levels do not read one shared ${what} tensor`);
  let first: unknown;
  for (const root of candidates) {
    try {
      return { root, result: accept(root, chains.map((c) => stepsFrom(root, c))) };
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      first ??= error;
    }
  }
  throw first;
}

/** Adds every node of the steps to a site's node set. */
export function addNodes(into: Set<Node>, steps: readonly Step[]): void {
  for (const s of steps) into.add(s.node);
}
