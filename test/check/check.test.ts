/**
 * `checkModel` and `onnx-surgeon check`: each rule on a small model that breaks it (every problem
 * at once, with node, tensor and what was expected), clean models stay clean, exit codes 0/1/2.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CheckProblem, checkModel } from '../../src/check/index.js';
import { lookupOpSchema } from '../../src/check/op-schema.js';
import { runCli } from '../../src/cli/program.js';
import { concatChunks, encodeModel } from '../../src/onnx/codec.js';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../../src/onnx/proto-types.js';
import { loadModel, loadModelFromBytes } from '../../src/serde/index.js';
import { captureIo, tempDir } from '../cli/helpers.js';

const tensorInfo = (name: string, elemType = 1, dims: number[] = [2]): ValueInfoProto => ({
  name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

function bytesOf(model: ModelProto): Uint8Array {
  const chunks = encodeModel(model);
  return concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0));
}

function model(nodes: NodeProto[], options: { opset?: number; inputs?: ValueInfoProto[]; outputs?: ValueInfoProto[]; initializer?: TensorProto[]; valueInfo?: ValueInfoProto[]; imports?: [string, number][] } = {}): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: options.opset ?? 17 }, ...(options.imports ?? []).map(([domain, version]) => ({ domain, version }))],
    graph: {
      name: 'g', input: options.inputs ?? [tensorInfo('x')], output: options.outputs ?? [tensorInfo('y')], node: nodes,
      ...(options.initializer ? { initializer: options.initializer } : {}), ...(options.valueInfo ? { valueInfo: options.valueInfo } : {}),
    },
  };
}

function problems(proto: ModelProto): CheckProblem[] {
  return checkModel(loadModelFromBytes(bytesOf(proto))).problems;
}

const summary = (p: CheckProblem) => [p.rule, p.node, p.tensor].filter((x) => x !== undefined);
const int = (name: string, i: number): AttributeProto => ({ name, type: 2, i });
const str = (name: string, s: string): AttributeProto => ({ name, type: 3, s: new TextEncoder().encode(s) });
const gridInputs = [tensorInfo('x', 1, [1, 1, 4, 4]), tensorInfo('grid', 1, [1, 2, 2, 2])];
const gridOutput = [tensorInfo('y', 1, [1, 1, 2, 2])];
const gridSample = (attribute: AttributeProto[], opset = 17) => model(
  [{ opType: 'GridSample', name: 'gs', input: ['x', 'grid'], output: ['y'], attribute }], { opset, inputs: gridInputs, outputs: gridOutput },
);

describe('checkModel: structure', () => {
  it('a clean model has no problem and counts its nodes as checked', () => {
    const report = checkModel(loadModelFromBytes(bytesOf(model([{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }]))));
    expect(report).toMatchObject({ ok: true, errors: 0, warnings: 0, problems: [], nodes: 1, schemaChecked: 1 });
  });

  it('every problem at once: two dangling inputs, a duplicate producer, a dangling output, a cycle, an unsorted read', () => {
    const found = problems(model([
      { opType: 'Clip', name: 'clip', input: ['x', 'lo', 'hi'], output: ['t'] },
      { opType: 'Neg', name: 'neg', input: ['x'], output: ['t'] },
      { opType: 'Add', name: 'a', input: ['t', 'c'], output: ['b'] },
      { opType: 'Relu', name: 'r', input: ['b'], output: ['c'] },
      { opType: 'Abs', name: 'early', input: ['late'], output: ['u'] },
      { opType: 'Neg', name: 'producer', input: ['x'], output: ['late'] },
    ], { outputs: [tensorInfo('u'), tensorInfo('missing')] }));
    expect(found.map(summary)).toEqual([
      ['duplicate-definition', 't'],
      ['dangling-input', 'clip', 'lo'],
      ['dangling-input', 'clip', 'hi'],
      ['dangling-output', 'missing'],
      ['cycle', 'a'],
      ['unsorted', 'early', 'late'],
    ]);
    expect(found[1]!.message).toBe("error: node 'clip': tensor 'lo': input 1 'lo' is not produced by any node, graph input or initializer (expected a node output, graph input or initializer of that name)");
    expect(found[0]!.message).toContain("first defined by node 'clip'");
  });

  it('graph inputs and outputs need a type; below IR 4 initializers must be inputs', () => {
    const proto = model([{ opType: 'Add', name: 'add', input: ['x', 'w'], output: ['y'] }], {
      inputs: [{ name: 'x' }], initializer: [{ name: 'w', dataType: 1, dims: [2], floatData: [1, 2] }],
    });
    proto.irVersion = 3;
    expect(problems(proto).map(summary)).toEqual([['graph-io-type', 'x'], ['initializer-not-input', 'w']]);
  });
});

describe('checkModel: operators against the ONNX schemas', () => {
  it('unknown op, op newer than the opset, missing import for a domain, deprecated op', () => {
    const found = problems(model([
      { opType: 'Reluu', name: 'typo', input: ['x'], output: ['a'] },
      { opType: 'GridSample', name: 'gs', input: ['x', 'x'], output: ['b'] },
      { opType: 'Foo', domain: 'com.acme', name: 'custom', input: ['x'], output: ['c'] },
      { opType: 'Upsample', name: 'up', input: ['x', 'x'], output: ['y'] },
    ], { opset: 13 }));
    expect(found.map((p) => [p.rule, p.node])).toEqual([
      ['unknown-op', 'typo'], ['op-not-in-opset', 'gs'], ['opset-import', 'custom'], ['deprecated-op', 'up'],
    ]);
    expect(found[1]!.message).toContain('GridSample does not exist at opset 13');
    expect(found[1]!.expected).toBe('opset 16 or later (GridSample-16 is its first version)');
  });

  it("GridSample's align_corners as a string, a mode of another opset, an unknown attribute, a repeated one", () => {
    const found = problems(gridSample([str('align_corners', '0'), str('mode', 'linear'), int('antialias', 1), str('padding_mode', 'zeros'), str('padding_mode', 'border')]));
    expect(found.map((p) => [p.rule, p.detail, p.expected, p.found])).toEqual([
      ['attribute-repeated', "attribute 'padding_mode' is given more than once", 'each attribute name once (onnxruntime refuses the node)', undefined],
      ['attribute-type', "attribute 'align_corners' is of the wrong type", 'INT (GridSample-16)', 'STRING'],
      ['attribute-unknown', "has attribute 'antialias', which GridSample-16 does not define", 'one of align_corners, mode, padding_mode', undefined],
      ['attribute-value', "attribute 'mode' has a value GridSample-16 does not define ('linear' is GridSample-20's name (opset 20); below opset 20 it is 'bilinear')", "one of 'bilinear', 'nearest', 'bicubic'", "'linear'"],
    ]);
  });

  it("GridSample-20 (beyond the schema table) is counted as not checked, but its mode values still are", () => {
    const ok = checkModel(loadModelFromBytes(bytesOf(gridSample([str('mode', 'linear')], 20))));
    expect(ok).toMatchObject({ ok: true, schemaChecked: 0, notChecked: { 'GridSample-20: newer than the schema table (opset 17)': 1 } });
    const wrong = problems(gridSample([str('mode', 'bilinear')], 20));
    expect(wrong.map((p) => [p.rule, p.found])).toEqual([['attribute-value', "'bilinear'"]]);
  });

  it('input and output counts, omitted required inputs, missing required attributes', () => {
    const found = problems(model([
      { opType: 'Add', name: 'add3', input: ['x', 'x', 'x'], output: ['a'] },
      { opType: 'Clip', name: 'clip', input: ['', 'x'], output: ['b'] },
      { opType: 'Cast', name: 'cast', input: ['x'], output: ['y'] },
    ]));
    expect(found.map((p) => [p.rule, p.node, p.expected, p.found])).toEqual([
      ['input-count', 'add3', 'exactly 2 for Add-14', '3'],
      ['omitted-input', 'clip', 'a value: Clip-13 requires it', undefined],
      ['attribute-missing', 'cast', "'to' set (Cast-13 requires it)", undefined],
    ]);
  });

  it('element types against the type constraints, and declared types against inference', () => {
    const found = problems(model([
      { opType: 'Add', name: 'mixed', input: ['x', 'i'], output: ['a'] },
      { opType: 'Sqrt', name: 'sqrt', input: ['i'], output: ['b'] },
      { opType: 'Relu', name: 'relu', input: ['x'], output: ['y'] },
    ], { inputs: [tensorInfo('x'), tensorInfo('i', 7)], outputs: [tensorInfo('y', 1, [3])] }));
    expect(found.map((p) => [p.rule, p.node, p.tensor, p.expected, p.found])).toEqual([
      ['type-mismatch', 'mixed', 'i', 'one type for T (Add-14)', 'int64 and float'],
      ['value-type', 'sqrt', 'i', 'T in bfloat16, double, float, float16 (Sqrt-13)', 'int64'],
      ['inferred-type', 'relu', 'y', '[2]', '[3]'],
    ]);
  });

  it('schema lookup: the version in force, later versions, first versions', () => {
    expect(lookupOpSchema('ai.onnx', 'Clip', 17)).toMatchObject({ kind: 'found', schema: { since: 13, minInputs: 1, maxInputs: 3 } });
    expect(lookupOpSchema('', 'Split', 18)).toEqual({ kind: 'later', version: 18 });
    expect(lookupOpSchema('', 'Split', 17)).toMatchObject({ kind: 'found', schema: { since: 13 } });
    expect(lookupOpSchema('', 'AffineGrid', 19)).toEqual({ kind: 'not-yet', since: 20 });
    expect(lookupOpSchema('', 'NoSuchOp', 17)).toEqual({ kind: 'unknown' });
    expect(lookupOpSchema('com.microsoft', 'FusedConv', 1)).toEqual({ kind: 'foreign' });
    // onnx 1.12 types GridSample-16's grid like X; ONNX's docs (and exporters) give it its own float type.
    const gs = lookupOpSchema('', 'GridSample', 16);
    expect(gs.kind === 'found' && gs.schema.inputs.map((i) => i.typeParam)).toEqual(['T1', 'T2']);
  });
});

describe('checkModel: external data and plugins', () => {
  it('missing and short external data files are reported without reading anything', async () => {
    const dir = tempDir('onnx-surgeon-check-');
    const external = (name: string, location: string): TensorProto => ({
      name, dataType: 1, dims: [4], dataLocation: 1,
      externalData: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: '16' }],
    });
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(8));
    writeFileSync(join(dir, 'm.onnx'), bytesOf(model([{ opType: 'Add', name: 'add', input: ['a', 'b'], output: ['y'] }], {
      inputs: [], outputs: [tensorInfo('y', 1, [4])], initializer: [external('a', 'gone.bin'), external('b', 'short.bin')],
    })));
    const found = checkModel(await loadModel(join(dir, 'm.onnx'))).problems;
    expect(found.map((p) => [p.rule, p.tensor, p.detail, p.found])).toEqual([
      ['external-data', 'a', `external data file 'gone.bin' not found in ${realpathSync(dir)}/`, undefined],
      ['external-data', 'b', 'external data file is shorter than offset + length (short.bin)', '8 bytes'],
    ]);
  });

  it('plugin nodes are held to their contract (what validate does)', () => {
    const found = problems(model([
      { opType: 'MultiscaleDeformableAttnPlugin_TRT', domain: 'trt.plugins', name: 'msda', input: ['x'], output: ['y'] },
    ], { imports: [['trt.plugins', 1]] }));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p.rule === 'plugin-contract' && p.node === 'msda')).toBe(true);
  });
});

describe('onnx-surgeon check', () => {
  const write = (proto: ModelProto): string => {
    const file = join(tempDir('onnx-surgeon-check-'), 'm.onnx');
    writeFileSync(file, bytesOf(proto));
    return file;
  };

  it('exit 0 for a clean model, with a summary', async () => {
    const io = captureIo();
    expect(await runCli(['check', write(model([{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }]))], io)).toBe(0);
    expect(io.out()).toMatch(/0 errors, 0 warnings; 1 node: 1 checked against ONNX schemas, 0 against plugin contracts, 0 not checked/);
  });

  it('exit 1 with one line per problem; --json for tools', async () => {
    const file = write(model([{ opType: 'Clip', name: 'clip', input: ['x', 'lo', 'hi'], output: ['y'] }]));
    const io = captureIo();
    expect(await runCli(['check', file], io)).toBe(1);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${file}: error: node 'clip': tensor 'lo': input 1 'lo' is not produced by any node, graph input or initializer (expected a node output, graph input or initializer of that name)`);
    const json = captureIo();
    expect(await runCli(['check', file, '--json'], json)).toBe(1);
    const report = JSON.parse(json.out()) as { ok: boolean; errors: number; problems: CheckProblem[] };
    expect(report).toMatchObject({ ok: false, errors: 2 });
    expect(report.problems.map((p) => [p.rule, p.node, p.tensor])).toEqual([['dangling-input', 'clip', 'lo'], ['dangling-input', 'clip', 'hi']]);
  });

  it('exit 2 when the file cannot be read', async () => {
    const dir = tempDir('onnx-surgeon-check-');
    writeFileSync(join(dir, 'junk.onnx'), 'not a model');
    const io = captureIo();
    expect(await runCli(['check', join(dir, 'junk.onnx')], io)).toBe(2);
    expect(await runCli(['check', join(dir, 'absent.onnx')], captureIo())).toBe(2);
    expect(io.err()).toContain('junk.onnx');
  });
});
