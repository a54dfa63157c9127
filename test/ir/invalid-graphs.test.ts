/**
 * Models that break ONNX's structural rules load into the IR as they are (nothing repaired),
 * save back byte for byte, and can be repaired with explicit calls. Passes that need a valid graph
 * refuse them with the loader's old messages (requireValidGraph).
 */
import { describe, expect, it } from 'vitest';
import {
  DType, Tensor, checkIndexes, findCycles, invalidRegion, requireValidGraph, structuralProblems, topologicalOrderIfAcyclic,
} from '../../src/ir/index.js';
import { concatChunks, encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto, NodeProto } from '../../src/onnx/proto-types.js';
import { loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';

const info = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });
const header = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }] };

function bytesOf(model: ModelProto): Uint8Array {
  const chunks = encodeModel(model);
  return concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0));
}

function modelWith(nodes: NodeProto[], extra: Partial<NonNullable<ModelProto['graph']>> = {}): ModelProto {
  return { ...header, graph: { name: 'g', input: [info('x')], output: [info('y')], node: nodes, ...extra } };
}

/** Loads, checks the IR's indexes, and asserts the model saves back to the very same bytes. */
function loadFaithfully(proto: ModelProto) {
  const bytes = bytesOf(proto);
  const model = loadModelFromBytes(bytes);
  checkIndexes(model.graph);
  expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(bytes))).toBe(true);
  return model;
}

describe('invalid models load as they are and save back byte for byte', () => {
  it('a dangling input is a value with no producer, listed by danglingValues', () => {
    const model = loadFaithfully(modelWith([{ opType: 'Clip', name: 'clip', input: ['x', 'lo', 'hi'], output: ['y'] }]));
    const graph = model.graph;
    expect(graph.danglingValues().map((v) => v.name)).toEqual(['lo', 'hi']);
    const lo = graph.requireValue('lo');
    expect(lo).toMatchObject({ isDangling: true, isGraphInput: false, producer: undefined, initializer: undefined });
    expect(lo.uses).toEqual([{ node: graph.nodes[0], index: 1 }]);
    expect(graph.requireValue('x').isDangling).toBe(false);
    expect(structuralProblems(graph).map((p) => [p.kind, p.node, p.tensor])).toEqual([
      ['dangling-input', 'clip', 'lo'], ['dangling-input', 'clip', 'hi'],
    ]);
  });

  it('a graph output nothing computes is a dangling value in the outputs', () => {
    const model = loadFaithfully(modelWith([{ opType: 'Relu', name: 'r', input: ['x'], output: ['z'] }]));
    expect(model.graph.outputs.map((v) => [v.name, v.isDangling])).toEqual([['y', true]]);
    expect(structuralProblems(model.graph).map((p) => p.detail)).toEqual([
      "graph output 'y' is not produced by any node, input or initializer",
    ]);
  });

  it('a name produced twice keeps both producers; readers see the first; renaming the second repairs it', () => {
    const model = loadFaithfully(modelWith([
      { opType: 'Relu', name: 'r1', input: ['x'], output: ['t'] },
      { opType: 'Neg', name: 'r2', input: ['x'], output: ['t'] },
      { opType: 'Abs', name: 'a', input: ['t'], output: ['y'] },
    ]));
    const graph = model.graph;
    const [r1, r2, abs] = graph.nodes;
    expect(abs!.input(0).producer).toBe(r1);
    expect(graph.duplicateDefinitions()).toEqual([r2!.output()]);
    expect(structuralProblems(graph)[0]).toMatchObject({
      kind: 'duplicate-definition', detail: "value name 't' is defined twice (output of node 'r2')", found: "first defined by node 'r1'",
    });
    graph.renameValue(r2!.output(), 't_neg');
    expect(graph.duplicateDefinitions()).toEqual([]);
    expect(graph.requireValue('t').producer).toBe(r1);
    expect(graph.requireValue('t_neg').producer).toBe(r2);
    expect(structuralProblems(graph)).toEqual([]);
    checkIndexes(graph);
  });

  it('duplicate graph inputs, initializers and an output named like an input are all kept', () => {
    const tensor = (name: string, v: number) => ({ name, dataType: 1, dims: [2], rawData: new Uint8Array(new Float32Array([v, v]).buffer) });
    const model = loadFaithfully(modelWith([{ opType: 'Add', name: 'add', input: ['x', 'w'], output: ['x'] }, { opType: 'Relu', name: 'r', input: ['w'], output: ['y'] }], {
      input: [info('x'), info('x')], initializer: [tensor('w', 1), tensor('w', 2)],
    }));
    const graph = model.graph;
    expect(graph.inputs).toHaveLength(2);
    expect(graph.initializers.map((v) => v.initializer!.toNumbers()[0])).toEqual([1, 2]);
    expect(graph.duplicateDefinitions().map((v) => v.name)).toEqual(['x', 'w', 'x']);
    expect(graph.nodes[0]!.input(1).initializer!.toNumbers()[0]).toBe(1);
  });

  it('a cycle loads in file order and is written back in it; toposort still refuses it', () => {
    const model = loadFaithfully(modelWith([
      { opType: 'Add', name: 'a', input: ['x', 'c'], output: ['b'] },
      { opType: 'Relu', name: 'r', input: ['b'], output: ['c'] },
      { opType: 'Identity', name: 'out', input: ['c'], output: ['y'] },
    ]));
    const graph = model.graph;
    expect(graph.nodes.map((n) => n.name)).toEqual(['a', 'r', 'out']);
    expect(topologicalOrderIfAcyclic(graph)).toBeUndefined();
    expect(findCycles(graph).map((c) => c.map((n) => n.name).sort())).toEqual([['a', 'r']]);
    expect(() => graph.toposort()).toThrow(/cycle through .*'(a|r)'/);
    expect(structuralProblems(graph).map((p) => p.kind)).toEqual(['cycle']);
  });

  it('repeated attribute names are listed and every occurrence is written back in place', () => {
    const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
    const model = loadFaithfully(modelWith([{
      opType: 'Transpose', name: 't', input: ['x'], output: ['y'],
      attribute: [ints('perm', [0]), { name: 'other', type: 2, i: 1 }, ints('perm', [1])],
    }]));
    const node = model.graph.nodes[0]!;
    expect(node.repeatedAttributes).toEqual(['perm']);
    expect(node.attrInts('perm')).toEqual([1]);
    expect(model.clone().graph.nodes[0]!.repeatedAttributes).toEqual(['perm']);
    node.setAttr('perm', { kind: 'ints', value: [0] });
    expect(node.repeatedAttributes).toBeUndefined();
    const saved = loadModelFromBytes(modelToBytes(model)).graph.nodes[0]!;
    expect([...saved.attributes.keys()]).toEqual(['perm', 'other']);
  });

  it('unknown operators, unknown domains and values without a type load untouched', () => {
    const model = loadFaithfully({
      irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'g', input: [{ name: 'x' }], output: [{ name: 'y' }], node: [{ opType: 'NoSuchOp', domain: 'com.nowhere', name: 'n', input: ['x'], output: ['y'] }] },
    });
    expect(model.graph.nodes[0]).toMatchObject({ opType: 'NoSuchOp', domain: 'com.nowhere' });
    expect(model.graph.inputs[0]!.type).toBeUndefined();
  });

  it('a copy of an invalid model is just as invalid (clone keeps dangling values and duplicates)', () => {
    const model = loadFaithfully(modelWith([
      { opType: 'Add', name: 'a', input: ['x', 'ghost'], output: ['t'] },
      { opType: 'Neg', name: 'b', input: ['x'], output: ['t'] },
      { opType: 'Relu', name: 'r', input: ['t'], output: ['y'] },
    ]));
    const copy = model.clone();
    checkIndexes(copy.graph);
    expect(structuralProblems(copy.graph).map((p) => p.kind)).toEqual(['duplicate-definition', 'dangling-input']);
    expect(Buffer.from(modelToBytes(copy)).equals(Buffer.from(modelToBytes(model)))).toBe(true);
  });
});

