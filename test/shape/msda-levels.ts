/**
 * What the fuse-msda prover reads off inference for each MSDA site, recomputed here as a check:
 * the per-level value maps fed to GridSample (`[N*M, D, H_l, W_l]`), the value tensor they are
 * cut from (through Split/Slice and layout ops), its token count S, and whether
 * `S = sum(H_l * W_l)` holds as a DimExpr equality (the identity between Conv-derived sizes and
 * the exporter's own integer arithmetic).
 */
import type { Model, Node, Value } from '../../src/ir/index.js';
import { DimExpr, type ShapeFacts } from '../../src/shape/index.js';

/** Ops that move or view data without changing which tokens it holds. */
const LAYOUT = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Cast', 'Expand']);

export interface SiteLevels {
  /** The value tensor the levels are cut from. */
  value: string;
  /** Its token count: the dim along which the levels are cut. */
  tokens: string;
  levels: { h: string; w: string }[];
  /** `tokens` DimExpr-equals `sum(h * w)`. */
  tokensMatch: boolean;
  /** Every level size and the token count are known expressions (no fresh `unk__` symbols). */
  allKnown: boolean;
  /** The dim expressions, for evaluation at other sizes. */
  exprs: { tokens: DimExpr; levels: [DimExpr, DimExpr][] };
}

/** The value a GridSample's input is cut from and the axis cut (and the cutting node); undefined when not found. */
function cutSource(v: Value, facts: ShapeFacts): { source: Value; axis: number; site: Node } | undefined {
  for (let cur: Value | undefined = v, guard = 0; cur && guard < 16; guard++) {
    const node: Node | undefined = cur.producer;
    if (!node) return undefined;
    if (node.opType === 'Split' || node.opType === 'Slice') {
      const source = node.input(0);
      const rank = facts.shape(source)?.length ?? 0;
      let axis = node.opType === 'Split' ? node.attrNumber('axis', 0) : (node.inputs[3] ? facts.values(node.inputs[3])?.[0]?.constValue() : 0) ?? 0;
      if (axis < 0) axis += rank;
      return { source, axis, site: node };
    }
    if (!LAYOUT.has(node.opType)) return undefined;
    cur = node.inputs[0];
  }
  return undefined;
}

/** Where a GridSample's samples meet the other levels' (the Concat/stack after its layout ops): one node per site. */
function combiner(node: Node): Node | undefined {
  let v: Value = node.output();
  for (let guard = 0; guard < 16; guard++) {
    const next = v.uses[0]?.node;
    if (!next || !LAYOUT.has(next.opType)) return next;
    v = next.output();
  }
  return undefined;
}

/** Sites (levels in graph order) with the value tensor their levels are cut from. */
export function siteLevels(model: Model, facts: ShapeFacts): SiteLevels[] {
  const sites = new Map<Node, { value: Value; axis: number; levels: [DimExpr, DimExpr][] }>();
  for (const node of model.graph.nodes) {
    if (node.opType !== 'GridSample') continue;
    const shape = facts.shape(node.input(0));
    const cut = cutSource(node.input(0), facts);
    if (!shape || shape.length !== 4 || !cut) continue;
    const key = combiner(node) ?? cut.site;
    const site = sites.get(key) ?? { value: cut.source, axis: cut.axis, levels: [] };
    site.levels.push([shape[2]!, shape[3]!]);
    sites.set(key, site);
  }
  return [...sites.values()].map(({ value, axis, levels }) => {
    const tokens = facts.shape(value)?.[axis] ?? DimExpr.symbol('unk__tokens');
    const sum = levels.reduce((acc, [h, w]) => acc.add(h.mul(w)), DimExpr.const(0));
    const known = (e: DimExpr): boolean => !e.baseSymbols().some((s) => s.startsWith('unk__'));
    return {
      value: value.name,
      tokens: tokens.toString(),
      levels: levels.map(([h, w]) => ({ h: h.toString(), w: w.toString() })),
      tokensMatch: tokens.equals(sum),
      allKnown: known(tokens) && levels.every(([h, w]) => known(h) && known(w)),
      exprs: { tokens, levels },
    };
  });
}
