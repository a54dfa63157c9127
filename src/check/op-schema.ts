/**
 * ONNX operator schemas as `check` uses them: the generated tables (onnx-op-schemas.ts from Python
 * onnx's registry, onnx-later-versions.ts from ONNX's changelog) decoded on first use, and the one
 * question a node asks: which schema does my opset select?
 */
import { normalizeDomain } from '../ir/domain.js';
import { CHANGELOG_OPSET_LIMITS, LATER_VERSION_ROWS } from './onnx-later-versions.js';
import { OP_SCHEMA_ROWS, SCHEMA_OPSET_LIMITS, TYPE_SETS } from './onnx-op-schemas.js';

/** A row of the generated schema table (see onnx-op-schemas.ts for the encoding). */
export type OpSchemaRow = readonly [
  domain: string, op: string, since: number, inputs: string, outputs: string, attributes: string,
  minInputs: number, maxInputs: number, minOutputs: number, maxOutputs: number, deprecated: 0 | 1,
];

/** A row of the generated later-versions table: the versions after the schema table's limit. */
export type LaterVersionsRow = readonly [domain: string, op: string, versions: readonly number[]];

/**
 * One input or output of an operator.
 *
 * @group Op schemas
 */
export interface FormalParameter {
  readonly name: string;
  /** The type parameter (`T`) or the fixed type (`tensor(int64)`) as the schema writes it. */
  readonly typeParam: string;
  readonly option: 'single' | 'optional' | 'variadic';
  /** For a variadic slot: every value has the same type. */
  readonly homogeneous: boolean;
  /** Allowed types, `float` for tensor(float), `seq(tensor(float))` as written otherwise. */
  readonly types: ReadonlySet<string>;
}

/**
 * One version of one operator.
 *
 * @group Op schemas
 */
export interface OpSchema {
  readonly domain: string;
  readonly op: string;
  readonly since: number;
  readonly inputs: readonly FormalParameter[];
  readonly outputs: readonly FormalParameter[];
  /** Attribute name -> AttributeProto type code and whether it is required. */
  readonly attributes: ReadonlyMap<string, { readonly type: number; readonly required: boolean }>;
  readonly minInputs: number;
  /** -1: unbounded. */
  readonly maxInputs: number;
  readonly minOutputs: number;
  readonly maxOutputs: number;
  readonly deprecated: boolean;
}

/**
 * What the tables say about an operator at an opset:
 * - `found`: the schema in force;
 * - `later`: ONNX redefined it after the schema table's limit, at `version` (not judged here);
 * - `not-yet`: the operator exists only from `since`, above the model's opset;
 * - `unknown`: no version of ONNX up to the changelog's limit defines it in this domain;
 * - `foreign`: a domain the tables do not cover (custom ops, com.microsoft...).
 * @group Op schemas
 */
export type SchemaLookup =
  | { readonly kind: 'found'; readonly schema: OpSchema }
  | { readonly kind: 'later'; readonly version: number }
  | { readonly kind: 'not-yet'; readonly since: number }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'foreign' };

/** Domains the tables cover, by normalized name (`''` is ai.onnx). */
export function isStandardDomain(domain: string): boolean {
  return normalizeDomain(domain) in SCHEMA_OPSET_LIMITS;
}

/** The newest opset of `domain` whose schemas the table holds. */
export function schemaOpsetLimit(domain: string): number | undefined {
  return SCHEMA_OPSET_LIMITS[normalizeDomain(domain)];
}

/** The newest opset of `domain` that ONNX's changelog (as generated) lists. */
export function knownOpsetLimit(domain: string): number | undefined {
  const d = normalizeDomain(domain);
  return Math.max(CHANGELOG_OPSET_LIMITS[d] ?? 0, SCHEMA_OPSET_LIMITS[d] ?? 0) || undefined;
}

