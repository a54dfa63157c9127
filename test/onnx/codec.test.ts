import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, test, vi } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import {
  AttributeType,
  DataType,
  decodeMessage,
  decodeModel,
  decodeTensor,
  encodeMessage,
  encodeModel,
  encodedModelSize,
  PASS_THROUGH_BYTES,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type SimpleShardedDimProto,
  type TensorProto,
} from '../../src/onnx/index.js';
import { encodeModelInto } from '../../src/onnx/codec.js';
import { findSchemaFile } from '../../scripts/gen-schema.js';
import { bytesOf, floatField, lengthField, tag, varint, varintField } from './wire-bytes.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** protobufjs on the same schema: an independent parser for cross-checks. */
const reference = protobuf.parse(readFileSync(findSchemaFile(), 'utf8')).root;

function concat(chunks: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(chunks));
}

function decodeError(run: () => unknown): OnnxSurgeonError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    const e = error as OnnxSurgeonError;
    expect(e.code).toBe('decode');
    return e;
  }
  throw new Error('expected a decode error');
}

function sampleModel(): ModelProto {
  const weights = new Uint8Array(new Float32Array([1.5, -2, 0, Number.NaN]).buffer);
  return {
    irVersion: 11,
    opsetImport: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
    producerName: 'onnx-surgeon-test',
    producerVersion: '0.1',
    domain: 'ai.test',
    modelVersion: 0,
    docString: 'unicode: π ≈ 3.14159 🚀',
    metadataProps: [{ key: 'k', value: 'v' }],
    graph: {
      name: 'g',
      node: [
        {
          input: ['x', 'w'],
          output: ['y'],
          name: 'matmul_0',
          opType: 'MatMul',
          domain: '',
          overload: 'o1',
          metadataProps: [{ key: 'source', value: 'layer1' }],
          deviceConfigurations: [
            {
              configurationId: 'cfg',
              pipelineStage: 0,
              shardingSpec: [
                {
                  tensorName: 'w',
                  device: [0, 1],
                  indexToDeviceGroupMap: [{ key: 0, value: [0, 1] }],
                  shardedDim: [{ axis: 1, simpleSharding: [{ dimValue: 8, numShards: 2 }, { dimParam: 'N', numShards: 2 }] }],
                },
              ],
            },
          ],
          attribute: [
            { name: 'f', type: AttributeType.FLOAT, f: 0 },
            { name: 'i', type: AttributeType.INT, i: -7 },
            { name: 's', type: AttributeType.STRING, s: new Uint8Array([104, 105]) },
            { name: 'floats', type: AttributeType.FLOATS, floats: [0.5, -1] },
            { name: 'ints', type: AttributeType.INTS, ints: [1, -1, INT64_MAX, INT64_MIN] },
            { name: 'strings', type: AttributeType.STRINGS, strings: [new Uint8Array([1]), new Uint8Array([])] },
            { name: 'tp', type: AttributeType.TYPE_PROTO, tp: { tensorType: { elemType: DataType.FLOAT } } },
            { name: 'ref', refAttrName: 'outer', type: AttributeType.INT },
            {
              name: 'g',
              type: AttributeType.GRAPH,
              g: { name: 'sub', node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] },
            },
          ],
        },
      ],
      initializer: [
        { name: 'w', dims: [2, 2], dataType: DataType.FLOAT, rawData: weights },
        { name: 'f32', dims: [2], dataType: DataType.FLOAT, floatData: new Float32Array([3.25, -0]) },
        { name: 'i32', dims: [3], dataType: DataType.INT32, int32Data: new Int32Array([-1, 0, 2147483647]) },
        { name: 'i64', dims: [2], dataType: DataType.INT64, int64Data: new BigInt64Array([INT64_MAX, INT64_MIN]) },
        { name: 'f64', dims: [1], dataType: DataType.DOUBLE, doubleData: new Float64Array([Math.PI]) },
        { name: 'u64', dims: [1], dataType: DataType.UINT64, uint64Data: new BigUint64Array([UINT64_MAX]) },
        { name: 'str', dims: [1], dataType: DataType.STRING, stringData: [new Uint8Array([0xc3, 0xa9])] },
        {
          name: 'ext',
          dims: [4],
          dataType: DataType.FLOAT8E4M3FN,
          dataLocation: 1,
          externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '0' }],
          segment: { begin: 0, end: 4 },
          metadataProps: [{ key: 'q', value: '1' }],
        },
      ],
      sparseInitializer: [
        {
          dims: [10],
          values: { name: 'sp', dims: [1], dataType: DataType.FLOAT, floatData: new Float32Array([9]) },
          indices: { dims: [1], dataType: DataType.INT64, int64Data: new BigInt64Array([3n]) },
        },
      ],
      input: [
        {
          name: 'x',
          type: {
            tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch', denotation: 'DATA_BATCH' }, { dimValue: 2 }, {}] } },
            denotation: 'TENSOR',
          },
          metadataProps: [{ key: 'a', value: 'b' }],
        },
      ],
      output: [
        { name: 'y', type: { sequenceType: { elemType: { optionalType: { elemType: { mapType: { keyType: 7, valueType: {} } } } } } } },
      ],
      valueInfo: [{ name: 'sp_t', type: { sparseTensorType: { elemType: 1, shape: {} } } }],
      quantizationAnnotation: [{ tensorName: 'w', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 's' }] }],
      metadataProps: [{ key: 'gk', value: 'gv' }],
    },
    trainingInfo: [{ initialization: { name: 'init' }, algorithm: { name: 'algo' }, updateBinding: [{ key: 'w', value: 'w2' }] }],
    functions: [
      {
        name: 'F',
        domain: 'custom',
        overload: 'v2',
        input: ['a'],
        output: ['b'],
        attribute: ['alpha'],
        attributeProto: [{ name: 'beta', type: AttributeType.FLOAT, f: 1 }],
        node: [{ opType: 'Relu', input: ['a'], output: ['b'] }],
        opsetImport: [{ domain: '', version: 21 }],
        valueInfo: [{ name: 'a' }],
        metadataProps: [{ key: 'x', value: 'y' }],
      },
    ],
    configuration: [{ name: 'cfg', numDevices: 2, device: ['cuda:0', 'cuda:1'] }],
  };
}

