import type { AttributeValue, Node } from '../../ir/index.js';
import { attrString } from '../../ir/index.js';
import { ViewError } from '../../layout/view.js';

/**
 * The proof reads the attributes of every node it looks through. A node whose attributes ONNX
 * does not define for its op (a name repeated, a wrong type, an unknown name) is refused by
 * onnxruntime; reading it would mean picking a meaning the model does not have, so such a node
 * ends the proof instead.
 */

type Kind = AttributeValue['kind'];

/** Attributes each op the proof interprets may carry, with their types (all opsets together). */
const ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, Kind>>>> = {
  Identity: {},
  Transpose: { perm: 'ints' },
  Reshape: { allowzero: 'int' },
  Flatten: { axis: 'int' },
  Squeeze: { axes: 'ints' },
  Unsqueeze: { axes: 'ints' },
  Gather: { axis: 'int' },
  Slice: { starts: 'ints', ends: 'ints', axes: 'ints' },
  Split: { axis: 'int', split: 'ints', num_outputs: 'int' },
  SplitToSequence: { axis: 'int', keepdims: 'int' },
  SequenceAt: {},
  Cast: { to: 'int', saturate: 'int' },
  Concat: { axis: 'int' },
  Mul: {},
  Add: {},
  Sub: {},
  Div: {},
  ReduceSum: { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' },
  GridSample: { align_corners: 'int', mode: 'string', padding_mode: 'string' },
};

/** Integer attributes that are flags: ONNX defines 0 and 1 only. */
const FLAGS = new Set(['allowzero', 'keepdims', 'noop_with_empty_axes', 'saturate']);

/** Throws the reason when `node`'s attributes are not the ones its op defines. */
export function checkAttributes(node: Node): void {
  const allowed = ATTRIBUTES[node.opType];
  if (!allowed) throw new ViewError(`'${node.label}' (${node.opType}) is not an op the proof knows`);
  if (node.repeatedAttributes?.length) {
    throw new ViewError(`'${node.label}' gives the attribute '${node.repeatedAttributes[0]}' more than once, which ONNX forbids (onnxruntime refuses the node)`);
  }
  for (const [name, attribute] of node.attributes) {
    const kind = allowed[name];
    if (!kind) throw new ViewError(`'${node.label}' has an attribute '${name}' that ${node.opType} does not define`);
    if (attribute.value.kind !== kind) {
      throw new ViewError(`attribute '${name}' of '${node.label}' is ${describeKind(attribute.value.kind)}, but ${node.opType} defines it as ${describeKind(kind)}`);
    }
    if (FLAGS.has(name) && attribute.value.kind === 'int' && attribute.value.value !== 0 && attribute.value.value !== 1 && attribute.value.value !== 0n && attribute.value.value !== 1n) {
      throw new ViewError(`attribute '${name}' of '${node.label}' is ${String(attribute.value.value)}; ONNX defines it as 0 or 1`);
    }
  }
}

function describeKind(kind: Kind): string {
  return kind === 'int' ? 'an integer' : kind === 'ints' ? 'a list of integers' : kind === 'string' ? 'a string' : `of kind ${kind}`;
}

/** The sampling mode names GridSample uses at each opset (`linear`/`cubic` from opset 20). */
function modeNames(domain: string, opset: number): { bilinear: string; others: string[] } {
  if (domain === 'com.microsoft' || opset < 20) return { bilinear: 'bilinear', others: ['nearest', 'bicubic'] };
  return { bilinear: 'linear', others: ['nearest', 'cubic'] };
}

/**
 * Checks that a GridSample samples exactly as `MultiscaleDeformableAttnPlugin_TRT` does
 * (bilinear, zero padding, align_corners=0) and is a valid node for its opset; throws the reason
 * in the user's words otherwise.
 */
export function checkGridSample(node: Node, opset: number): void {
  checkAttributes(node);
  if (node.domain !== 'com.microsoft' && opset < 16) throw new ViewError(`'${node.label}' is a GridSample at opset ${opset}; ONNX has GridSample from opset 16`);
  if (node.inputs.length !== 2 || !node.inputs[0] || !node.inputs[1] || node.outputs.length !== 1) {
    throw new ViewError(`'${node.label}' has ${node.inputs.length} inputs and ${node.outputs.length} outputs; GridSample has 2 and 1`);
  }
  const names = modeNames(node.domain, opset);
  const mode = attrString(node.attr('mode')) ?? names.bilinear;
  if (mode !== names.bilinear) {
    if (names.others.includes(mode)) throw new ViewError(`'${node.label}' samples with mode '${mode}'; the plugin interpolates bilinearly (re-export with mode='bilinear')`);
    throw new ViewError(`'${node.label}' has mode '${mode}', which GridSample does not define at opset ${opset} (it spells bilinear '${names.bilinear}'); onnxruntime refuses it`);
  }
  const padding = attrString(node.attr('padding_mode')) ?? 'zeros';
  if (padding !== 'zeros') {
    if (padding === 'border' || padding === 'reflection') throw new ViewError(`'${node.label}' pads with '${padding}'; the plugin reads zeros outside the feature map (re-export with padding_mode='zeros')`);
    throw new ViewError(`'${node.label}' has padding_mode '${padding}', which GridSample does not define; onnxruntime refuses it`);
  }
  const alignCorners = node.attr('align_corners');
  if (alignCorners && alignCorners.kind === 'int' && Number(alignCorners.value) !== 0) {
    throw new ViewError(`'${node.label}' samples with align_corners=${String(alignCorners.value)}; the plugin samples with align_corners=0 (re-export with align_corners=False)`);
  }
}
