import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError, withContext } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { DType } from '../ir/types.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { holeSource, readModelSparse, withHolesFilled } from '../onnx/sparse-read.js';
import { ExternalDataWriter, parseExternalData, readExternalData, readExternalDataChunks } from '../onnx/external-data.js';
import { readModelBytes, writeFileAtomic } from '../onnx/files.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { type ExternalDataResolver, modelFromProto } from './from-proto.js';
import { type TensorPlacement, modelToProto } from './to-proto.js';

/** Options for {@link loadModelFromBytes}. */
export interface LoadOptions {
  /** Path the bytes came from: named in errors and used to resolve external data. */
  path?: string;
}

/**
 * Loads an ONNX model file into the IR. Weights stay views of the file's bytes; tensors stored in
 * external data files are read only when something asks for them.
 *
 * @example
 * ```ts
 * const model = await loadModel('detr.onnx');
 * console.log(model.graph.nodeCount);
 * ```
 */
export async function loadModel(file: string): Promise<Model> {
  const bytes = statSize(file) >= SPARSE_READ_MIN_BYTES ? readSparse(file) : readModelBytes(file);
  return loadModelFromBytes(bytes, { path: file });
}

/** Files at least this large are read without their large inline weights (read on demand). */
const SPARSE_READ_MIN_BYTES = 16 << 20;

function statSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat.size : 0;
  } catch {
    return 0; // readModelBytes reports the problem
  }
}

function readSparse(file: string): Uint8Array {
  try {
    return readModelSparse(file);
  } catch (error) {
    if (error instanceof OnnxSurgeonError) throw error;
    return readModelBytes(file); // same path, full read: its error messages are the clear ones
  }
}

/** Decodes model bytes into the IR (see {@link loadModel}). */
export function loadModelFromBytes(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const file = options.path;
  try {
    const proto = decodeModel(bytes, file ? { file } : {});
    const modelDir = file ? path.dirname(path.resolve(file)) : undefined;
    const model = modelFromProto(proto, { ...(file ? { file } : {}), externalData: externalResolver(modelDir, file) });
    if (file) model.sourcePath = path.resolve(file);
    return model;
  } catch (error) {
    throw withContext(error, file ? { file } : {});
  }
}

function externalResolver(modelDir: string | undefined, file: string | undefined): ExternalDataResolver {
  return (proto: TensorProto, byteLength: number, tensorName: string) => {
    const ref = parseExternalData(proto);
    return () => {
      if (!modelDir) {
        throw new OnnxSurgeonError('external-data', 'tensor data is external but the model was loaded from bytes without a path', { tensor: tensorName });
      }
      try {
        return readExternalData(modelDir, ref, byteLength);
      } catch (error) {
        throw withContext(error, { ...(file ? { file } : {}), tensor: tensorName });
      }
    };
  };
}

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

/** Options for {@link saveModel}. */
export interface SaveOptions {
  /**
   * `auto` (default): external data when the model had any or when it would exceed protobuf's
   * 2 GiB limit, inline otherwise. `inline`: everything in the one file. An object: external
   * data with these settings.
   */
  externalData?: ExternalDataMode;
}

/** Protobuf cannot encode a message of 2 GiB or more; stay well below with headroom for the graph. */
const INLINE_LIMIT_BYTES = 2 ** 31 - 64 * 2 ** 20;

/**
 * Saves the model atomically: data and model are written to temporary files in the target folder
 * and renamed into place only when complete, so a failure never leaves a half-written output and
 * the input (even when it is the same path) is untouched until then.
 */
