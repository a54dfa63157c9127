/**
 * Where a loaded model's external data files are, for the checks that must look at them without
 * reading them (`checkModel`). The loader that knows the files registers them: `loadModel` a
 * folder on disk (Node), the web page the files the user dropped. Isomorphic: no Node API here.
 */
import type { Model } from '../ir/model.js';
import type { ExternalDataRef } from '../onnx/external-refs.js';

/** A model's external data files, as its loader reaches them. */
export interface ExternalDataFiles {
  /**
   * Checks, without reading them, that the bytes of `ref` are all there (`expectedBytes` of them).
   *
   * @throws OnnxSurgeonError `external-data` naming the data file in `context.file`.
   */
  check(ref: ExternalDataRef, expectedBytes: number): void;
  /** A data file named in an error, as a report shows it (relative to the model's folder). */
  displayName(file: string): string;
}

// Keyed by the decoded message when there is one: clones of a model share it (cloneModel copies
// the reference), and their tensors are still those of the same files.
const filesByModel = new WeakMap<object, ExternalDataFiles>();

function keyOf(model: Model): object {
  return (model.serdeOrigin as object | undefined) ?? model;
}

/**
 * Registers how `model`'s external data files are reached (called by loaders).
 *
 * @example
 * ```ts
 * const model = modelFromBytes(new Uint8Array(await new File([], 'm.onnx').arrayBuffer()));
 * attachExternalDataFiles(model, { check: () => {}, displayName: (file) => file });
 * ```
 */
export function attachExternalDataFiles(model: Model, files: ExternalDataFiles): void {
  filesByModel.set(keyOf(model), files);
}

/** The external data files registered for `model` (or a model it was cloned from), if any. */
export function externalDataFilesOf(model: Model): ExternalDataFiles | undefined {
  return filesByModel.get(keyOf(model));
}
