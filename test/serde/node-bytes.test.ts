/**
 * A save writes each loaded node that is unchanged as the bytes it was read from, and every other
 * node from the IR: an edit (in place, too) must never be lost behind the loaded bytes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr } from '../../src/ir/index.js';
import type { Node } from '../../src/ir/node.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { decodeModelWithNodeRanges } from '../../src/onnx/codec.js';
import type { RawMessage } from '../../src/onnx/raw-message.js';
import { decodeModel, encodeMessage, type NodeProto, type TensorProto } from '../../src/onnx/index.js';
import { loadModel, modelToBytes, saveModel } from '../../src/serde/index.js';
import { modelToProto } from '../../src/serde/to-proto.js';

const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx');

const nodeBytes = (n: NodeProto): string => Buffer.from(encodeMessage('onnx.NodeProto', n)).toString('hex');
const first = (nodes: Iterable<Node>, test: (n: Node) => boolean): Node => [...nodes].find(test)!;

describe('unchanged loaded nodes are saved as their bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-bytes-'));

  it('an untouched model saves every node as the very bytes it was read from', async () => {
    const out = path.join(dir, 'same.onnx');
    await saveModel(await loadModel(FIXTURE), out);
    const slices = (file: string): string[] => {
      const bytes = fs.readFileSync(file);
      // The loader's decode leaves the main graph's nodes as their bytes.
      const nodes = decodeModelWithNodeRanges(bytes).graph!.node! as unknown as RawMessage[];
      return nodes.map((n) => Buffer.from(n.view()).toString('hex'));
    };
    const read = slices(FIXTURE);
    expect(read).toHaveLength(461);
    expect(slices(out)).toEqual(read);
  });

  it('edits made in place, by rename, by rewiring and by field are all written', async () => {
    const model = await loadModel(FIXTURE);
    const g = model.graph;
    const transpose = first(g.nodesIter(), (n) => n.opType === 'Transpose' && n.attr('perm') !== undefined);
    const perm = transpose.attr('perm') as { kind: 'ints'; value: number[] };
    perm.value.reverse(); // in place: the attribute object is the loaded one
    const renamed = first(g.nodesIter(), (n) => n.opType === 'Shape').output();
    g.renameValue(renamed, 'renamed_shape');
    const concat = first(g.nodesIter(), (n) => n.opType === 'Concat');
    concat.setAttr('axis', attr.int(0));
    const add = first(g.nodesIter(), (n) => n.opType === 'Add');
    add.docString = 'edited';
    const before = decodeModel(fs.readFileSync(FIXTURE)).graph!.node!;

    const saved = decodeModel(modelToBytes(model)).graph!.node!;
    const byName = new Map(saved.map((n) => [n.name, n]));
    expect(byName.get(transpose.name)!.attribute!.find((a) => a.name === 'perm')!.ints).toEqual([...perm.value]);
    expect(saved.filter((n) => n.output?.includes('renamed_shape'))).toHaveLength(1);
    expect(saved.filter((n) => n.input?.includes('renamed_shape')).length).toBe(renamed.uses.length);
    expect(byName.get(concat.name)!.attribute!.find((a) => a.name === 'axis')!.i).toBe(0);
    expect(byName.get(add.name)!.docString).toBe('edited');
    // Every other node is the node as read, byte for byte.
    const edited = new Set([transpose.name, concat.name, add.name, renamed.producer!.name, ...renamed.uses.map((u) => u.node.name)]);
    const untouched = before.filter((n) => !edited.has(n.name!));
    expect(untouched.length).toBe(before.length - edited.size);
    expect(untouched.map(nodeBytes)).toEqual(untouched.map((n) => nodeBytes(byName.get(n.name)!)));
  });

  it('a name assigned directly, a Constant tensor renamed or replaced, a re-added or moved attribute are written', async () => {
    const model = await loadModel(FIXTURE);
    const g = model.graph;
    const constants = [...g.nodesIter()].filter((n) => n.opType === 'Constant' && n.attr('value')?.kind === 'tensor');
    const tensorOf = (n: Node): Tensor => (n.attr('value') as { kind: 'tensor'; value: Tensor }).value;
    const [assigned, renamedTensor, replaced, readded, target] = constants;
    assigned!.output().name = 'assigned_directly'; // not through renameValue: the bytes still tell
    tensorOf(renamedTensor!).name = 'tensor_renamed';
    tensorOf(replaced!).setStorage({ kind: 'bytes', bytes: new Uint8Array(tensorOf(replaced!).bytes()).fill(7) });
    const value = readded!.attributes.get('value')!;
    readded!.attributes.delete('value');
    readded!.attributes.set('value', { ...value }); // the same content, but not the loaded attribute
    target!.attributes.set('value', constants[5]!.attributes.get('value')!); // another node's loaded attribute

    const saved = new Map(decodeModel(modelToBytes(model)).graph!.node!.map((n) => [n.name, n]));
    expect(saved.get(assigned!.name)!.output).toEqual(['assigned_directly']);
    expect(saved.get(renamedTensor!.name)!.attribute![0]!.t!.name).toBe('tensor_renamed');
    expect([...saved.get(replaced!.name)!.attribute![0]!.t!.rawData!]).toEqual(new Array(8).fill(7));
    expect(Buffer.from(saved.get(target!.name)!.attribute![0]!.t!.rawData!)).toEqual(Buffer.from(tensorOf(constants[5]!).bytes()));
    // Re-added with the same content: written from the IR, which gives the same message here.
    expect(saved.get(readded!.name)!.attribute![0]!.t!.rawData).toEqual(tensorOf(readded!).bytes());
  });

  it('a changed node keeps its tensor attributes as read, decoded again from their bytes', async () => {
    const model = await loadModel(FIXTURE);
    const constant = [...model.graph.nodesIter()].find((n) => n.opType === 'Constant' && n.attr('value')?.kind === 'tensor')!;
    constant.docString = 'changed';
    const read = decodeModel(fs.readFileSync(FIXTURE)).graph!.node!.find((n) => n.name === constant.name)!;
    const written = modelToProto(model).graph!.node!.find((n) => n.name === constant.name)!;
    expect(written.docString).toBe('changed');
    const { $start, $end, ...tensor } = written.attribute![0]!.t! as TensorProto & { $start?: number; $end?: number };
    expect($end! - $start!).toBeGreaterThan(0);
    const { rawData, ...fields } = tensor;
    const { rawData: readData, ...readFields } = read.attribute![0]!.t!;
    expect(fields).toEqual(readFields);
    expect(Buffer.from(rawData!)).toEqual(Buffer.from(readData!));
  });

  it('the message conversion callers read stays plain NodeProtos', async () => {
    const proto = modelToProto(await loadModel(FIXTURE));
    expect(proto.graph!.node!.every((n) => Array.isArray(n.output) && typeof n.opType === 'string')).toBe(true);
  });

  it.sequential('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});
