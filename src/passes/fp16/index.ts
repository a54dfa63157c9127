/**
 * Float16 conversion: a model's float32 computation becomes float16, for TensorRT strongly typed
 * builds (TensorRT 11 has no FP16 builder flag: an engine computes in the types the ONNX model
 * gives its tensors) and for any runtime that wants a float16 model.
 *
 * What stays float32, with Casts at every boundary: listed op types and nodes, ops without a
 * float16 form at the model's opset, nodes with subgraphs, arithmetic on constants and shapes,
 * readers of constants float16 cannot hold (every float32 constant is scanned), and, unless
 * `msdaFp16`, the MSDA plugin with the chain computing its sampling locations. Graph inputs and
 * outputs keep their types unless `convertIo`. The whole conversion is planned before the graph
 * changes (plan.ts), then applied in one go (apply.ts).
 *
 * @example
 * ```ts
 * import { convertToFloat16 } from 'onnx-surgeon/fp16';
 * const model = await loadModel('detr.fused.onnx');
 * const report = convertToFloat16(model, { keepOpTypes: ['LayerNormalization'] });
 * await saveModel(model, 'detr.fused.fp16.onnx');
 * console.log(report.convertedNodes, report.keptNodes.length, report.msda.precision); // ... 'float32'
 * ```
 *
 * @group Passes
 * @module onnx-surgeon/fp16
 */
import { OnnxSurgeonError } from '../../errors.js';
import { DType, type Model, type Value } from '../../ir/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { applyFloat16Plan } from './apply.js';
import { decideKeptNodes } from './keep.js';
import { planFloat16 } from './plan.js';
import type { Float16Options, Float16Report, KeptConstant } from './report.js';
import { typeGraph } from './value-dtypes.js';

export { type Float16Options, type Float16Report, type KeepReason, type KeptConstant, type KeptNode, float16ReportLines } from './report.js';
export { FLOAT16_MAX, type Float16Fit, float16Fit, toFloat16Tensor } from './float16-data.js';

/** Opset assumed for a model that imports no ONNX domain opset (no standard op can appear then). */
const DEFAULT_OPSET = 17;

/**
 * Converts `model` to float16 in place (see the module comment) and reports what it did. A model
 * with nothing in float32 is left unchanged, so converting twice changes nothing the second time.
 *
 * @example
 * ```ts
 * const report = convertToFloat16(model, { keepOpTypes: ['LayerNormalization'] });
 * report.keptNodes.map((k) => `${k.node}: ${k.reason}`); // what stayed float32, and why
 * ```
 */
export function convertToFloat16(model: Model, options: Float16Options = {}): Float16Report {
  const graph = model.graph;
  const opset = model.onnxOpset ?? DEFAULT_OPSET;
  for (const listed of options.keepOpTypes ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(listed)) {
      throw new OnnxSurgeonError('usage', `'${listed}' is not an op type name`, { expected: 'op types such as LayerNormalization or Softmax' });
    }
  }
  const typed = typeGraph(graph, opset);
  const decisions = decideKeptNodes(graph, typed, options);
  const plan = planFloat16(graph, typed, decisions, options);

  const keptNodes = graph.nodes.filter((n) => decisions.reasons.has(n)).map((n) => ({ node: n.label, opType: n.opType, reason: decisions.reasons.get(n)! }));
  const keptConstants: KeptConstant[] = [...decisions.unrepresentable.values()];
  for (const v of plan.mixedInitializers) keptConstants.push({ name: v.name, reason: 'float32-uses', detail: 'read by float32 and float16 nodes' });
  const convertedValues: Value[] = [...plan.convertedInitializers, ...[...plan.convertedSources].filter((n) => n.opType !== 'Cast').map((n) => n.outputs[0]!)];
  const float32Bytes = convertedValues.reduce((sum, v) => sum + (v.constant()?.byteLength ?? 0), 0);
  const flushedToZero = convertedValues.reduce((sum, v) => sum + (decisions.fits.get(v)?.flushedToZero ?? 0), 0);
  const keptIo = [
    ...new Set([...plan.casts.filter((c) => c.value.isGraphInput && !c.value.initializer).map((c) => c.value.name), ...plan.outputCasts.map((v) => v.name)]),
  ];
  const msdaNodes = graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType);
  const msdaFloat16 = msdaNodes.some((n) => plan.converted.has(n));

  const casts = applyFloat16Plan(graph, plan);
  return {
    convertedNodes: plan.converted.size + plan.convertedSources.size,
    keptNodes,
    castsInserted: casts,
    convertedConstants: { count: convertedValues.length, float32Bytes },
    keptConstants,
    flushedToZero,
    keptIo,
    msda: { nodes: msdaNodes.length, precision: msdaFloat16 ? 'float16' : 'float32' },
  };
}

/** True when a model has float32 values a float16 conversion would touch (graph inputs aside). */
export function hasFloat32Compute(model: Model): boolean {
  const typed = typeGraph(model.graph, model.onnxOpset ?? DEFAULT_OPSET);
  return model.graph.nodes.some((n) => n.outputs.some((o) => o.name && typed.dtype(o) === DType.FLOAT));
}
