/**
 * The FP16 copy of a model that a strongly typed FP16 build parses (TensorRT 11, and 10.12+ whose
 * FP16 builder flag is deprecated): converted with the float16 pass, written next to the engine in
 * a private folder, removed when the build is over, whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Model } from '../ir/index.js';
import { type Float16Report, convertToFloat16 } from '../passes/fp16/index.js';
import { saveModel } from '../serde/index.js';

/** A converted copy on disk. */
export interface Float16Copy {
  path: string;
  report: Float16Report;
  /** Removes the copy and its folder (idempotent). */
  remove(): Promise<void>;
}

/**
 * Converts a copy of `model` (the caller's model is left as it is) and writes it beside
 * `enginePath`. Large weights stay lazy: external data is streamed from the original files.
 */
export async function writeFloat16Copy(model: Model, enginePath: string, options: { msdaFp16: boolean }): Promise<Float16Copy> {
  const copy = model.clone();
  const report = convertToFloat16(copy, { msdaFp16: options.msdaFp16 });
  const dir = await mkdtemp(join(dirname(enginePath), `.${basename(enginePath)}.fp16-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'model.fp16.onnx');
    await saveModel(copy, path);
    return { path, report, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
