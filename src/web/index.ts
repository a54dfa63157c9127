/**
 * onnx-surgeon in a browser, Deno, Bun or an edge worker (`onnx-surgeon/web`): everything here
 * imports no Node API. Models from bytes or from the files a user chose, `fuseMsda` and its
 * report, pictures of sites, and the fused model as Blobs of parts, byte-identical to what
 * `saveModel` and the CLI write. The web page (`npm run build:web`) is built on it.
 *
 * Reading a `File` lazily needs `FileReaderSync`: run {@link loadModelFromFiles} and
 * {@link runFuseJob} in a dedicated Web Worker.
 *
 * @example
 * ```ts
 * import { runFuseJob } from 'onnx-surgeon/web';
 * // in a worker: the File objects come from an <input type="file"> of the page
 * const job = runFuseJob(new File([], 'detr.onnx'), [], { outputName: 'detr.fused.onnx' });
 * console.log(job.summary, job.files.model.size);
 * ```
 * @group Core
 * @module onnx-surgeon/web
 */
export { loadModelFromFiles, type LoadedFiles, type NamedBlob } from './load.js';
export { modelToBlobs, type ModelBlobs } from './save.js';
export { runFuseJob, SitePictures, type FuseJobOptions, type FuseJobProgress, type FuseJobResult } from './fuse-job.js';
export { blobReader } from './blob-reader.js';
export { modelFromBytes, modelToBytes, modelToParts, resolveExternalDataMode, type ModelFromBytesOptions, type ModelParts, type DataFilePart, type ExternalDataMode } from '../serde/model-bytes.js';
export { attachExternalDataFiles, type ExternalDataFiles } from '../serde/external-files.js';
export { readSparse, withHolesFilled, type PositionalReader, type SparseReadOptions, type SparseSource } from '../onnx/sparse-read.js';
export { type ExternalDataRef } from '../onnx/external-refs.js';
export { fuseMsda, findMsdaSites, type FuseMsdaOptions, type FuseMsdaReport, type MsdaSiteReport, type MsdaSites } from '../passes/fuse-msda/index.js';
export { formatFuseMsdaSummary, type FuseMsdaCliReport } from '../cli/fuse-msda-summary.js';
export { renderSiteSvg } from '../draw/site.js';
export { checkModel, type CheckReport } from '../check/index.js';
export { OnnxSurgeonError } from '../errors.js';
