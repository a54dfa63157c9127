/**
 * A small declarative language for what a plugin node must look like, in the spirit of ONNX op
 * schemas: type variables for element types, dims written as symbols that must agree wherever
 * they appear (`['N', 'Lq', 'M', 'L', 'P', 2]`), optional attribute rules, and free-form checks
 * on constant input data. {@link checkContract} turns a contract and a node into readable
 * violations. Only what is statically known is checked; unknown dims and dtypes are skipped.
 */
import { type Dim, type DTypeCode, type Node, type Tensor, type TensorType, type Value, attrString, dtypeName } from '../ir/index.js';
import { staticDtype, staticShape } from './static-data.js';

/**
 * One way a node breaks its plugin's contract.
 *
 * @example
 * ```ts
 * const v: ContractViolation = {
 *   node: 'msda_0', input: 'locs', expected: 'L = 4', found: '3',
 *   message: "node 'msda_0': input 3 'sampling_locations' dim 3 (L) is 3 but spatial_shapes has 4 rows",
 * };
 * ```
 * @group Plugin contracts
 */
export interface ContractViolation {
  /** Label of the offending node. */
  node: string;
  /** Name of the offending input (or output) tensor, when one is to blame. */
  input?: string;
  /** One readable sentence naming the node and the offending dims or values. */
  message: string;
  /** What the contract wants, briefly. */
  expected?: string;
  /** What the node has, briefly. */
  found?: string;
}

/**
 * One dim of a {@link TensorRule}: a symbol (`'N'`) that must take the same size wherever it
 * appears, a fixed size (`2`), or `'*'` for anything.
 *
 * @example
 * ```ts
 * const locationDims: DimRule[] = ['N', 'Lq', 'M', 'L', 'P', 2];
 * ```
 * @group Contracts
 */
export type DimRule = string | number;

/**
 * What one input or output must look like.
 *
 * @example
 * ```ts
 * const spatialShapes: TensorRule = { name: 'spatial_shapes', type: 'I', dims: ['L', 2], dimNouns: { 0: 'rows' } };
 * ```
 * @group Contracts
 */
export interface TensorRule {
  /** Role name used in messages, e.g. `sampling_locations`. */
  name: string;
  /** Type variable (a key of {@link PluginContract.types}); tensors sharing one must share a dtype. */
  type: string;
  /** Expected dims; their count is the required rank. */
  dims: readonly DimRule[];
  /**
   * Plain words for a dim when this tensor is where a symbol got its size, e.g. `{ 0: 'rows' }`
   * lets a message say "spatial_shapes has 4 rows" instead of "spatial_shapes dim 0 (L) is 4".
   */
  dimNouns?: Readonly<Record<number, string>>;
}

/**
 * A rule on one attribute.
 *
 * @example
 * ```ts
 * const version: AttributeRule = { name: 'plugin_version', required: true, oneOfStrings: ['1'] };
 * ```
 * @group Contracts
 */
export interface AttributeRule {
  /** Attribute name. */
  name: string;
  /** Attribute must be present. */
  required?: boolean;
  /** Allowed string values (the attribute must be a string attribute when this is set). */
  oneOfStrings?: readonly string[];
}

/**
 * What a {@link ValueCheck} can ask about the node under check.
 *
 * @example
 * ```ts
 * const levelsKnown: ValueCheck = (context) => {
 *   const S = context.size('S');              // 1360, if some tensor fixed it
 *   const shapes = context.constantInput(1);  // Tensor | undefined
 *   return shapes || S === undefined ? [] : [context.inputViolation(1, 'spatial shapes are not constant')];
 * };
 * ```
 * @group Contracts
 */
export interface ContractContext {
  /** The node under check. */
  readonly node: Node;
  /** Numeric size bound to a dim symbol by the structural checks, if any tensor fixed it. */
  size(symbol: string): number | undefined;
  /** Constant data of input `index` (initializer or `Constant` node), or undefined. */
  constantInput(index: number): Tensor | undefined;
  /** Builds a violation of input `index` with the node prefix and the input's name filled in. */
  inputViolation(index: number, message: string, expected?: string, found?: string): ContractViolation;
}

/**
 * A check on statically known data; runs after the structural checks (whatever they found), so it
 * must itself skip data whose shape it cannot read.
 *
 * @example
 * ```ts
 * const positiveScale: ValueCheck = (context) => {
 *   const scale = context.constantInput(1)?.toNumbers() ?? [];
 *   return scale.some((s) => s <= 0) ? [context.inputViolation(1, 'has a non-positive entry')] : [];
 * };
 * ```
 * @group Contracts
 */
