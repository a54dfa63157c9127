import { describe, expect, it } from 'vitest';
import { DType, Graph, Tensor } from '../../src/ir/index.js';
import { type ShapeFactsView, shapeView, valuesView } from '../../src/shape/facts.js';
import { inferShapes } from '../../src/shape/index.js';
import { Builder, dims, vals } from './build.js';

/**
 * The store keeps facts in arrays indexed by each value's ordinal in its graph (`Value._ordinal`):
 * these are the cases where a wrong index would hand one value another's facts.
 */
describe('inferShapes: facts by value ordinal', () => {
  it('keeps two stores over one graph apart', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8]);
    const y = b.one('Reshape', [x, b.ints([-1, 4])]);
    const bound = inferShapes(b.graph, { bindings: { n: 2 } });
    const free = inferShapes(b.graph);
    // Read interleaved: neither store sees the other's facts.
    expect(dims(bound, y)).toEqual(['4', '4']);
    expect(dims(free, y)).toEqual(['n*2', '4']);
    expect(dims(bound, x)).toEqual(['2', '8']);
    expect(dims(free, x)).toEqual(['n', '8']);
  });

  it('seeds values made after inference from what they declare, as values it never saw', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8]);
    const y = b.one('Relu', [x]);
    const facts = inferShapes(b.graph);
    // Many values past the end of the store's array, read out of order.
    const late = Array.from({ length: 40 }, (_, i) => b.graph.addInput(`late${i}`, { dtype: DType.INT32, shape: [i, 'm'] }));
    const untyped = b.one('Relu', [y]);
    const constant = b.ints([5, 6]);
    for (const i of [39, 0, 17, 38, 1]) expect([facts.dtype(late[i]!), dims(facts, late[i]!)]).toEqual([DType.INT32, [String(i), 'm']]);
    expect([facts.dtype(untyped), dims(facts, untyped)]).toEqual([undefined, undefined]);
    expect(vals(facts, constant)).toEqual(['5', '6']);
    expect(dims(facts, y)).toEqual(['n', '8']);
  });

  it('keeps a subgraph value apart from the main-graph value of the same ordinal', () => {
    const outer = new Builder();
    const x = outer.input('x', ['n', 8]);
    const thenGraph = new Graph('then', outer.graph);
    // The branch's first value: ordinal 0 of its graph, like `x` in the main graph.
    const target = thenGraph.addInitializer(Tensor.int64([-1, 4, 2]), 's');
    const reshaped = thenGraph.addNode({ op: 'Reshape', inputs: [x, target] }).output();
    thenGraph.setOutputs([reshaped]);
    const elseGraph = new Graph('else', outer.graph);
    elseGraph.setOutputs([elseGraph.addNode({ op: 'Identity', inputs: [x] }).output()]);
    const cond = outer.input('cond', [], DType.BOOL);
    outer.one('If', [cond], { then_branch: { kind: 'graph', value: thenGraph }, else_branch: { kind: 'graph', value: elseGraph } });
    const facts = inferShapes(outer.graph);
    expect(target._ordinal).toBe(x._ordinal);
    expect([dims(facts, target), vals(facts, target)]).toEqual([['3'], ['-1', '4', '2']]);
    expect([dims(facts, x), vals(facts, x)]).toEqual([['n', '8'], undefined]);
    expect(dims(facts, reshaped)).toEqual(['n', '4', '2']);
    // A graph inference never visited (another model) is answered from what its values declare.
    const other = new Graph('other');
    const stranger = other.addInput('s', { dtype: DType.INT64, shape: [7] });
    expect(stranger._ordinal).toBe(x._ordinal);
    expect([facts.dtype(stranger), dims(facts, stranger)]).toEqual([DType.INT64, ['7']]);
  });

  it('keeps the facts of a removed value and never gives them to a value made after', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8]);
    const gone = b.one('Transpose', [x]);
    const out = b.one('Relu', [x]);
    b.graph.setOutputs([out]);
    const facts = inferShapes(b.graph);
    b.graph.removeNode(gone.producer!);
    const made = b.one('Flatten', [x]);
    expect(made._ordinal).not.toBe(gone._ordinal);
    expect(dims(facts, gone)).toEqual(['8', 'n']);
    expect([facts.dtype(made), facts.shape(made)]).toEqual([undefined, undefined]);
  });

  it('lends arrays through views and copies them through the public API', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8]);
    const shape = b.one('Shape', [x]);
    const facts = inferShapes(b.graph);
    const view = facts as ShapeFactsView;
    expect(view.shapeView(x)).toBe(view.shapeView(x));
    expect(valuesView(facts, shape)).toBe(valuesView(facts, shape));
    expect(valuesView(facts, shape)?.map(String)).toEqual(['n', '8']);
    const copy = facts.shape(x)!;
    expect(copy).not.toBe(shapeView(facts, x));
    copy.pop();
    facts.values(shape)!.pop();
    expect(dims(facts, x)).toEqual(['n', '8']);
    expect(vals(facts, shape)).toEqual(['n', '8']);
    // Facts that have no views (a caller's own) are read through the copying API.
    const plain = { dtype: facts.dtype.bind(facts), shape: facts.shape.bind(facts), values: facts.values.bind(facts), constant: facts.constant.bind(facts) };
    expect(shapeView(plain, x)?.map(String)).toEqual(['n', '8']);
    expect(valuesView(plain, x)).toBeUndefined();
  });
});
