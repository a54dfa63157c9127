/**
 * A model as downloadable `Blob`s, each made of parts: the bytes the encoder wrote, and for every
 * weight that passes through unchanged a slice of the file the user chose. No weight is copied:
 * a slice only names a range of the file, and the browser reads it when the download is written.
 * The bytes are exactly those `saveModel` writes for the same file name and options.
 */
import type { Tensor } from '../ir/tensor.js';
import type { Model } from '../ir/model.js';
import { parseExternalData } from '../onnx/external-refs.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { type ExternalDataMode, modelToParts } from '../serde/model-bytes.js';
import type { LoadedFiles } from './load.js';

/** What {@link modelToBlobs} produces: the `.onnx` file and, with external data, the data file. */
export interface ModelBlobs {
  model: Blob;
  /** The external data file and the name the model gives it (save it beside the model). */
  data?: { name: string; blob: Blob };
}

// Never a SharedArrayBuffer here: the codec allocates plain ArrayBuffers.
type BlobPart = Blob | Uint8Array<ArrayBuffer>;

/**
 * The files `saveModel(model, fileName, { externalData: mode })` would write, as Blobs.
 * `source` is where the model was loaded from: views of its buffer and unchanged external tensors
 * become slices of the chosen files.
 *
 * @example
 * ```ts
 * const loaded = loadModelFromFiles(new File([], 'detr.onnx')); // in a worker
 * fuseMsda(loaded.model);
 * const { model } = modelToBlobs(loaded.model, loaded, 'detr.fused.onnx', 'auto');
 * ```
 */
export function modelToBlobs(model: Model, source: LoadedFiles, fileName: string, mode: ExternalDataMode = 'auto'): ModelBlobs {
  const parts = modelToParts(model, fileName, mode);
  const modelBlob = new Blob(parts.model.map((chunk) => viewPart(chunk, source)));
  if (!parts.data) return { model: modelBlob };
  const dataParts: BlobPart[] = [];
  let position = 0;
  for (const { offset, length, tensor } of parts.data.tensors) {
    if (offset > position) dataParts.push(zeros(offset - position));
    dataParts.push(tensorPart(tensor, source));
    position = offset + length;
  }
  return { model: modelBlob, data: { name: parts.data.location, blob: new Blob(dataParts) } };
}

/** A view of the loaded buffer is the model file's bytes at the same offset (read or unread). */
function viewPart(view: Uint8Array, source: LoadedFiles): BlobPart {
  if (view.buffer !== source.buffer) return view as Uint8Array<ArrayBuffer>;
  return source.modelFile.slice(view.byteOffset, view.byteOffset + view.byteLength);
}

/** A tensor's bytes for the data file: a file slice when it passes through unchanged. */
function tensorPart(tensor: Tensor, source: LoadedFiles): BlobPart {
  const origin = tensor.serdeOrigin as TensorProto | undefined;
  if (tensor.isLazy && origin?.dataLocation === 1) {
    const ref = parseExternalData(origin);
    const file = source.dataFile(ref.location);
    if (file) return file.slice(ref.offset, ref.offset + tensor.byteLength);
  }
  if (tensor.isLazy && origin?.rawData) return viewPart(origin.rawData, source);
  return viewPart(tensor.bytes(), source);
}

const ZEROS = new Uint8Array(64 << 10);

/** `count` zero bytes (alignment gaps are below 64 KiB unless asked otherwise). */
function zeros(count: number): BlobPart {
  return count <= ZEROS.byteLength ? ZEROS.subarray(0, count) : new Uint8Array(count);
}