export async function saveModel(model: Model, file: string, options: SaveOptions = {}): Promise<void> {
  const mode = resolveMode(model, options.externalData ?? 'auto');
  try {
    if (mode === 'inline') {
      writeFileAtomic(file, withHolesFilled(encodeModel(modelToProto(model))));
      return;
    }
    const location = mode.location ?? `${path.basename(file)}.data`;
    // Both files are written to temp files first; only when the model's is complete too is the
    // data file renamed into place, then the model. A failure before that (disk full, a crash)
    // leaves any previous model and data pair as it was; a model never points at data that is not
    // fully on disk.
    const writer = new ExternalDataWriter(path.dirname(path.resolve(file)), location, { alignment: mode.alignment ?? 4096 });
    try {
      const threshold = mode.sizeThreshold ?? 1024;
      const placeTensor: TensorPlacement = (tensor: Tensor) =>
        tensor.dtype === DType.STRING || tensor.byteLength < threshold ? 'inline' : placed(writer.append(externalPieces(tensor, model.sourcePath)));
      const proto = modelToProto(model, { placeTensor });
      writeFileAtomic(file, withHolesFilled(encodeModel(proto)), { beforeRename: () => writer.finish() });
    } catch (error) {
      writer.abort();
      throw error;
    }
  } catch (error) {
    // An error that already names its file keeps it: reading the input's external data (lazily,
    // while saving) must not be reported as a problem of the output.
    if (error instanceof OnnxSurgeonError && error.context.file) throw error;
    throw withContext(error, { file });
  }
}

/**
 * A tensor's bytes for the data file. An external tensor that passes through unchanged (still
 * lazy, still its decoded message) is copied from its source data file in chunks, never loaded
 * whole: a model of many GiB is re-saved with one chunk of its weights in memory at a time.
 */
function externalPieces(tensor: Tensor, sourcePath: string | undefined): Uint8Array | Iterable<Uint8Array> {
  const origin = tensor.serdeOrigin as TensorProto | undefined;
  const inlineHole = origin?.rawData && tensor.isLazy ? holeSource(origin.rawData) : undefined;
  if (inlineHole) return inlineHole.pieces(origin!.rawData!.byteOffset, origin!.rawData!.byteLength);
  if (!sourcePath || !tensor.isLazy || origin?.dataLocation !== 1) return tensor.bytes();
  const tensorName = tensor.name;
  const pieces = readExternalDataChunks(path.dirname(sourcePath), parseExternalData(origin), tensor.byteLength);
  return {
    *[Symbol.iterator]() {
      try {
        yield* pieces;
      } catch (error) {
        throw withContext(error, { file: sourcePath, tensor: tensorName });
      }
    },
  };
}

function placed(ref: { location: string; offset: number; length?: number }): { location: string; offset: number; length: number } {
  return { location: ref.location, offset: ref.offset, length: ref.length ?? 0 };
}

/** Encodes the model into one byte array (everything inline; for in-memory use such as onnxruntime). */
export function modelToBytes(model: Model): Uint8Array {
  const encoded = encodeModel(modelToProto(model, { placeTensor: () => 'inline' }));
  const total = encoded.reduce((n, c) => n + c.byteLength, 0);
  if (total > 2 ** 31 - 1) {
    throw new OnnxSurgeonError('encode', `model is ${total} bytes, over protobuf's 2 GiB limit`, { expected: 'save it with external data' });
  }
  // Unread payloads are read here (into the result), never copied twice.
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of encoded) {
    const source = holeSource(chunk);
    if (source) {
      for (const piece of source.pieces(chunk.byteOffset, chunk.byteLength)) {
        out.set(piece, offset);
        offset += piece.byteLength;
      }
    } else {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  return out;
}

function resolveMode(model: Model, mode: ExternalDataMode): Exclude<ExternalDataMode, 'auto'> {
  if (mode !== 'auto') return mode;
  let total = 0;
  let hadExternal = false;
  const visit = (tensors: Iterable<Tensor>): void => {
    for (const t of tensors) {
      total += t.byteLength;
      if (t.isLazy && t.storageDescription.startsWith('external')) hadExternal = true;
    }
  };
  visit(model.graph.initializers.map((v) => v.initializer!));
  return hadExternal || total > INLINE_LIMIT_BYTES ? {} : 'inline';
}
