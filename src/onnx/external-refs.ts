/**
 * External tensor data as the model message describes it (`data_location = EXTERNAL`): parsing and
 * writing the `external_data` entries, the files a model names, range checks and the aligned
 * layout of a data file. Isomorphic: the file access is in `external-data.ts` (Node) and in the
 * web page's worker (`src/web/`).
 */
import { OnnxSurgeonError } from '../errors.js';
import type { GraphProto, ModelProto, NodeProto, SparseTensorProto, StringStringEntryProto, TensorProto } from './proto-types.js';

/** Where a tensor's bytes live outside the model. */
export interface ExternalDataRef {
  /** Path of the data file relative to the model's folder. */
  location: string;
  /** Byte offset in the data file (0 when absent). */
  offset: number;
  /** Byte count; absent means "to the end of the file". */
  length?: number;
  /** Optional SHA-1 digest, passed through untouched. */
  checksum?: string;
}

/**
 * Parses a tensor's `external_data` entries (`location`, `offset`, `length`, `checksum`).
 *
 * @example
 * ```ts
 * const ref = parseExternalData(tensor); // { location: 'weights.bin', offset: 4096, length: 1024 }
 * ```
 * @throws OnnxSurgeonError `external-data` when `location` is missing or a number is malformed.
 */
export function parseExternalData(tensor: TensorProto, context: { file?: string } = {}): ExternalDataRef {
  const where = { file: context.file, tensor: tensor.name };
  const entries = tensor.externalData ?? [];
  let location: string | undefined;
  let offset = 0;
  let length: number | undefined;
  let checksum: string | undefined;
  for (const entry of entries) {
    const value = entry.value ?? '';
    switch (entry.key) {
      case 'location':
        location = value;
        break;
      case 'offset':
        offset = parseByteCount(value, 'offset', where);
        break;
      case 'length':
        length = parseByteCount(value, 'length', where);
        break;
      case 'checksum':
        checksum = value;
        break;
      default:
        // Other keys are allowed by the spec and ignored here.
        break;
    }
  }
  if (!location) {
    throw new OnnxSurgeonError('external-data', 'external data has no location', { ...where, expected: "a 'location' entry" });
  }
  const ref: ExternalDataRef = { location, offset };
  if (length !== undefined) ref.length = length;
  if (checksum !== undefined) ref.checksum = checksum;
  return ref;
}

/**
 * Every external data `location` a model message names (initializers, sparse initializers and
 * attribute tensors, in every graph, local function and training graph), once each, in order.
 * These are the files a model depends on: writing over one would corrupt the model.
 *
 * @example
 * ```ts
 * externalLocations(decodeModel(bytes)); // ['model.onnx.data']
 * ```
 */
export function externalLocations(model: ModelProto): string[] {
  const found = new Set<string>();
  const tensor = (t: TensorProto | undefined): void => {
    if (t?.dataLocation !== 1) return;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (location) found.add(location);
  };
  const sparse = (s: SparseTensorProto | undefined): void => {
    tensor(s?.values);
    tensor(s?.indices);
  };
  const nodes = (list: NodeProto[] | undefined): void => {
    for (const node of list ?? []) {
      for (const a of node.attribute ?? []) {
        tensor(a.t);
        sparse(a.sparseTensor);
        a.tensors?.forEach(tensor);
        a.sparseTensors?.forEach(sparse);
        if (a.g) graph(a.g);
        a.graphs?.forEach(graph);
      }
    }
  };
  const graph = (g: GraphProto): void => {
    g.initializer?.forEach(tensor);
    g.sparseInitializer?.forEach(sparse);
    nodes(g.node);
  };
  if (model.graph) graph(model.graph);
  for (const f of model.functions ?? []) nodes(f.node);
  for (const t of model.trainingInfo ?? []) {
    if (t.initialization) graph(t.initialization);
    if (t.algorithm) graph(t.algorithm);
  }
  return [...found];
}

/** The `external_data` entries for a reference (location, offset, length, checksum; in that order). */
export function externalDataEntries(ref: ExternalDataRef): StringStringEntryProto[] {
  const entries: StringStringEntryProto[] = [
    { key: 'location', value: ref.location },
    { key: 'offset', value: String(ref.offset) },
  ];
  if (ref.length !== undefined) entries.push({ key: 'length', value: String(ref.length) });
  if (ref.checksum !== undefined) entries.push({ key: 'checksum', value: ref.checksum });
  return entries;
}

function parseByteCount(text: string, key: string, where: { file?: string; tensor?: string }): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new OnnxSurgeonError('external-data', `external data ${key} is not a non-negative integer`, {
      ...where,
      expected: 'a decimal byte count',
      found: JSON.stringify(text),
    });
  }
  return Number(text);
}

/** The byte count of `ref` in a file of `fileSize` bytes, or the reason it is not all there. */
export function checkExternalRange(fileSize: number, ref: ExternalDataRef, expectedBytes: number | undefined, where: { file: string }): number {
  if (ref.offset > fileSize) {
    throw new OnnxSurgeonError('external-data', 'external data offset is past the end of the file', { ...where, expected: `offset <= ${fileSize}`, found: String(ref.offset) });
  }
  const length = ref.length ?? fileSize - ref.offset;
  if (expectedBytes !== undefined && length !== expectedBytes) {
    throw new OnnxSurgeonError('external-data', 'external data length does not match the tensor shape and type', { ...where, expected: `${expectedBytes} bytes`, found: `${length} bytes` });
  }
  if (ref.offset + length > fileSize) {
    throw new OnnxSurgeonError('external-data', 'external data file is shorter than offset + length', { ...where, expected: `at least ${ref.offset + length} bytes`, found: `${fileSize} bytes` });
  }
  return length;
}

/** Where the next tensor of a data file of `size` bytes starts: the next multiple of `alignment`. */
export function alignedOffset(size: number, alignment: number): number {
  return Math.ceil(size / alignment) * alignment;
}