describe('round trip of hand-built messages', () => {
  test('a model using every message type decodes back to the same object', () => {
    const model = sampleModel();
    const bytes = concat(encodeModel(model));
    expect(bytes.byteLength).toBe(encodedModelSize(model));
    const decoded = decodeModel(bytes);
    expect(decoded).toEqual(model);
    // protobufjs, an independent parser, reads the same values.
    const viaReference = reference.lookupType('onnx.ModelProto').toObject(reference.lookupType('onnx.ModelProto').decode(bytes), {
      longs: String,
    }) as { graph: { node: { attribute: { ints?: string[] }[] }[] }; irVersion: string };
    expect(viaReference.irVersion).toBe('11');
    expect(viaReference.graph.node[0]!.attribute[4]!.ints).toEqual(['1', '-1', INT64_MAX.toString(), INT64_MIN.toString()]);
  });

  test('encoding is deterministic and encodeMessage matches encodeModel', () => {
    const model = sampleModel();
    const a = concat(encodeModel(model));
    const b = concat(encodeModel(model));
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(encodeMessage('onnx.ModelProto', model), a)).toBe(0);
    // Re-encoding the decoded object reproduces the bytes exactly.
    expect(Buffer.compare(concat(encodeModel(decodeModel(a))), a)).toBe(0);
  });

  test('fields are written in field-number order', () => {
    // name (8) set before dims (1) in the object: dims must still come first.
    const bytes = encodeMessage('onnx.TensorProto', { name: 't', dims: [1], dataType: 1 } satisfies TensorProto);
    expect([...bytes]).toEqual([...lengthField(1, varint(1)), ...varintField(2, 1), ...lengthField(8, 't')]);
  });
});

