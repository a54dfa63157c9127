/**
 * How the matcher words what it sees: positions ("input 1 of '/layers.0/Mul'"), values ("graph
 * input 'x'", "'a_out' (from 'Add' '/a')"), attribute mismatches ("is 1, expected -1").
 */
import type { AttributeValue, Node, Value } from '../ir/index.js';
import { attrString } from '../ir/index.js';
import { describeTensor } from './constant.js';
import { type AttributePredicate, type BindingKey, type NodePattern, type ValuePattern, describeAttributePredicate } from './pattern.js';

/** Where a value being matched sits: input `index` of `node`, or pattern output `output`. */
export type Where = { node: Node; index: number } | { output: number };

/** `input 1 of '/mul'`, `the anchor output`, `pattern output 2`. @internal */
export function describeWhere(where: Where): string {
  if ('output' in where) return where.output === 0 ? 'the anchor output' : `pattern output ${where.output}`;
  return `input ${where.index} of '${where.node.label}'`;
}

/** `graph input 'x'`, `initializer 'w'`, `'v' (from 'Add' '/add')`, `omitted`. @internal */
export function describeValue(v: Value | undefined): string {
  if (!v) return 'omitted';
  if (v.isGraphInput) return `graph input '${v.name}'`;
  if (v.initializer) return `initializer '${v.name}'`;
  if (v.producer) return `'${v.name}' (from '${v.producer.opType}' '${v.producer.label}')`;
  return `'${v.name}'`;
}

/** `its 'x'` (a named pattern), or the pattern text for an unnamed pattern object. @internal */
export function describeKey(key: BindingKey, p: ValuePattern | NodePattern): string {
  return typeof key === 'string' ? `its '${key.slice(2)}'` : `its ${p.toString()}`;
}

/** `: <reason>` for a string verdict, nothing otherwise. @internal */
export function reasonSuffix(verdict: boolean | string): string {
  return typeof verdict === 'string' && verdict ? `: ${verdict}` : '';
}

/** A refusal by a user's function: its reason when it gave one, else `, which <who> does not accept`. @internal */
export function refusal(verdict: boolean | string, who: string): string {
  return typeof verdict === 'string' && verdict ? `: ${verdict}` : `, which ${who} does not accept`;
}

/** Why an attribute fails its predicate ("is 1, expected -1"), or undefined when it passes. @internal */
export function attributeMismatch(value: AttributeValue | undefined, predicate: AttributePredicate, node: Node): string | undefined {
  if (typeof predicate === 'function') {
    const verdict = predicate(value, node);
    return verdict === true ? undefined : `is ${describeAttribute(value)}${refusal(verdict, 'the pattern')}`;
  }
  const expected = describeAttributePredicate(predicate);
  if (predicate === null) return value === undefined ? undefined : `is ${describeAttribute(value)}, expected it absent`;
  if (value === undefined) return `is absent, expected ${expected}`;
  const found = `is ${describeAttribute(value)}, expected ${expected}`;
  if (typeof predicate === 'string') return attrString(value) === predicate ? undefined : found;
  if (typeof predicate === 'number' || typeof predicate === 'bigint') {
    if (value.kind !== 'int' && value.kind !== 'float') return found;
    return numbersEqual(Number(value.value), Number(predicate)) ? undefined : found;
  }
  const list = predicate as readonly (number | string)[];
  if (value.kind === 'strings') {
    const texts = value.value.map((b) => new TextDecoder().decode(b));
    return texts.length === list.length && texts.every((t, i) => t === list[i]) ? undefined : found;
  }
  if (value.kind !== 'ints' && value.kind !== 'floats') return found;
  const numbers = value.value.map((x) => Number(x));
  return numbers.length === list.length && numbers.every((x, i) => numbersEqual(x, Number(list[i]))) ? undefined : found;
}

function numbersEqual(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** An attribute value as messages show it (`1`, `'linear'`, `[0,2,1]`, `absent`). @internal */
export function describeAttribute(value: AttributeValue | undefined): string {
  if (value === undefined) return 'absent';
  switch (value.kind) {
    case 'int': case 'float': return String(value.value);
    case 'string': return `'${attrString(value)}'`;
    case 'ints': case 'floats': return `[${value.value.join(',')}]`;
    case 'strings': return `[${value.value.map((b) => `'${new TextDecoder().decode(b)}'`).join(',')}]`;
    case 'tensor': return `a tensor ${describeTensor(value.value)}`;
    default: return `a ${value.kind} attribute`;
  }
}