export type ValueCheck = (context: ContractContext) => ContractViolation[];

/**
 * The contract of one plugin op.
 *
 * @example
 * ```ts
 * const addPlugin: PluginContract = {
 *   opType: 'MyAddPlugin',
 *   types: { T: [DType.FLOAT, DType.FLOAT16] },
 *   inputs: [{ name: 'a', type: 'T', dims: ['N', 'C'] }, { name: 'b', type: 'T', dims: ['N', 'C'] }],
 *   outputs: [{ name: 'sum', type: 'T', dims: ['N', 'C'] }],
 * };
 * checkContract(addPlugin, node); // [] when the node fits
 * ```
 * @group Contracts
 */
export interface PluginContract {
  /** Operator type the contract is for. */
  opType: string;
  /** Operator domain; undefined matches any domain. */
  domain?: string;
  /** Allowed element types per type variable. */
  types: Readonly<Record<string, readonly DTypeCode[]>>;
  /** Inputs in slot order (all required). */
  inputs: readonly TensorRule[];
  /** Outputs in slot order. */
  outputs: readonly TensorRule[];
  /** Attribute rules. */
  attributes?: readonly AttributeRule[];
  /** Checks on constant data. */
  valueChecks?: readonly ValueCheck[];
}

/**
 * Everything that identifies one TensorRT plugin node: the op type and attributes TensorRT's ONNX
 * parser looks the plugin creator up by, the domain onnx-surgeon writes it in, and its contract.
 *
 * @example
 * ```ts
 * node.opType === MSDA_PLUGIN.opType && MSDA_PLUGIN.versions.includes(node.attrString('plugin_version') ?? '');
 * ```
 * @group Contracts
 */
export interface PluginIdentity {
  /** Operator type, e.g. `MultiscaleDeformableAttnPlugin_TRT`. */
  readonly opType: string;
  /** Domain onnx-surgeon writes the node in (the contract may accept any). */
  readonly domain: string;
  /** Opset version imported for {@link domain}. */
  readonly domainVersion: number;
  /** `plugin_version` values accepted; the first is the one onnx-surgeon writes. */
  readonly versions: readonly string[];
  /** `plugin_namespace` the creator is registered under. */
  readonly namespace: string;
  /** What a node of this plugin must look like. */
  readonly contract: PluginContract;
}

/**
 * Options of {@link checkContract}.
 *
 * @example
 * ```ts
 * checkContract(msdaContract, node, { symbolicDims: 'ignore' });
 * ```
 * @group Contracts
 */
export interface ContractOptions {
  /**
   * How to compare two symbolic dims (ONNX `dim_param`s) bound to one contract symbol:
   * `strict` (default) reports different names as a violation, `ignore` skips the comparison
   * (different names may still be equal at run time).
   */
  symbolicDims?: 'strict' | 'ignore';
  /**
   * The type to check each value by (default: `value.type`). A pass checks a detached plugin node
   * with the types its pending edit will record (`GraphEdit.typeOf`).
   */
  typeOf?: (value: Value) => TensorType | undefined;
}

/** Where a dim symbol got its size, for messages. */
interface Binding {
  size: number | string;
  /** Phrase describing the source, e.g. `spatial_shapes has 4 rows`. */
  phrase: string;
}

interface Slot {
  kind: 'input' | 'output';
  index: number;
  rule: TensorRule;
  value: Value | undefined;
}

/**
 * Checks `node` against `contract`: input/output counts, ranks, dtypes, dim agreement, attributes,
 * then the contract's value checks. Returns every violation found (empty when the node fits).
 *
 * @example
 * ```ts
 * for (const v of checkContract(msdaContract, node)) console.log(v.message);
 * // node 'msda_0': input 3 'sampling_locations' dim 3 (L) is 3 but spatial_shapes has 4 rows
 * ```
 * @group Contracts
 */