describe('proto2 presence', () => {
  test('a zero that was on the wire stays, an absent field stays absent', () => {
    const withZero = decodeMessage<AttributeProto>('onnx.AttributeProto', bytesOf(lengthField(1, 'a'), floatField(2, 0), varintField(3, 0)));
    expect(withZero).toEqual({ name: 'a', f: 0, i: 0 });
    expect('f' in withZero && 'i' in withZero).toBe(true);
    const without = decodeMessage<AttributeProto>('onnx.AttributeProto', bytesOf(lengthField(1, 'a')));
    expect(Object.keys(without)).toEqual(['name']);
    // Encoding writes exactly the present keys.
    expect([...encodeMessage('onnx.AttributeProto', { f: 0 })]).toEqual(floatField(2, 0));
    expect([...encodeMessage('onnx.AttributeProto', { f: undefined, i: undefined })]).toEqual([]);
  });

  test('empty repeated fields write nothing and decode as absent', () => {
    expect(encodeMessage('onnx.TensorShapeProto', { dim: [] }).byteLength).toBe(0);
    expect(decodeMessage('onnx.TypeProto', encodeMessage('onnx.TypeProto', { tensorType: { shape: { dim: [] } } }))).toEqual({
      tensorType: { shape: {} },
    });
  });

  test('an empty string and an empty message are present', () => {
    const node = decodeMessage<NodeProto>('onnx.NodeProto', bytesOf(lengthField(7, ''), lengthField(5, [])));
    expect(node).toEqual({ domain: '', attribute: [{}] });
  });

  test('a later member of a oneof replaces the earlier one', () => {
    const dim = decodeMessage<SimpleShardedDimProto>('onnx.SimpleShardedDimProto', bytesOf(varintField(1, 4), lengthField(2, 'N'), varintField(3, 2)));
    expect(dim).toEqual({ dimParam: 'N', numShards: 2 });
  });
});

describe('64-bit integers', () => {
  test('INT64_MAX / INT64_MIN in attribute ints and i decode to bigint and round-trip exactly', () => {
    const bytes = bytesOf(varintField(3, INT64_MAX), lengthField(8, [...varint(INT64_MAX), ...varint(INT64_MIN), ...varint(-1), ...varint(2 ** 53 - 1), ...varint(2 ** 53)]));
    const attr = decodeMessage<AttributeProto>('onnx.AttributeProto', bytes);
    expect(attr.i).toBe(INT64_MAX);
    expect(attr.ints).toEqual([INT64_MAX, INT64_MIN, -1, Number.MAX_SAFE_INTEGER, 2n ** 53n]);
    expect(typeof attr.ints![2]).toBe('number');
    expect(Buffer.compare(encodeMessage('onnx.AttributeProto', attr), bytes)).toBe(0);
    // -1 is a 10-byte varint on the wire.
    expect([...encodeMessage('onnx.AttributeProto', { i: -1 })]).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    // Encoding accepts bigint for small values too.
    expect([...encodeMessage('onnx.AttributeProto', { i: 5n })]).toEqual(varintField(3, 5));
  });

  test('int64Data and uint64Data hold the full ranges', () => {
    const tensor: TensorProto = {
      dataType: DataType.INT64,
      int64Data: new BigInt64Array([INT64_MAX, INT64_MIN, -1n, 0n, 1n]),
      uint64Data: new BigUint64Array([UINT64_MAX, 0n, 2n ** 32n]),
    };
    const decoded = decodeTensor(encodeMessage('onnx.TensorProto', tensor));
    expect(decoded.int64Data).toBeInstanceOf(BigInt64Array);
    expect([...decoded.int64Data!]).toEqual([INT64_MAX, INT64_MIN, -1n, 0n, 1n]);
    expect([...decoded.uint64Data!]).toEqual([UINT64_MAX, 0n, 2n ** 32n]);
  });

  test('out-of-range integers are encode errors, not silent wraps', () => {
    expect(() => encodeMessage('onnx.AttributeProto', { i: 2n ** 63n })).toThrow(/out of int64 range/);
    expect(() => encodeMessage('onnx.AttributeProto', { i: 1.5 })).toThrow(OnnxSurgeonError);
    expect(() => encodeMessage('onnx.ModelProto', { graph: { node: [{ name: 7 as unknown as string }] } })).toThrow(
      /ModelProto\.graph\.node\.\[0\]\.name: expected a string/,
    );
  });
});

