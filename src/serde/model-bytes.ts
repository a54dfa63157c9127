/**
 * Models to and from bytes without touching a file system (isomorphic: no Node API), so the same
 * code runs in Node, in a browser worker (the web page, `src/web/`), Deno or Bun. The file-based
 * `loadModel`/`saveModel` (`model-io.ts`, Node-only) are built on these.
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { DType } from '../ir/types.js';
import { concatChunks, decodeModelWithNodeRanges, encodeModel } from '../onnx/codec.js';
import { type ExternalDataRef, alignedOffset } from '../onnx/external-refs.js';
import { timePhase } from '../profile.js';
import { type ExternalDataResolver, modelFromProto } from './from-proto.js';
import { parameterTensors } from './inline-tensors.js';
import { type TensorPlacement, modelToProto } from './to-proto.js';

/** Where tensor data goes when saving. */
export type ExternalDataMode =
  | 'auto'
  | 'inline'
  | {
      /** Data file name, relative to the model file (default `<model file name>.data`). */
      location?: string;
      /** Tensors smaller than this many bytes stay inline (default 1024). */
      sizeThreshold?: number;
      /** Alignment of each tensor in the data file (default 4096, mmap-friendly). */
      alignment?: number;
    };

/** Options of {@link modelFromBytes}. */
export interface ModelFromBytesOptions {
  /** Name of the file the bytes came from (named in errors; not opened). */
  file?: string;
  /** Reads the bytes of external tensors on demand; without it, reading one fails. */
  externalData?: ExternalDataResolver;
}

/**
 * Decodes model bytes into the IR without any file access: external tensors are read through
 * `options.externalData`, when something asks for their bytes.
 *
 * @example
 * ```ts
 * const file = new File([], 'detr.onnx'); // e.g. from an <input type="file">
 * const model = modelFromBytes(new Uint8Array(await file.arrayBuffer()), { file: file.name });
 * ```
 */
export function modelFromBytes(bytes: Uint8Array, options: ModelFromBytesOptions = {}): Model {
  const file = options.file;
  try {
    const proto = timePhase('decode', () => decodeModelWithNodeRanges(bytes, file ? { file } : {}));
    const externalData = options.externalData ?? noExternalData;
    return timePhase('ir build', () => modelFromProto(proto, { ...(file ? { file } : {}), externalData, sourceBytes: bytes }));
  } catch (error) {
    throw withContext(error, file ? { file } : {});
  }
}

const noExternalData: ExternalDataResolver = (_proto, _byteLength, tensorName) => () => {
  throw new OnnxSurgeonError('external-data', 'tensor data is external but the model was loaded from bytes without a path', { tensor: tensorName });
};

/** Protobuf cannot encode a message of 2 GiB or more; stay well below with headroom for the graph. */
export const INLINE_LIMIT_BYTES = 2 ** 31 - 64 * 2 ** 20;

/**
 * What `auto` means for this model: external data when it had any or when it would exceed
 * protobuf's 2 GiB limit, inline otherwise. Other modes are returned as they are.
 */
export function resolveExternalDataMode(model: Model, mode: ExternalDataMode): Exclude<ExternalDataMode, 'auto'> {
  if (mode !== 'auto') return mode;
  let total = 0;
  let hadExternal = false;
  for (const value of model.graph.initializers) {
    const t = value.initializer!;
    total += t.byteLength;
    if (t.isLazy && t.storageDescription.startsWith('external')) hadExternal = true;
  }
  return hadExternal || total > INLINE_LIMIT_BYTES ? {} : 'inline';
}

/** Gives an external tensor its place in the data file. */
export type ReserveExternal = (tensor: Tensor) => ExternalDataRef;

/**
 * The `.onnx` file's chunks for a save with external data: tensors of at least `sizeThreshold`
 * bytes (default 1024) go where `reserve` puts them; strings and the tensors an op reads as a
 * parameter (a shape, axes) stay inline whatever their size (onnxruntime refuses them external).
 */
