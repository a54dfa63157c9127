import { DType, type Graph } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { type ValueFacts, copyFacts, newFacts } from '../facts.js';
import type { OpContext, OpHandler } from './context.js';

function graphAttr(ctx: OpContext, name: string): Graph | undefined {
  const a = ctx.node.attr(name);
  return a?.kind === 'graph' ? a.value : undefined;
}

function sameDims(a: readonly DimExpr[] | undefined, b: readonly DimExpr[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((d, i) => d.equals(b[i]!));
}

/** Facts both branches agree on (dims that differ become fresh symbols). */
function merge(ctx: OpContext, i: number, a: ValueFacts, b: ValueFacts): ValueFacts {
  const out = newFacts(a.dtype ?? b.dtype);
  if (a.shape && b.shape && a.shape.length === b.shape.length) {
    out.shape = a.shape.map((d, k) => (d.equals(b.shape![k]!) ? d : ctx.fresh(i, k)));
  }
  if (a.values && b.values && sameDims(a.values, b.values)) out.values = a.values;
  return out;
}

const ifOp: OpHandler = (ctx) => {
  const thenGraph = graphAttr(ctx, 'then_branch');
  const elseGraph = graphAttr(ctx, 'else_branch');
  if (!thenGraph || !elseGraph) return [];
  const cond = ctx.values(0)?.[0]?.constBigInt();
  if (cond === undefined || cond !== 0n) ctx.inferSubgraph(thenGraph);
  if (cond === undefined || cond === 0n) ctx.inferSubgraph(elseGraph);
  return ctx.node.outputs.map((_, i) => {
    const t = thenGraph.outputs[i];
    const e = elseGraph.outputs[i];
    if (!t || !e) return undefined;
    if (cond !== undefined) return copyFacts(ctx.factsOf(cond !== 0n ? t : e));
    return merge(ctx, i, ctx.factsOf(t), ctx.factsOf(e));
  });
};

const loop: OpHandler = (ctx) => {
  const body = graphAttr(ctx, 'body');
  if (!body) return [];
  const carried = ctx.inputCount - 2;
  const inputs: ValueFacts[] = [
    newFacts(DType.INT64, []),
    newFacts(DType.BOOL, []),
    ...Array.from({ length: carried }, (_, k) => {
      const f = ctx.facts(k + 2);
      return newFacts(f.dtype, f.shape);
    }),
  ];
  ctx.inferSubgraph(body, inputs);
  return ctx.node.outputs.map((_, i) => {
    const produced = body.outputs[i + 1];
    const inner = produced ? ctx.factsOf(produced) : newFacts();
    if (i < carried) {
      // A carried value keeps its initial shape only when the body provably preserves it.
      const initial = ctx.facts(i + 2);
      const dtype = initial.dtype ?? inner.dtype;
      return newFacts(dtype, sameDims(initial.shape, inner.shape) ? initial.shape : undefined);
    }
    const trips = DimExpr.symbol(`loop__${ctx.outputName(i)}`);
    return newFacts(inner.dtype, inner.shape && [trips, ...inner.shape]);
  });
};

/** Handlers for control flow, by op type. */
export const controlHandlers: Record<string, OpHandler> = {
  If: ifOp,
  Loop: loop,
};