describe('packed and unpacked repeated fields', () => {
  test('both encodings decode to the same typed arrays; output is packed', () => {
    const unpacked = bytesOf(
      varintField(1, 2), // dims, unpacked
      varintField(1, 3),
      varintField(2, DataType.FLOAT),
      floatField(4, 1.5), // float_data, unpacked (wire type 5)
      floatField(4, -2),
      varintField(7, -5), // int64_data, unpacked
      lengthField(7, [...varint(6), ...varint(INT64_MIN)]), // ... then a packed run of the same field
      varintField(5, -3), // int32_data, unpacked
    );
    const tensor = decodeTensor(unpacked);
    expect(tensor.dims).toEqual([2, 3]);
    expect(tensor.floatData).toEqual(new Float32Array([1.5, -2]));
    expect(tensor.int64Data).toEqual(new BigInt64Array([-5n, 6n, INT64_MIN]));
    expect(tensor.int32Data).toEqual(new Int32Array([-3]));
    const packed = encodeMessage('onnx.TensorProto', tensor);
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(1.5, 0);
    floats.writeFloatLE(-2, 4);
    expect([...packed.subarray(0, 4 + 2 + 10)]).toEqual([...lengthField(1, [2, 3]), ...varintField(2, 1), ...lengthField(4, [...floats])]);
    expect(decodeTensor(packed)).toEqual(tensor);
  });

  test('a packed float run whose length is not a multiple of 4 is an error', () => {
    const e = decodeError(() => decodeTensor(bytesOf(varintField(2, 1), lengthField(4, [0, 0, 0]))));
    expect(e.message).toMatch(/TensorProto: packed float run of 3 bytes/);
  });
});

describe('unknown fields survive byte for byte', () => {
  const unknownVarint = varintField(99, 12345);
  const unknownBytes = lengthField(1000, [1, 2, 3]);
  const unknownFixed32 = [...tag(77, 5), 1, 2, 3, 4];
  const unknownFixed64 = [...tag(78, 1), 1, 2, 3, 4, 5, 6, 7, 8];
  const unknownGroup = [...tag(79, 3), ...varintField(1, 5), ...tag(2, 3), ...tag(2, 4), ...tag(79, 4)];

  test('in ModelProto, NodeProto and TensorProto', () => {
    const tensor = [...varintField(2, 1), ...lengthField(8, 'w'), ...unknownFixed32, ...unknownVarint];
    const node = [...lengthField(4, 'Relu'), ...unknownBytes, ...unknownGroup];
    const graph = [...lengthField(1, node), ...lengthField(5, tensor)];
    const modelBytes = bytesOf(varintField(1, 11), lengthField(7, graph), unknownVarint, unknownFixed64, unknownBytes);

    const model = decodeModel(modelBytes);
    expect(model.$unknown!.map((b) => [...b])).toEqual([unknownVarint, unknownFixed64, unknownBytes]);
    expect(model.graph!.node![0]!.$unknown!.map((b) => [...b])).toEqual([unknownBytes, unknownGroup]);
    expect(model.graph!.initializer![0]!.$unknown!.map((b) => [...b])).toEqual([unknownFixed32, unknownVarint]);
    // The unknown bytes are views, too.
    expect(model.$unknown![0]!.buffer).toBe(modelBytes.buffer);
    expect(Buffer.compare(concat(encodeModel(model)), modelBytes)).toBe(0);
  });
});