export function checkContract(contract: PluginContract, node: Node, options: ContractOptions = {}): ContractViolation[] {
  const check = new ContractCheck(contract, node, options);
  if (!check.opMatches()) return check.violations;
  check.counts();
  const slots: Slot[] = [
    ...contract.inputs.map((rule, index): Slot => ({ kind: 'input', index, rule, value: node.inputs[index] })),
    ...contract.outputs.map((rule, index): Slot => ({ kind: 'output', index, rule, value: node.outputs[index] })),
  ];
  check.missingInputs(slots);
  for (const slot of slots) check.slot(slot);
  check.attributes();
  check.valueChecks();
  return check.violations;
}

/** One run of {@link checkContract}: the violations so far, and the sizes and types bound. */
class ContractCheck {
  readonly violations: ContractViolation[] = [];
  private readonly label: string;
  private readonly prefix: string;
  private readonly typeBindings = new Map<string, { dtype: DTypeCode; slot: Slot }>();
  private readonly dimBindings = new Map<string, { numeric?: Binding; symbolic?: Binding }>();

  constructor(private readonly contract: PluginContract, private readonly node: Node, private readonly options: ContractOptions) {
    this.label = node.label;
    this.prefix = `node '${this.label}': `;
  }

  /** The op type and domain; nothing else is worth checking on another op. */
  opMatches(): boolean {
    const { contract, node } = this;
    if (node.opType === contract.opType && (contract.domain === undefined || node.domain === contract.domain)) return true;
    this.report(`is ${describeOp(node.opType, node.domain)}, not ${describeOp(contract.opType, contract.domain)}`, {
      expected: describeOp(contract.opType, contract.domain), found: describeOp(node.opType, node.domain),
    });
    return false;
  }

  counts(): void {
    const { contract, node } = this;
    const roleList = (rules: readonly TensorRule[]): string => rules.map((r) => r.name).join(', ');
    if (node.inputs.length !== contract.inputs.length) {
      this.report(`has ${node.inputs.length} inputs but ${contract.opType} takes ${contract.inputs.length} (${roleList(contract.inputs)})`, {
        expected: `${contract.inputs.length} inputs`, found: `${node.inputs.length} inputs`,
      });
    }
    if (node.outputs.length !== contract.outputs.length) {
      this.report(`has ${node.outputs.length} outputs but ${contract.opType} produces ${contract.outputs.length} (${roleList(contract.outputs)})`, {
        expected: `${contract.outputs.length} outputs`, found: `${node.outputs.length} outputs`,
      });
    }
  }

  /** Trailing omitted inputs are already counted; an omitted one in the middle is not. */
  missingInputs(slots: readonly Slot[]): void {
    for (const slot of slots) {
      if (slot.kind === 'input' && !slot.value && slot.index < this.node.inputs.length) {
        this.report(`${where(slot)} is missing`, { expected: `a ${slot.rule.name} tensor`, found: 'an omitted input' });
      }
    }
  }

  /** Element type, rank and dims of one input or output. */
  slot(slot: Slot): void {
    const value = slot.value;
    if (!value) return;
    const type = this.options.typeOf ? this.options.typeOf(value) : value.type;
    const dtype = staticDtype(value, type);
    if (dtype !== undefined) this.dtype(slot, dtype);
    const shape = staticShape(value, type);
    if (!shape) return;
    const { rule } = slot;
    if (shape.length !== rule.dims.length) {
      this.report(`${where(slot)} has rank ${shape.length} but must have rank ${rule.dims.length} [${rule.dims.join(', ')}]`, {
        ...tensorName(slot), expected: `rank ${rule.dims.length} [${rule.dims.join(', ')}]`, found: `rank ${shape.length} [${shape.map(showDim).join(', ')}]`,
      });
      return;
    }
    rule.dims.forEach((dimRule, axis) => this.dim(slot, axis, dimRule, shape[axis] as Dim));
  }

  private dtype(slot: Slot, dtype: DTypeCode): void {
    const allowed = this.contract.types[slot.rule.type] ?? [];
    if (!allowed.includes(dtype)) {
      this.report(`${where(slot)} is ${dtypeName(dtype)} but must be ${allowed.map(dtypeName).join(' or ')}`, {
        ...tensorName(slot), expected: allowed.map(dtypeName).join(' | '), found: dtypeName(dtype),
      });
      return;
    }
    const bound = this.typeBindings.get(slot.rule.type);
    if (!bound) this.typeBindings.set(slot.rule.type, { dtype, slot });
    else if (bound.dtype !== dtype) {
      this.report(`${where(slot)} is ${dtypeName(dtype)} but ${where(bound.slot)} is ${dtypeName(bound.dtype)} (they must share one type)`, {
        ...tensorName(slot), expected: dtypeName(bound.dtype), found: dtypeName(dtype),
      });
    }
  }

