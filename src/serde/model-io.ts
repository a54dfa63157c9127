/**
 * Node-only: models to and from files (`loadModel`, `saveModel`: atomic writes, external data
 * files beside the model, lazy reads of large weights). The byte-level work they share with other
 * runtimes is in `model-bytes.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError, withContext } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { AtomicFile } from '../files/atomic-file.js';
import { ioError } from '../files/fs-errors.js';
import { type PlannedFile, WritePlan } from '../files/write-plan.js';
import { encodeModelInto } from '../onnx/codec.js';
import type { ChunkSink } from '../onnx/wire-writer.js';
import { holeSource, withHolesFilled } from '../onnx/sparse-read.js';
import { readModelSparse } from '../onnx/sparse-file.js';
import { ExternalDataWriter, checkExternalData, externalLocations, parseExternalData, readExternalData, readExternalDataChunks } from '../onnx/external-data.js';
import { readModelBytes } from '../onnx/files.js';
import { timePhase, timePhaseAsync } from '../profile.js';
import type { ModelProto, TensorProto } from '../onnx/proto-types.js';
import { type ExternalDataFiles, attachExternalDataFiles } from './external-files.js';
import type { ExternalDataResolver } from './from-proto.js';
import { type ExternalDataMode, encodeWithExternalData, modelFromBytes, resolveExternalDataMode } from './model-bytes.js';
import { modelToProto } from './to-proto.js';

export { type ExternalDataMode, modelToBytes } from './model-bytes.js';

/**
 * Options for {@link loadModelFromBytes}.
 *
 * @group Load and save
 */
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
 * @group Load and save
 */
export async function loadModel(file: string): Promise<Model> {
  return loadModelFile(file);
}

/** Options of {@link loadModelFile} (internal: the performance work tunes them). */
export interface LoadFileOptions {
  /**
   * raw_data payloads of at least this many bytes are left unread at load and read from the file
   * when needed (a save copies them piece by piece). Default: 4 KiB, for files of 16 MiB or more;
   * when given, it applies to files of any size.
   */
  lazyRawDataMinBytes?: number;
}

/** Files at least this large are read without their large inline weights (read on demand). */
const SPARSE_READ_MIN_BYTES = 16 << 20;
/**
 * Default {@link LoadFileOptions.lazyRawDataMinBytes}: one page, the smallest payload whose
 * memory an unread hole saves. Mid-size weights (4 KiB to 1 MiB) are most of a detection model's
 * bytes besides its few large ones; read at load, they were 37 MiB of the 343 MiB peak of a
 * fuse-msda run on a 594 MiB model. Passes read them when they need them (inference folds only
 * tensors of a few dozen elements), and a save copies them from the file like the large ones.
 */
export const LAZY_RAW_DATA_MIN_BYTES = 4 << 10;

/**
 * {@link loadModel} with its internal knobs.
 *
 * @internal
 */
export async function loadModelFile(file: string, options: LoadFileOptions = {}): Promise<Model> {
  const minHoleBytes = options.lazyRawDataMinBytes;
  const sparse = minHoleBytes !== undefined || statSize(file) >= SPARSE_READ_MIN_BYTES;
  const bytes = timePhase('read', () => (sparse ? readSparse(file, minHoleBytes ?? LAZY_RAW_DATA_MIN_BYTES) : readModelBytes(file)));
  return loadModelFromBytes(bytes, { path: file });
}

function statSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat.size : 0;
  } catch {
    return 0; // readModelBytes reports the problem
  }
}

function readSparse(file: string, minHoleBytes: number): Uint8Array {
  try {
    return readModelSparse(file, { minHoleBytes });
  } catch (error) {
    if (error instanceof OnnxSurgeonError) throw error;
    return readModelBytes(file); // same path, full read: its error messages are the clear ones
  }
}

/**
 * Decodes model bytes into the IR (see {@link loadModel}).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * const model = loadModelFromBytes(await readFile('model.onnx'), { path: 'model.onnx' }); // path: where external data lives
 * ```
 * @group Load and save
 */
export function loadModelFromBytes(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const file = options.path;
  const modelDir = file ? path.dirname(path.resolve(file)) : undefined;
  const model = modelFromBytes(bytes, { ...(file ? { file } : {}), externalData: externalResolver(modelDir, file) });
  if (file && modelDir) {
    model.sourcePath = path.resolve(file);
    attachExternalDataFiles(model, folderFiles(modelDir));
  }
  return model;
}

