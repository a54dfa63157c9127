/**
 * The dims and element types of a site's tensors in the unmutated model, measured by running the
 * fixture in onnxruntime with those tensors added as outputs: the truth, not an inference the
 * library under test might get wrong. Classes use it to build shape-correct edits (a reshape
 * target with two dims swapped, a Transpose that swaps two equal dims).
 */
import { type Model, type Tensor, loadModelFromBytes, modelToBytes } from '../../src/index.js';
import { runModel } from '../../src/verify/index.js';
import type { ProbedTensor } from './mutant.js';

/** Runs `bytes` on `feeds` and returns dims and dtype of every named value it computes. */
export async function probeTensors(bytes: Uint8Array, feeds: ReadonlyMap<string, Tensor>, names: readonly string[]): Promise<Map<string, ProbedTensor>> {
  const model: Model = loadModelFromBytes(bytes);
  const graph = model.graph;
  const extra = [...new Set(names)].map((n) => graph.value(n)).filter((v) => v && !v.isGraphOutput && !v.initializer && !v.isGraphInput);
  graph.setOutputs([...graph.outputs, ...extra.map((v) => v!)]);
  for (const v of extra) delete v!.type; // onnxruntime infers what outputs without a declared type hold
  const { outputs } = await runModel(loadModelFromBytes(modelToBytes(model)), feeds, { label: 'probe' });
  const probed = new Map<string, ProbedTensor>();
  for (const [name, tensor] of outputs) probed.set(name, { dims: [...tensor.dims], dtype: tensor.dtype });
  for (const v of graph.inputs) {
    const fed = feeds.get(v.name);
    if (fed) probed.set(v.name, { dims: [...fed.dims], dtype: fed.dtype });
  }
  return probed;
}
