/**
 * Loading a model from the files a user chose in a browser (the `.onnx` and its external data
 * files): the file is read without its large weights (they stay in the `File`, read on demand),
 * and external tensors are read from the chosen data files when something asks. Worker only
 * (synchronous reads, see `blob-reader.ts`).
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import type { Model } from '../ir/model.js';
import { checkExternalRange, parseExternalData } from '../onnx/external-refs.js';
import { readSparse } from '../onnx/sparse-read.js';
import { attachExternalDataFiles } from '../serde/external-files.js';
import type { ExternalDataResolver } from '../serde/from-proto.js';
import { modelFromBytes } from '../serde/model-bytes.js';
import { blobReader, readBlobRange } from './blob-reader.js';

/** A file the user chose: a `Blob` with a name (a `File`). */
export interface NamedBlob extends Blob {
  readonly name: string;
}

/** A model loaded from chosen files, and where its bytes still are. */
export interface LoadedFiles {
  model: Model;
  /** The `.onnx` file: the loaded buffer's bytes are its bytes at the same offsets. */
  modelFile: NamedBlob;
  /** The buffer the model was decoded from (views of it are slices of {@link modelFile}). */
  buffer: ArrayBufferLike;
  /** The data file a tensor's `location` names, if it was chosen. */
  dataFile(location: string): NamedBlob | undefined;
}

/**
 * Loads `modelFile` into the IR; `dataFiles` are its external data files, matched to a tensor's
 * `location` by name (the whole location, or its last segment: a browser gives no folders).
 *
 * @example
 * ```ts
 * const chosen = [new File([], 'detr.onnx'), new File([], 'detr.onnx.data')]; // from an <input type="file">
 * const { model } = loadModelFromFiles(chosen[0]!, chosen.slice(1)); // in a worker
 * ```
 * @throws OnnxSurgeonError `decode` for a file that is not a model; `external-data` (when a
 *   tensor is read) for a data file that was not chosen or is too short.
 */
export function loadModelFromFiles(modelFile: NamedBlob, dataFiles: readonly NamedBlob[] = []): LoadedFiles {
  const byName = new Map(dataFiles.map((f) => [f.name, f]));
  const dataFile = (location: string): NamedBlob | undefined =>
    byName.get(location) ?? byName.get(location.slice(location.lastIndexOf('/') + 1));
  const { bytes } = withFile(modelFile.name, () => readSparse(blobReader(modelFile, modelFile.name)));
  const model = modelFromBytes(bytes, { file: modelFile.name, externalData: externalResolver(modelFile.name, dataFile) });
  attachExternalDataFiles(model, {
    check: (ref, expectedBytes) => void checkExternalRange(requireDataFile(dataFile, ref.location).size, ref, expectedBytes, { file: ref.location }),
    displayName: (file) => file,
  });
  return { model, modelFile, buffer: bytes.buffer, dataFile };
}

function withFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw withContext(error, { file });
  }
}

function requireDataFile(dataFile: (location: string) => NamedBlob | undefined, location: string): NamedBlob {
  const file = dataFile(location);
  if (!file) {
    throw new OnnxSurgeonError('external-data', `external data file '${location}' was not chosen`, { expected: 'the data files chosen together with the .onnx file' });
  }
  return file;
}

function externalResolver(modelName: string, dataFile: (location: string) => NamedBlob | undefined): ExternalDataResolver {
  return (proto, byteLength, tensorName) => {
    const ref = parseExternalData(proto, { file: modelName });
    return () => {
      try {
        const file = requireDataFile(dataFile, ref.location);
        const length = checkExternalRange(file.size, ref, byteLength, { file: ref.location });
        return readBlobRange(file, ref.location, ref.offset, length);
      } catch (error) {
        throw withContext(error, { file: modelName, tensor: tensorName });
      }
    };
  };
}
