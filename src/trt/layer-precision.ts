/**
 * Which precision TensorRT picked for each engine layer, read from the engine inspector's JSON
 * (`IEngineInspector::getLayerInformation(i, kJSON)` on an engine built with
 * `ProfilingVerbosity::kDETAILED`). Best effort: TensorRT documents the JSON only loosely, so the
 * precision is inferred from the `Format/Datatype` strings of the layer's outputs (e.g.
 * `Row major linear FP32`, `Channel major FP16 format where channel % 2 == 0`), and a layer whose
 * information lacks them is `unknown`, never guessed.
 */

/**
 * Precision of a layer's outputs. `mixed` = some float outputs FP32, others lower.
 *
 * @group Model checks and precision
 */
export type LayerPrecisionKind = 'fp32' | 'fp16' | 'bf16' | 'int8' | 'fp8' | 'integer' | 'mixed' | 'unknown';

/**
 * One engine layer and its precision.
 *
 * @group Model checks and precision
 */
export interface LayerPrecision {
  /** Layer index in the engine. */
  index: number;
  /** Layer name (TensorRT's; usually derived from ONNX node names). */
  name: string;
  /** TensorRT layer type when reported (`CaskConvolution`, `Reformat`, `PluginV2`, ...). */
  layerType?: string;
  /** Inferred precision. */
  precision: LayerPrecisionKind;
  /** The raw `Format/Datatype` strings of the outputs. */
  outputFormats: string[];
}

function formatKind(format: string): Exclude<LayerPrecisionKind, 'mixed' | 'unknown'> | undefined {
  const f = format.toLowerCase();
  if (/\bfp32\b|\bfloat\b|\bfloat32\b/.test(f)) return 'fp32';
  if (/\bfp16\b|\bhalf\b/.test(f)) return 'fp16';
  if (/\bbf16\b/.test(f)) return 'bf16';
  if (/\bfp8\b/.test(f)) return 'fp8';
  if (/\bint8\b/.test(f)) return 'int8';
  if (/\bint32\b|\bint64\b|\bbool\b|\buint8\b/.test(f)) return 'integer';
  return undefined;
}

/**
 * Classifies one layer from the inspector's JSON text (as carried by a `layer-precision` event).
 *
 * @example
 * ```ts
 * classifyLayer(3, '{"Name":"conv1","LayerType":"CaskConvolution","Outputs":[{"Format/Datatype":"Row major linear FP32"}]}');
 * // { index: 3, name: 'conv1', layerType: 'CaskConvolution', precision: 'fp32', outputFormats: [...] }
 * ```
 * @group Model checks and precision
 */
export function classifyLayer(index: number, infoText: string): LayerPrecision {
  let info: unknown;
  try {
    info = JSON.parse(infoText);
  } catch {
    return { index, name: infoText || `layer ${index}`, precision: 'unknown', outputFormats: [] };
  }
  // With ProfilingVerbosity::kLAYER_NAMES_ONLY the "JSON" is just the name string.
  if (typeof info === 'string') return { index, name: info, precision: 'unknown', outputFormats: [] };
  if (typeof info !== 'object' || info === null) return { index, name: `layer ${index}`, precision: 'unknown', outputFormats: [] };
  const record = info as Record<string, unknown>;
  const name = typeof record.Name === 'string' ? record.Name : `layer ${index}`;
  const layerType = typeof record.LayerType === 'string' ? record.LayerType : undefined;
  const outputs = Array.isArray(record.Outputs) ? record.Outputs : [];
  const outputFormats = outputs
    .map((o) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['Format/Datatype'] : undefined))
    .filter((f): f is string => typeof f === 'string');
  const kinds = new Set(outputFormats.map(formatKind).filter((k) => k !== undefined));
  const floatKinds = [...kinds].filter((k) => k !== 'integer');
  let precision: LayerPrecisionKind;
  if (!kinds.size) precision = 'unknown';
  else if (floatKinds.length === 0) precision = 'integer';
  else if (floatKinds.length === 1) precision = floatKinds[0]!;
  else precision = floatKinds.includes('fp32') ? 'mixed' : floatKinds[0]!;
  return layerType === undefined ? { index, name, precision, outputFormats } : { index, name, layerType, precision, outputFormats };
}

/**
 * Layers that produce FP32 floats (alone or mixed): what stayed in FP32 although FP16 was allowed.
 *
 * @group Model checks and precision
 */
export function fp32Layers(layers: readonly LayerPrecision[]): LayerPrecision[] {
  return layers.filter((l) => l.precision === 'fp32' || l.precision === 'mixed');
}
