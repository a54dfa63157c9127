import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

/**
 * A node attribute: a typed union over every ONNX attribute kind. Kinds the IR does not model
 * (sparse tensors, type protos) carry their decoded message opaquely so nothing is lost.
 * @group IR
 */
export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'string'; value: Uint8Array }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'graph'; value: Graph }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: (number | bigint)[] }
  | { kind: 'strings'; value: Uint8Array[] }
  | { kind: 'tensors'; value: Tensor[] }
  | { kind: 'graphs'; value: Graph[] }
  | { kind: 'opaque'; type: number; value: unknown };

/**
 * An attribute with its name and, for function bodies, the attribute it refers to.
 *
 * @group IR
 */
export interface Attribute {
  name: string;
  value: AttributeValue;
  /** Set in function bodies: this attribute takes the caller's attribute of that name. */
  refAttrName?: string;
  docString?: string;
  /** Codec bookkeeping for lossless round trips. */
  serdeOrigin?: unknown;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Builds attribute values from plain TypeScript values (the everyday path).
 *
 * @example
 * ```ts
 * graph.addNode({ op: 'Transpose', inputs: [x], attributes: { perm: attr.ints([0, 2, 1]) } });
 * graph.addNode({ op: 'LeakyRelu', inputs: [x], attributes: { alpha: attr.float(0.1) } });
 * ```
 * @group IR
 */
export const attr = {
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  int: (value: number | bigint): AttributeValue => ({ kind: 'int', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value: utf8Encoder.encode(value) }),
  tensor: (value: Tensor): AttributeValue => ({ kind: 'tensor', value }),
  floats: (value: number[]): AttributeValue => ({ kind: 'floats', value }),
  ints: (value: (number | bigint)[]): AttributeValue => ({ kind: 'ints', value }),
  strings: (value: string[]): AttributeValue => ({ kind: 'strings', value: value.map((s) => utf8Encoder.encode(s)) }),
};

/**
 * Reads an attribute as a JS number (ints are converted), or undefined if absent / another kind.
 *
 * @group Types and data
 */
export function attrNumber(value: AttributeValue | undefined): number | undefined {
  if (!value) return undefined;
  if (value.kind === 'int' || value.kind === 'float') return Number(value.value);
  return undefined;
}

/**
 * Reads an `ints` attribute as numbers (INT64 extremes become ±Infinity-safe large numbers).
 *
 * @group Types and data
 */
export function attrInts(value: AttributeValue | undefined): number[] | undefined {
  if (!value || value.kind !== 'ints') return undefined;
  return value.value.map((v) => Number(v));
}

/**
 * Reads a string attribute as UTF-8 text.
 *
 * @group Types and data
 */
export function attrString(value: AttributeValue | undefined): string | undefined {
  if (!value || value.kind !== 'string') return undefined;
  return utf8.decode(value.value);
}
