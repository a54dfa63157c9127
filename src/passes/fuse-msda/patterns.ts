import { type AttributeValue, attrNumber, attrString } from '../../ir/index.js';
import { type Pattern, pattern } from '../../pattern/index.js';

/**
 * The two fixed points of every MSDA site, written with the pattern engine. Everything between
 * them (slices, reshapes, transposes, the stack) varies from exporter to exporter and is proved
 * with layout views instead (see prove-site.ts).
 */

const stringIs = (allowed: readonly string[], fallback: string, why: string) =>
  (a: AttributeValue | undefined): true | string => {
    const v = attrString(a) ?? fallback;
    return allowed.includes(v) || `is '${v}'; ${why}`;
  };

/**
 * GridSample exactly as `MultiscaleDeformableAttnPlugin_TRT` samples: bilinear (`linear` from
 * opset 20), zero padding, align_corners=0. Absent attributes take ONNX's defaults, which are
 * these.
 */
export const pluginGridSample: Pattern = pattern((op, value, grid) => op.GridSample(value, grid, {
  mode: stringIs(['bilinear', 'linear'], 'bilinear', 'the plugin interpolates bilinearly'),
  padding_mode: stringIs(['zeros'], 'zeros', 'the plugin pads with zeros'),
  align_corners: (a: AttributeValue | undefined) => {
    const v = attrNumber(a) ?? 0;
    return v === 0 || `is ${v}; the plugin samples with align_corners=0`;
  },
}), { name: 'plugin GridSample' });

/**
 * The weighted sum that closes a site: `ReduceSum(samples * weights, axes)` (axes as an input
 * from opset 13, as an attribute before). Which operand is the samples is decided by the proof.
 */
export const weightedSum: Pattern = pattern((op, samples, weights) => {
  // fp16 exports may widen the products to float32 before summing.
  const products = op.oneOf(op.Mul(samples, weights), op.Cast(op.Mul(samples, weights)));
  return op.oneOf(op.ReduceSum(products, op.any('axes')), op.ReduceSum(products));
}, { name: 'weighted sum over levels and points' });