/** External data files in the model's folder on disk. */
function folderFiles(modelDir: string): ExternalDataFiles {
  return {
    check: (ref, expectedBytes) => void checkExternalData(modelDir, ref, expectedBytes),
    displayName: (file) => path.relative(modelDir, file) || file,
  };
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

/**
 * Options for {@link saveModel}.
 *
 * @group Load and save
 */
export interface SaveOptions {
  /**
   * `auto` (default): external data when the model had any or when it would exceed protobuf's
   * 2 GiB limit, inline otherwise. `inline`: everything in the one file. An object: external
   * data with these settings. Tensors an op reads as a shape, axes or another parameter stay
   * inline whatever the threshold (onnxruntime refuses them external).
   */
  externalData?: ExternalDataMode;
  /**
   * Allow writing over the file the model was loaded from (and its external data file with it).
   * Off by default, as in the CLI (`--force`): a typo must not replace the original. The write is
   * atomic either way: the original stays readable until the new files are complete.
   */
  replaceSource?: boolean;
}

/**
 * Saves the model atomically: data and model are written to temporary files in the target folder
 * and renamed into place only when complete, so a failure (or Ctrl-C) never leaves a half-written
 * output and the input (even when it is the same path) is untouched until then.
 *
 * Refused before anything is written: a data file that is the model file itself, an output that
 * is the model's source file (unless `replaceSource`) or only the source's external data (that
 * would corrupt the source), a folder or a device as the output.
 *
 * @example
 * ```ts
 * await saveModel(model, 'out/model.onnx', { externalData: { location: 'model.onnx.data' } });
 * ```
 * @group Load and save
 */
export async function saveModel(model: Model, file: string, options: SaveOptions = {}): Promise<void> {
  const mode = resolveExternalDataMode(model, options.externalData ?? 'auto');
  const replaceSource = options.replaceSource ?? false;
  try {
    if (mode === 'inline') {
      saveTargetsPlan(model, file, undefined, replaceSource).check();
      const proto = timePhase('to proto', () => modelToProto(model, { rawNodes: true }));
      await writeModelFile(file, (sink) => timePhase('encode', () => encodeModelInto(proto, sink)));
      return;
    }
    const data = new ExternalDataWriter(path.dirname(path.resolve(file)), mode.location ?? `${path.basename(file)}.data`, { alignment: mode.alignment ?? 4096 });
    saveTargetsPlan(model, file, data.path, replaceSource).check();
    // The data file is laid out first (the model message needs the offsets), then both are
    // streamed to temp files; only when the model's is complete too is the data file renamed into
    // place, then the model. A failure before that (disk full, a crash, Ctrl-C) leaves any
    // previous model and data pair as it was; a model never points at data not fully on disk.
    try {
      const chunks = encodeWithExternalData(model, mode, (tensor) => data.reserve(tensor.byteLength, () => externalPieces(tensor, model.sourcePath)));
      await data.writeReserved();
      data.finishWriting();
      await writeModelFile(file, (sink) => chunks.forEach((chunk) => sink(chunk, false)), () => data.finish());
    } catch (error) {
      data.abort();
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
 * Writes the chunks `encode` sends (see {@link ChunkSink}) to `file` atomically. Encoded structure
 * goes to the file as it is made, so no more than a scratch buffer of it is held at a time. Views
 * (weights, unchanged node runs, payloads never read, filled from their file) are written after
 * it, at their offsets, with the event loop's turns that let Ctrl-C through a long write.
 */
async function writeModelFile(file: string, encode: (sink: ChunkSink) => void, beforeRename?: () => void): Promise<void> {
  const target = AtomicFile.open(file);
  try {
    const views: { at: number; chunk: Uint8Array }[] = [];
    let at = 0;
    encode((chunk, scratch) => {
      if (scratch) target.write(chunk, at);
      else views.push({ at, chunk });
      at += chunk.byteLength;
    });
    await timePhaseAsync('write', async () => {
      for (const view of views) await target.writeAll(withHolesFilled([view.chunk]), view.at);
    });
    timePhase('fsync', () => {
      target.finishWriting();
      beforeRename?.();
      target.commit();
    });
  } catch (error) {
    target.abort();
    throw error instanceof OnnxSurgeonError ? error : ioError(error, file, 'cannot write file');
  }
}

/**
 * The files a save reads and writes, as a {@link WritePlan}: the model file and its data file
 * must differ, and neither may be the model's source (or the source's data) unless replacing it.
 */
function saveTargetsPlan(model: Model, file: string, dataFile: string | undefined, replaceSource: boolean): WritePlan {
  const plan = new WritePlan({ replaceInput: replaceSource, replaceInputHint: '{ replaceSource: true }' });
  plan.write({ role: 'the model file', path: file, kind: 'model' });
  if (dataFile) plan.write({ role: 'the external data file', path: dataFile, kind: 'model-data' });
  for (const source of sourceFiles(model)) plan.read(source);
  return plan;
}

/**
 * The files a loaded model still depends on: the file it was loaded from and every external data
 * file that file names (also those of tensors no longer in the graph: the file on disk still uses
 * them). Empty for a model built in memory.
 *
 * @example
 * ```ts
 * sourceFiles(await loadModel('a.onnx')); // [{ role: 'the file the model was loaded from', path: '/m/a.onnx', ... }, ...]
 * ```
 */
export function sourceFiles(model: Model): PlannedFile[] {
  const source = model.sourcePath;
  if (!source) return [];
  const origin = model.serdeOrigin as ModelProto | undefined;
  return [
    { role: 'the file the model was loaded from', path: source, kind: 'model' },
    ...(origin ? externalLocations(origin) : []).map((location): PlannedFile => ({
      role: `the external data of ${path.basename(source)}`, path: path.resolve(path.dirname(source), location), kind: 'model-data',
    })),
  ];
}

/**
 * The external data file {@link saveModel} would write for these options (absolute path), or
 * undefined when everything stays inline.
 */
export function plannedDataFile(model: Model, file: string, mode: ExternalDataMode = 'auto'): string | undefined {
  const resolved = resolveExternalDataMode(model, mode);
  if (resolved === 'inline') return undefined;
  return path.resolve(path.dirname(path.resolve(file)), resolved.location ?? `${path.basename(file)}.data`);
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
