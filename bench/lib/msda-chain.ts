/**
 * The scale model of the benchmarks: `copies` chained copies of the `enc_listshapes_op17` fixture
 * (a real exported MSDA encoder: 2 sites, 461 nodes). Copy k reads its four feature maps from
 * copy k-1's `memory` output (Slice, Transpose, Reshape glue) and has its own randomly perturbed
 * weights; every copy ends in `memory += ReduceMean(bulk, axis 0)`. With `largeWeights`, `bulk`
 * is a [8, 1360, 64] float tensor (2.8 MB: 200 copies make ~590 MiB, mostly weights); without,
 * it is [1, 1, 64] (the same graph, ~62 MB of structure and small tensors).
 */
import {
  DataType, decodeModel, readModelBytes,
  type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from '../../src/onnx/index.js';
import { seededRandom } from '../../src/random.js';
import { findFixture } from './run.js';
import { join } from 'node:path';

const FIXTURE = findFixture(join('test', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx'));
/** Feature maps of the fixture (name, H=W) and where each sits in `memory` [1, 1360, 64]. */
const LEVELS = [
  { name: 'feat0', side: 32, start: 0 },
  { name: 'feat1', side: 16, start: 1024 },
  { name: 'feat2', side: 8, start: 1280 },
  { name: 'feat3', side: 4, start: 1344 },
] as const;
const CHANNELS = 64;
const TOKENS = 1360;
const BULK_DEPTH = 8;

/** What the chain is built from. */
export interface MsdaChainOptions {
  copies: number;
  /** A 2.8 MB weight per copy (see the module comment). */
  largeWeights: boolean;
}

function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) };
}

/** A copy of `tensor` with every element scaled by 1 +- 1% (float weights only). */
function perturbed(tensor: TensorProto, name: string, random: () => number): TensorProto {
  const raw = tensor.rawData;
  const elements = raw ? raw.byteLength / 4 : 0;
  if (tensor.dataType !== DataType.FLOAT || !raw || elements < 16) return { ...tensor, name };
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * (1 + 0.02 * (random() - 0.5));
  return { ...tensor, name, rawData: new Uint8Array(values.buffer) };
}

/** Glue of copy k > 0: its four feature maps are slices of the previous copy's memory. */
function glueNodes(prefix: string, previousOutput: string, rename: (name: string) => string): NodeProto[] {
  return LEVELS.flatMap((l): NodeProto[] => {
    const sliced = `${prefix}/glue/${l.name}/slice`;
    const transposed = `${prefix}/glue/${l.name}/t`;
    return [
      { name: `${prefix}/glue/${l.name}/Slice`, opType: 'Slice', input: [previousOutput, `glue/${l.name}/start`, `glue/${l.name}/end`, 'glue/axes1'], output: [sliced] },
      { name: `${prefix}/glue/${l.name}/Transpose`, opType: 'Transpose', input: [sliced], output: [transposed], attribute: [{ name: 'perm', type: 7, ints: [0, 2, 1] }] },
      { name: `${prefix}/glue/${l.name}/Reshape`, opType: 'Reshape', input: [transposed, `glue/${l.name}/shape`], output: [rename(l.name)] },
    ];
  });
}

/** The per-copy bulk: memory += ReduceMean(bulk, axis 0). */
function bulkNodes(prefix: string, memory: string, out: string): NodeProto[] {
  return [
    { name: `${prefix}/bulk/ReduceMean`, opType: 'ReduceMean', input: [`${prefix}/bulk`], output: [`${prefix}/bulk/mean`], attribute: [{ name: 'axes', type: 7, ints: [0] }, { name: 'keepdims', type: 2, i: 1 }] },
    { name: `${prefix}/bulk/Add`, opType: 'Add', input: [memory, `${prefix}/bulk/mean`], output: [out] },
  ];
}

function bulkTensor(prefix: string, largeWeights: boolean, random: () => number): TensorProto {
  const dims = largeWeights ? [BULK_DEPTH, TOKENS, CHANNELS] : [1, 1, CHANNELS];
  const bulk = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < bulk.length; i++) bulk[i] = (random() - 0.5) * 1e-3;
  return { name: `${prefix}/bulk`, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(bulk.buffer) };
}

/**
 * Builds the chained model (see the module comment); the same bytes every time.
 *
 * @example
 * ```ts
 * writeFileAtomic('big200.onnx', encodeModel(buildMsdaChain({ copies: 200, largeWeights: true })));
 * ```
 */
export function buildMsdaChain({ copies, largeWeights }: MsdaChainOptions): ModelProto {
  const fixture = decodeModel(readModelBytes(FIXTURE), { file: FIXTURE });
  const graph = fixture.graph!;
  const inputNames = new Set((graph.input ?? []).map((i) => i.name!));
  const random = seededRandom(20240601);
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [
    int64Tensor('glue/axes1', [1]),
    ...LEVELS.flatMap((l) => [
      int64Tensor(`glue/${l.name}/start`, [l.start]),
      int64Tensor(`glue/${l.name}/end`, [l.start + l.side * l.side]),
      int64Tensor(`glue/${l.name}/shape`, [1, CHANNELS, l.side, l.side]),
    ]),
  ];
  let previousOutput = '';
  for (let k = 0; k < copies; k++) {
    const prefix = `c${k}`;
    const rename = (name: string): string => (name === '' ? '' : k === 0 && inputNames.has(name) ? name : `${prefix}/${name}`);
    if (k > 0) nodes.push(...glueNodes(prefix, previousOutput, rename));
    for (const t of graph.initializer ?? []) initializers.push(perturbed(t, rename(t.name!), random));
    for (const n of graph.node ?? []) {
      const node: NodeProto = { ...n, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) };
      if (n.name) node.name = rename(n.name);
      if (n.attribute) node.attribute = n.attribute.map((a): AttributeProto => ({ ...a }));
      nodes.push(node);
    }
    initializers.push(bulkTensor(prefix, largeWeights, random));
    const out = k === copies - 1 ? 'memory' : `${prefix}/memory_out`;
    nodes.push(...bulkNodes(prefix, rename(graph.output![0]!.name!), out));
    previousOutput = out;
  }
  const output: ValueInfoProto = { ...graph.output![0]!, name: 'memory' };
  return {
    ...fixture,
    producerName: 'onnx-surgeon-bench',
    graph: { ...graph, name: 'msda_chain', node: nodes, initializer: initializers, output: [output], valueInfo: [] },
  };
}