  /** A fixed size must match; a symbol takes its first size and every other place must agree. */
  private dim(slot: Slot, axis: number, dimRule: DimRule, dim: Dim): void {
    if (dim === null || dim === undefined || dimRule === '*') return;
    if (typeof dimRule === 'number') {
      if (typeof dim === 'number' && dim !== dimRule) {
        this.report(`${where(slot)} dim ${axis} is ${dim} but must be ${dimRule}`, { ...tensorName(slot), expected: String(dimRule), found: String(dim) });
      }
      return;
    }
    const bindings = this.dimBindings.get(dimRule) ?? {};
    this.dimBindings.set(dimRule, bindings);
    const key = typeof dim === 'number' ? 'numeric' : 'symbolic';
    const bound = bindings[key];
    if (!bound) {
      bindings[key] = { size: dim, phrase: sourcePhrase(slot, axis, dimRule, dim) };
      return;
    }
    if (bound.size === dim || (key === 'symbolic' && this.options.symbolicDims === 'ignore')) return;
    this.report(`${where(slot)} dim ${axis} (${dimRule}) is ${showDim(dim)} but ${bound.phrase}`, {
      ...tensorName(slot), expected: `${dimRule} = ${showDim(bound.size)}`, found: showDim(dim),
    });
  }

  attributes(): void {
    for (const rule of this.contract.attributes ?? []) {
      const attribute = this.node.attr(rule.name);
      if (!attribute) {
        if (rule.required) this.report(`attribute '${rule.name}' is missing`, { expected: `attribute '${rule.name}'`, found: 'none' });
        continue;
      }
      if (!rule.oneOfStrings) continue;
      const text = attrString(attribute);
      const allowed = rule.oneOfStrings.map((s) => JSON.stringify(s)).join(' or ');
      if (text === undefined) {
        this.report(`attribute '${rule.name}' is a ${attribute.kind} attribute but must be the string ${allowed}`, { expected: allowed, found: attribute.kind });
      } else if (!rule.oneOfStrings.includes(text)) {
        this.report(`attribute '${rule.name}' is ${JSON.stringify(text)} but must be ${allowed}`, { expected: allowed, found: JSON.stringify(text) });
      }
    }
  }

  valueChecks(): void {
    const { contract, node, label, prefix } = this;
    const checks = contract.valueChecks ?? [];
    if (!checks.length) return;
    const context: ContractContext = {
      node,
      size: (symbol) => {
        const size = this.dimBindings.get(symbol)?.numeric?.size;
        return typeof size === 'number' ? size : undefined;
      },
      constantInput: (index) => node.inputs[index]?.constant(),
      inputViolation: (index, message, expected, found) => {
        const value = node.inputs[index];
        const role = contract.inputs[index]?.name ?? `#${index}`;
        const violation: ContractViolation = { node: label, message: `${prefix}input ${index} '${role}' ${message}` };
        if (value?.name) violation.input = value.name;
        if (expected !== undefined) violation.expected = expected;
        if (found !== undefined) violation.found = found;
        return violation;
      },
    };
    for (const check of checks) this.violations.push(...check(context));
  }

  private report(message: string, extra: Partial<ContractViolation> = {}): void {
    this.violations.push({ node: this.label, message: this.prefix + message, ...extra });
  }
}

function where(slot: Slot): string {
  return `${slot.kind} ${slot.index} '${slot.rule.name}'`;
}

function tensorName(slot: Slot): Partial<ContractViolation> {
  return slot.value?.name ? { input: slot.value.name } : {};
}

function sourcePhrase(slot: Slot, axis: number, symbol: string, dim: number | string): string {
  const noun = slot.rule.dimNouns?.[axis];
  if (noun) return `${slot.rule.name} has ${showDim(dim)} ${noun}`;
  return `${slot.kind} ${slot.index} '${slot.rule.name}' dim ${axis} (${symbol}) is ${showDim(dim)}`;
}

function showDim(dim: Dim | undefined): string {
  if (dim === null || dim === undefined) return '?';
  return typeof dim === 'number' ? String(dim) : `'${dim}'`;
}

function describeOp(opType: string, domain: string | undefined): string {
  if (!domain) return `a ${opType} node`;
  return `a ${opType} node (domain '${domain}')`;
}