export function encodeWithExternalData(model: Model, mode: Exclude<ExternalDataMode, 'auto' | 'inline'>, reserve: ReserveExternal): Uint8Array[] {
  const threshold = mode.sizeThreshold ?? 1024;
  const keepInline = parameterTensors(model);
  const placeTensor: TensorPlacement = (tensor: Tensor) => {
    if (tensor.dtype === DType.STRING || tensor.byteLength < threshold || keepInline.has(tensor)) return 'inline';
    const ref = reserve(tensor);
    return { location: ref.location, offset: ref.offset, length: ref.length ?? 0 };
  };
  const proto = timePhase('to proto', () => modelToProto(model, { placeTensor, rawNodes: true }));
  return timePhase('encode', () => encodeModel(proto));
}

/** One tensor's place in an external data file of {@link ModelParts}. */
export interface DataFilePart {
  /** Byte offset in the data file (a multiple of the alignment). */
  offset: number;
  /** Byte count. */
  length: number;
  /** The tensor whose bytes go there. */
  tensor: Tensor;
}

/** A model as the files {@link modelToParts} describes: the model's chunks and the data file's layout. */
export interface ModelParts {
  /**
   * The `.onnx` file: concatenate these in order. Large weights are the loaded views (or unread
   * payloads: `withHolesFilled` in `src/onnx/sparse-read.ts`), never copies.
   */
  model: Uint8Array[];
  /** The external data file, when tensors go to one. */
  data?: {
    /** Its name, relative to the model file (as the model names it). */
    location: string;
    /** Its size in bytes. */
    byteLength: number;
    /** The tensors in file order; the gaps between them (alignment) are zero bytes. */
    tensors: DataFilePart[];
  };
}

/**
 * The files `saveModel(model, fileName, { externalData: mode })` writes, without writing them:
 * the model's chunks and where each external tensor goes. Whoever writes them chooses how to get
 * each tensor's bytes (the web page slices them from the user's files instead of copying).
 *
 * @example
 * ```ts
 * const model = modelFromBytes(new Uint8Array(await new File([], 'detr.onnx').arrayBuffer()));
 * const parts = modelToParts(model, 'detr.fused.onnx', 'auto');
 * const onnxBytes = parts.model.reduce((n, chunk) => n + chunk.byteLength, 0); // the .onnx file's size
 * parts.data?.tensors.length; // the tensors of the external data file, if any
 * ```
 */
export function modelToParts(model: Model, fileName: string, mode: ExternalDataMode = 'auto'): ModelParts {
  const resolved = resolveExternalDataMode(model, mode);
  if (resolved === 'inline') return { model: encodeModel(modelToProto(model, { rawNodes: true })) };
  const location = resolved.location ?? `${baseName(fileName)}.data`;
  const alignment = resolved.alignment ?? 4096;
  const tensors: DataFilePart[] = [];
  let byteLength = 0;
  const chunks = encodeWithExternalData(model, resolved, (tensor) => {
    const offset = alignedOffset(byteLength, alignment);
    tensors.push({ offset, length: tensor.byteLength, tensor });
    byteLength = offset + tensor.byteLength;
    return { location, offset, length: tensor.byteLength };
  });
  return { model: chunks, data: { location, byteLength, tensors } };
}

/** The last segment of a path, `/` or `\` separated (no Node API here). */
function baseName(fileName: string): string {
  return fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
}

/**
 * Encodes the model into one byte array (everything inline; for in-memory use such as onnxruntime).
 *
 * @example
 * ```ts
 * const bytes = modelToBytes(model);
 * loadModelFromBytes(bytes).graph.nodeCount === model.graph.nodeCount; // true
 * ```
 * @group Load and save
 */
export function modelToBytes(model: Model): Uint8Array {
  const encoded = encodeModel(modelToProto(model, { rawNodes: true }));
  const total = encoded.reduce((n, c) => n + c.byteLength, 0);
  if (total > 2 ** 31 - 1) {
    throw new OnnxSurgeonError('encode', `model is ${total} bytes, over protobuf's 2 GiB limit`, { expected: 'save it with external data' });
  }
  // Unread payloads are read here (into the result), never copied twice.
  return concatChunks(encoded, total);
}