describe('views, not copies', () => {
  test('rawData, bytes fields and stringData share the input buffer', () => {
    const raw = new Uint8Array(1000).map((_, i) => i & 0xff);
    const bytes = encodeMessage('onnx.TensorProto', { dataType: DataType.UINT8, dims: [1000], rawData: raw, stringData: [new Uint8Array([7])] });
    const tensor = decodeTensor(bytes);
    expect(tensor.rawData!.buffer).toBe(bytes.buffer);
    expect(tensor.stringData![0]!.buffer).toBe(bytes.buffer);
    expect([...tensor.rawData!]).toEqual([...raw]);
  });

  test('encodeModel passes large rawData through as the same view', () => {
    const big = new Uint8Array(PASS_THROUGH_BYTES + 8).fill(3);
    const model: ModelProto = { irVersion: 10, graph: { initializer: [{ name: 'w', dataType: 2, dims: [big.length], rawData: big }] } };
    const chunks = encodeModel(model);
    expect(chunks).toContain(big);
    const decoded = decodeModel(concat(chunks));
    expect(decoded.graph!.initializer![0]!.rawData!.byteLength).toBe(big.byteLength);
  });

  test('encodeModelInto sends the bytes of encodeModel through one reused scratch buffer, large views as they are', () => {
    // About 3.5 MiB of small fields (several scratch buffers' worth) around two large weights.
    const big = new Uint8Array(PASS_THROUGH_BYTES + 8).fill(5);
    const nodes: NodeProto[] = Array.from({ length: 100_000 }, (_, i) => ({ opType: 'Relu', name: `n${i}`, input: [`v${i}`], output: [`v${i + 1}`] }));
    const model: ModelProto = {
      irVersion: 10,
      graph: { node: nodes, initializer: [{ name: 'a', dataType: 2, dims: [big.length], rawData: big }, { name: 'b', dataType: 2, dims: [3], rawData: new Uint8Array([1, 2, 3]) }, { name: 'c', dataType: 2, dims: [big.length], rawData: big }] },
    };
    const copies: Uint8Array[] = [];
    const scratchBuffers = new Set<ArrayBufferLike>();
    let views = 0;
    const total = encodeModelInto(model, (chunk, scratch) => {
      if (scratch) scratchBuffers.add(chunk.buffer);
      else {
        expect(chunk).toBe(big);
        views++;
      }
      copies.push(chunk.slice()); // a scratch chunk is only valid during the call
    });
    const expected = concat(encodeModel(model));
    expect(total).toBe(expected.byteLength);
    expect(expected.byteLength).toBeGreaterThan(3 << 19);
    expect(Buffer.compare(concat(copies), expected)).toBe(0);
    expect(views).toBe(2);
    expect(scratchBuffers.size).toBe(1);
  });

  test('encodeModelInto sends nothing for a model over the protobuf limit', () => {
    const big = new Uint8Array(1 << 20);
    const initializer: TensorProto[] = Array.from({ length: 2049 }, (_, i) => ({ name: `w${i}`, dataType: 2, dims: [big.length], rawData: big }));
    const sink = vi.fn();
    expect(() => encodeModelInto({ irVersion: 10, graph: { initializer } }, sink)).toThrow(/2 GiB protobuf limit/);
    expect(sink).not.toHaveBeenCalled();
  });
});

