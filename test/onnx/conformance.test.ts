/**
 * Conformance of the codec against the reference `onnx` Python package, over every model and
 * every test-data .pb of Debian's libonnx-testdata (plus the MSDA fixtures when present):
 * decode -> encode -> write, then one /usr/bin/python3 process judges semantic identity and tensor
 * values (see check_conformance.py).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DataType,
  decodeMessage,
  decodeModel,
  decodeTensor,
  encodeMessage,
  encodeModel,
  encodedModelSize,
  requireDataTypeInfo,
  writeFileAtomic,
  type ModelProto,
  type TensorProto,
  type TypeProto,
} from '../../src/onnx/index.js';

const TESTDATA_ROOT = '/usr/share/libonnx-testdata/data';
const HERE = dirname(fileURLToPath(import.meta.url));
const MSDA_FIXTURES = join(HERE, '..', 'fixtures', 'msda');
const PYTHON = '/usr/bin/python3';

const testdataPresent = existsSync(TESTDATA_ROOT);
if (!testdataPresent && process.env.CI) {
  throw new Error(`${TESTDATA_ROOT} is missing under CI: install libonnx-testdata (and python3-onnx)`);
}

interface TensorEntry {
  pb: string;
  dataType: number;
  dims: string[];
  offset: number;
  length: number;
  strings?: string[];
}

interface Report {
  models: number;
  messages: number;
  tensors: number;
  failures: { kind: string; file: string; reason: string }[];
}

function findFiles(root: string, accept: (name: string, dir: string) => boolean, out: string[] = []): string[] {
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) findFiles(path, accept, out);
    else if (accept(entry.name, root)) out.push(path);
  }
  return out;
}

/** Which message a test-data .pb holds, from the model's graph input/output types. */
function messageTypeOf(type: TypeProto | undefined): string {
  if (type?.sequenceType) return 'onnx.SequenceProto';
  if (type?.optionalType) return 'onnx.OptionalProto';
  if (type?.mapType) return 'onnx.MapProto';
  return 'onnx.TensorProto';
}

function testDataTypes(model: ModelProto): { inputs: (TypeProto | undefined)[]; outputs: (TypeProto | undefined)[] } {
  const graph = model.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name)).map((v) => v.type),
    outputs: (graph.output ?? []).map((v) => v.type),
  };
}

/** The element bits of a tensor in numpy storage layout (what to_array's bytes would be). */
function tensorElementBytes(tensor: TensorProto): Uint8Array {
  if (tensor.rawData) return tensor.rawData;
  const info = requireDataTypeInfo(tensor.dataType!);
  const asBytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (info.dataField) {
    case 'floatData':
      return asBytes(tensor.floatData ?? new Float32Array(0));
    case 'doubleData':
      return asBytes(tensor.doubleData ?? new Float64Array(0));
    case 'int64Data':
      return asBytes(tensor.int64Data ?? new BigInt64Array(0));
    case 'uint64Data': {
      const data = tensor.uint64Data ?? new BigUint64Array(0);
      return asBytes(info.code === DataType.UINT32 ? Uint32Array.from(data, (v) => Number(v)) : data);
    }
    case 'int32Data': {
      const data = tensor.int32Data ?? new Int32Array(0);
      const Storage = info.storage as Int32ArrayConstructor;
      return asBytes(Storage.from(data));
    }
    default:
      throw new Error(`no element bytes for ${info.name}`);
  }
}

describe.skipIf(!testdataPresent)('conformance with onnx (python) over libonnx-testdata', () => {
  let workDir: string;
  let report: Report;
  const counts = { models: 0, pb: 0, tensors: 0 };

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'onnx-conformance-'));
    const models = findFiles(TESTDATA_ROOT, (name) => name === 'model.onnx');
    if (existsSync(MSDA_FIXTURES)) models.push(...findFiles(MSDA_FIXTURES, (name) => name === 'model.onnx'));

    const manifest = {
      models: [] as [string, string][],
      messages: [] as [string, string, string][],
      tensors: [] as TensorEntry[],
      valuesFile: join(workDir, 'values.bin'),
    };
    const valueChunks: Uint8Array[] = [];
    let valuesLength = 0;
    let outIndex = 0;

    for (const modelPath of models) {
      const model = decodeModel(readFileSync(modelPath), { file: modelPath });
      const chunks = encodeModel(model);
      expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBe(encodedModelSize(model));
      const outPath = join(workDir, `${outIndex++}.onnx`);
      writeFileAtomic(outPath, chunks);
      manifest.models.push([modelPath, outPath]);
      counts.models++;

      const modelDir = dirname(modelPath);
      const types = testDataTypes(model);
      const dataSets = readdirSync(modelDir).filter((name) => name.startsWith('test_data_set_'));
      for (const dataSet of dataSets) {
        for (const pbPath of findFiles(join(modelDir, dataSet), (name) => name.endsWith('.pb'))) {
          const match = /^(input|output)_(\d+)\.pb$/.exec(pbPath.slice(pbPath.lastIndexOf('/') + 1));
          const list = match?.[1] === 'output' ? types.outputs : types.inputs;
          const typeName = messageTypeOf(match ? list[Number(match[2])] : undefined);
          const bytes = readFileSync(pbPath);
          counts.pb++;
          let encoded: Uint8Array;
          if (typeName === 'onnx.TensorProto') {
            const tensor = decodeTensor(bytes, { file: pbPath });
            encoded = encodeMessage(typeName, tensor);
            const entry: TensorEntry = {
              pb: pbPath,
              dataType: tensor.dataType!,
              dims: (tensor.dims ?? []).map(String),
              offset: valuesLength,
              length: 0,
            };
            if (tensor.dataType === DataType.STRING) {
              entry.strings = (tensor.stringData ?? []).map((s) => Buffer.from(s).toString('hex'));
            } else {
              const values = tensorElementBytes(tensor);
              valueChunks.push(values);
              valuesLength += values.byteLength;
              entry.length = values.byteLength;
            }
            manifest.tensors.push(entry);
            counts.tensors++;
          } else {
            encoded = encodeMessage(typeName, decodeMessage(typeName, bytes, { file: pbPath }));
          }
          const outPb = join(workDir, `${outIndex++}.pb`);
          writeFileSync(outPb, encoded);
          manifest.messages.push([typeName, pbPath, outPb]);
        }
      }
    }
    writeFileAtomic(manifest.valuesFile, valueChunks);
    const manifestPath = join(workDir, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));

    const judge = spawnSync(PYTHON, [join(HERE, 'check_conformance.py'), manifestPath], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (judge.status !== 0) throw new Error(`check_conformance.py failed (${judge.status}): ${judge.stderr}`);
    report = JSON.parse(judge.stdout) as Report;
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('every model re-encodes to a model onnx parses identically', () => {
    expect(counts.models).toBeGreaterThanOrEqual(1072);
    expect(report.models).toBe(counts.models);
    expect(report.failures.filter((f) => f.kind === 'model')).toEqual([]);
  });

  test('every test-data .pb re-encodes to the same message', () => {
    expect(counts.pb).toBeGreaterThanOrEqual(3205);
    expect(report.messages).toBe(counts.pb);
    expect(report.failures.filter((f) => f.kind === 'message')).toEqual([]);
  });

  test('decoded tensor values equal numpy_helper.to_array bit for bit', () => {
    expect(counts.tensors).toBeGreaterThan(3000);
    expect(report.tensors).toBe(counts.tensors);
    expect(report.failures.filter((f) => f.kind === 'tensor')).toEqual([]);
  });
});