describe('repairs are explicit calls', () => {
  const clip = () => loadModelFromBytes(bytesOf(modelWith([{ opType: 'Clip', name: 'clip', input: ['x', 'lo', 'hi'], output: ['y'] }])));

  it('defineConstant gives a dangling value its constant; defineInput makes it a graph input', () => {
    const model = clip();
    const graph = model.graph;
    graph.defineConstant(graph.requireValue('lo'), Tensor.float32([0], []));
    graph.defineInput(graph.requireValue('hi'), { dtype: DType.FLOAT, shape: [] });
    expect(structuralProblems(graph)).toEqual([]);
    expect(graph.requireValue('lo').constant()?.toNumbers()).toEqual([0]);
    expect(graph.inputs.map((v) => v.name)).toEqual(['x', 'hi']);
    checkIndexes(graph);
    const saved = loadModelFromBytes(modelToBytes(model)).graph;
    expect(saved.initializers.map((v) => v.name)).toEqual(['lo']);
    expect(saved.danglingValues()).toEqual([]);
  });

  it('refuses a value that is already defined, and a constant that contradicts the declared type', () => {
    const graph = clip().graph;
    expect(() => graph.defineConstant(graph.requireValue('x'), Tensor.float32([0], []))).toThrow(/'x' is already defined \(expected a value nothing defines, found defined by a graph input\)/);
    const lo = graph.requireValue('lo');
    lo.type = { dtype: DType.FLOAT16, shape: [] };
    expect(() => graph.defineConstant(lo, Tensor.float32([0], []))).toThrow(/element type differs .*expected float16 \(declared\), found float/);
    expect(lo.isDangling).toBe(true);
  });
});

describe('passes that need a valid graph', () => {
  it('requireValidGraph throws the first problem with the loader\'s old wording', () => {
    const model = loadModelFromBytes(bytesOf(modelWith([{ opType: 'Add', name: 'add', input: ['x', 'ghost'], output: ['y'] }])));
    expect(() => requireValidGraph(model.graph, 'bad.onnx')).toThrow(
      "graph error: bad.onnx: node 'add': tensor 'ghost': input 1 'ghost' is not produced by any node, graph input or initializer",
    );
  });

  it('invalidRegion: the nodes downstream of a problem, each with it; the rest stays clear', () => {
    const model = loadModelFromBytes(bytesOf(modelWith([
      { opType: 'Relu', name: 'clean', input: ['x'], output: ['c'] },
      { opType: 'Add', name: 'bad', input: ['c', 'ghost'], output: ['d'] },
      { opType: 'Neg', name: 'after', input: ['d'], output: ['e'] },
      { opType: 'Add', name: 'join', input: ['c', 'e'], output: ['y'] },
    ])));
    const region = invalidRegion(model.graph);
    expect([...region.keys()].map((n) => n.name).sort()).toEqual(['after', 'bad', 'join']);
    expect(region.get(model.graph.nodes[3]!)?.tensor).toBe('ghost');
  });
});