/**
 * The schema `opset` selects for `op` of `domain`: its newest version at or below `opset`.
 *
 * @example
 * ```ts
 * lookupOpSchema('', 'GridSample', 17); // { kind: 'found', schema: GridSample-16 }
 * lookupOpSchema('', 'GridSample', 20); // { kind: 'later', version: 20 }
 * ```
 * @group Op schemas
 */
export function lookupOpSchema(domain: string, op: string, opset: number): SchemaLookup {
  const d = normalizeDomain(domain);
  if (!isStandardDomain(d)) return { kind: 'foreign' };
  const tables = decoded();
  const versions = tables.schemas.get(key(d, op)) ?? [];
  const later = tables.later.get(key(d, op)) ?? [];
  const all = [...versions.map((s) => s.since), ...later];
  if (!all.length) return { kind: 'unknown' };
  const inForce = Math.max(...all.filter((v) => v <= opset), -1);
  if (inForce < 0) return { kind: 'not-yet', since: Math.min(...all) };
  const schema = versions.find((s) => s.since === inForce);
  return schema ? { kind: 'found', schema } : { kind: 'later', version: inForce };
}

interface Tables {
  schemas: Map<string, OpSchema[]>;
  later: Map<string, readonly number[]>;
}

let tablesCache: Tables | undefined;

function decoded(): Tables {
  if (tablesCache) return tablesCache;
  const sets = TYPE_SETS.map((s) => new Set(s.split('|')));
  const schemas = new Map<string, OpSchema[]>();
  for (const row of OP_SCHEMA_ROWS) {
    const schema = withErrata(decodeRow(row, sets));
    const list = schemas.get(key(schema.domain, schema.op)) ?? [];
    list.push(schema);
    schemas.set(key(schema.domain, schema.op), list);
  }
  const later = new Map(LATER_VERSION_ROWS.map(([d, op, versions]) => [key(d, op), versions] as const));
  tablesCache = { schemas, later };
  return tablesCache;
}

function key(domain: string, op: string): string {
  return `${domain}\u0000${op}`;
}

function decodeRow(row: OpSchemaRow, sets: readonly Set<string>[]): OpSchema {
  const [domain, op, since, inputs, outputs, attributes, minInputs, maxInputs, minOutputs, maxOutputs, deprecated] = row;
  return {
    domain, op, since, inputs: formals(inputs, sets), outputs: formals(outputs, sets),
    attributes: new Map(attributes ? attributes.split(';').map((a) => {
      const [name, code] = a.split(':') as [string, string];
      return [name, { type: Number.parseInt(code, 10), required: code.endsWith('!') }];
    }) : []),
    minInputs, maxInputs, minOutputs, maxOutputs, deprecated: deprecated === 1,
  };
}

function formals(text: string, sets: readonly Set<string>[]): FormalParameter[] {
  if (!text) return [];
  return text.split(';').map((part) => {
    const [name, typeText, set] = part.split(':') as [string, string, string];
    const mark = typeText.at(-1);
    const marked = mark === '?' || mark === '*' || mark === '+';
    return {
      name, typeParam: marked ? typeText.slice(0, -1) : typeText,
      option: mark === '?' ? 'optional' : mark === '*' || mark === '+' ? 'variadic' : 'single',
      homogeneous: mark !== '+', types: sets[Number(set)]!,
    };
  });
}

/**
 * Schemas Python onnx 1.12 registers wrongly and later ONNX releases corrected without a new
 * version: GridSample-16's grid is typed T1 (X's type) and Y T2 there; ONNX's current docs type
 * the grid T2 (float16/float/double) and Y T1, which is what exporters and onnxruntime follow.
 */
function withErrata(schema: OpSchema): OpSchema {
  if (schema.domain === '' && schema.op === 'GridSample' && schema.since === 16) {
    const [x, grid] = schema.inputs as [FormalParameter, FormalParameter];
    const [y] = schema.outputs as [FormalParameter];
    return {
      ...schema,
      inputs: [x, { ...grid, typeParam: 'T2', types: y.types }],
      outputs: [{ ...y, typeParam: 'T1', types: x.types }],
    };
  }
  return schema;
}