describe('hostile input is a decode error naming path and offset', () => {
  test('empty file', () => {
    expect(decodeError(() => decodeModel(new Uint8Array(0), { file: 'm.onnx' })).message).toBe('decode error: m.onnx: empty file, not an ONNX model');
  });

  test('a declared length of 2^31 in a 100-byte buffer fails before allocating', () => {
    const bytes = new Uint8Array(100);
    bytes.set([...tag(7, 2), ...varint(2 ** 31)]);
    const before = process.memoryUsage().arrayBuffers;
    const e = decodeError(() => decodeModel(bytes, { file: 'evil.onnx' }));
    expect(e.message).toMatch(/ModelProto: declared length 2147483648 exceeds the 94 bytes left at byte offset 1/);
    expect(e.context.file).toBe('evil.onnx');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  test('nesting deeper than 100 messages', () => {
    let nested: number[] = [];
    for (let i = 0; i < 150; i++) nested = lengthField(4, lengthField(1, nested)); // TypeProto.sequence_type.elem_type...
    const e = decodeError(() => decodeMessage('onnx.TypeProto', Uint8Array.from(nested)));
    expect(e.message).toMatch(/messages nested deeper than 100/);
    expect(e.message).toMatch(/^decode error: TypeProto\.sequenceType\.elemType\.sequenceType/);
  });

  test('wrong wire type for a known field', () => {
    const e = decodeError(() => decodeModel(bytesOf(lengthField(1, [8]))));
    expect(e.message).toMatch(/ModelProto: field 'irVersion' \(#1\) has wire type 2, expected 0 at byte offset 0/);
  });

  test('truncated varint, invalid wire type, field number 0, over-long varint', () => {
    expect(decodeError(() => decodeModel(bytesOf([0x08, 0xff]))).message).toMatch(/truncated varint at byte offset 1/);
    expect(decodeError(() => decodeModel(bytesOf(varintField(1, 1), tag(50, 6)))).message).toMatch(/invalid wire type 6/);
    expect(decodeError(() => decodeModel(bytesOf([0x00, 0x01]))).message).toMatch(/invalid field number 0/);
    expect(decodeError(() => decodeModel(bytesOf([0x08, ...Array(10).fill(0xff), 0x01]))).message).toMatch(/varint longer than 10 bytes/);
  });

  test('invalid UTF-8 in a string field', () => {
    const e = decodeError(() => decodeModel(bytesOf(varintField(1, 8), lengthField(2, [0x61, 0xff, 0xfe]))));
    expect(e.message).toMatch(/ModelProto: invalid UTF-8 in string field at byte offset 4/);
  });

  test('the error names the nested message path', () => {
    const badTensor = [...varintField(2, 1), ...lengthField(4, [1, 2])]; // float run of 2 bytes
    const node = (attrs: number[][]) => lengthField(1, [...lengthField(4, 'Op'), ...attrs.flatMap((a) => lengthField(5, a))]);
    const graph = [...node([]), ...node([[...lengthField(1, 'value'), ...lengthField(5, badTensor)]])];
    const e = decodeError(() => decodeModel(bytesOf(varintField(1, 8), lengthField(7, graph)), { file: 'x.onnx' }));
    expect(e.message).toMatch(/^decode error: x\.onnx: ModelProto\.graph\.node\[1\]\.attribute\[0\]\.t: packed float run of 2 bytes/);
  });

  test('a TensorProto file, text, or a stray varint are not models', () => {
    const tensorPb = encodeMessage('onnx.TensorProto', { dims: [2], dataType: 1, floatData: new Float32Array([1, 2]) });
    expect(decodeError(() => decodeModel(tensorPb)).message).toMatch(/looks like a serialized TensorProto.*use decodeTensor/);
    expect(decodeError(() => decodeModel(Buffer.from('ir_version: 8\ngraph { }\n'))).message).toMatch(/looks like text/);
    expect(decodeError(() => decodeModel(bytesOf(varintField(31, 1)))).message).toMatch(/neither ir_version \(field 1\) nor graph \(field 7\)/);
    expect(decodeError(() => decodeTensor(new Uint8Array(0))).message).toMatch(/empty file, not an ONNX tensor/);
    expect(decodeError(() => decodeTensor(bytesOf(lengthField(8, 'x')))).message).toMatch(/data_type \(field 2\) is missing/);
  });

  test('random bytes and truncations never escape as anything but a decode error', () => {
    const valid = concat(encodeModel(sampleModel()));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(valid.length - 1), (random, cut) => {
        for (const input of [random, valid.subarray(0, cut)]) {
          try {
            decodeModel(input);
          } catch (error) {
            if (!(error instanceof OnnxSurgeonError) || error.code !== 'decode') return false;
          }
        }
        return true;
      }),
      { numRuns: 500, seed: 42 },
    );
  });
});
