/**
 * Which slots of a node may switch from float32 to float16, read from the operator's type
 * constraints at the model's opset (ONNX_OP_TYPES) or, for the MSDA plugin, from its contract.
 */
import { type Node, isOnnxDomain } from '../../ir/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { ONNX_OP_TYPES } from './onnx-op-types.js';

/**
 * One slot's typing: the name of its type parameter when it may hold float32 or float16 (slots
 * sharing a parameter share a type), `'f'` for a float32 slot that must stay float32, `'-'` for a
 * slot that never holds float32.
 */
export type SlotTyping = string;

/** Typing of every input and output slot of one node. */
export interface NodeTyping {
  inputs: SlotTyping[];
  outputs: SlotTyping[];
}

/** The MSDA plugin's slots, from its contract: value, locations, weights and output share T. */
const MSDA_TYPING = 'T - - T T|T';

/**
 * The typing of `node` at ONNX opset `opset`, expanded to its actual slot counts (variadic slots
 * repeated); undefined for ops this table does not know (custom domains, ai.onnx.ml, or a slot
 * count the schema does not allow), which a conversion must leave alone.
 *
 * @example
 * ```ts
 * nodeTyping(resizeNode, 17); // { inputs: ['T1', 'T2', 'f', '-'], outputs: ['T1'] }
 * ```
 */
export function nodeTyping(node: Node, opset: number): NodeTyping | undefined {
  const code = node.opType === MSDA_PLUGIN.opType ? MSDA_TYPING : isOnnxDomain(node.domain) ? onnxCode(node.opType, opset) : undefined;
  if (code === undefined) return undefined;
  const [inputs, outputs] = code.split('|') as [string, string];
  const expandedInputs = expand(inputs, node.inputs.length);
  const expandedOutputs = expand(outputs, node.outputs.length);
  if (!expandedInputs || !expandedOutputs) return undefined;
  return { inputs: expandedInputs, outputs: expandedOutputs };
}

function onnxCode(opType: string, opset: number): string | undefined {
  const versions = ONNX_OP_TYPES[opType];
  if (!versions) return undefined;
  let code: string | undefined;
  for (const [since, typing] of versions) if (since <= opset) code = typing;
  return code;
}

/** Slot codes for `count` slots: a trailing `*` slot repeats; missing optional slots are fine. */
function expand(codes: string, count: number): SlotTyping[] | undefined {
  const slots = codes === '' ? [] : codes.split(' ');
  const out: SlotTyping[] = [];
  for (let i = 0; i < count; i++) {
    const last = slots[slots.length - 1];
    const code = i < slots.length ? slots[i]! : last?.endsWith('*') ? last : undefined;
    if (code === undefined) return undefined;
    out.push(code.replace('*', ''));
  }
  return out;
}
