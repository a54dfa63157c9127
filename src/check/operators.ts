/**
 * Nodes against the ONNX operator schemas their opset selects: the operator exists at that
 * opset, input and output counts, required slots, attribute names, types and values.
 */
import type { Attribute, Model, Node } from '../ir/index.js';
import { normalizeDomain } from '../ir/domain.js';
import { AttributeType } from '../onnx/proto-types.js';
import { attributeValueProblem } from './attribute-values.js';
import { type OpSchema, knownOpsetLimit, lookupOpSchema, schemaOpsetLimit } from './op-schema.js';
import type { ProblemList, ProblemPlace } from './problem.js';

/** How many nodes were judged against a schema, and why the others were not. */
export interface OperatorCoverage {
  /** Nodes checked against an ONNX schema. */
  checked: number;
  /** Nodes not checked, by reason (e.g. "GridSample-20: newer than the schema table (opset 17)"). */
  notChecked: Record<string, number>;
}

const KIND_TYPES: Readonly<Record<string, number>> = {
  float: AttributeType.FLOAT, int: AttributeType.INT, string: AttributeType.STRING, tensor: AttributeType.TENSOR,
  graph: AttributeType.GRAPH, floats: AttributeType.FLOATS, ints: AttributeType.INTS, strings: AttributeType.STRINGS,
  tensors: AttributeType.TENSORS, graphs: AttributeType.GRAPHS,
};

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(AttributeType).map(([name, code]) => [code, name]));

/** The schema a node is judged by, or undefined (reported or counted as not checked). */
export function checkNodeOperator(model: Model, node: Node, place: ProblemPlace, list: ProblemList, coverage: OperatorCoverage): OpSchema | undefined {
  for (const name of node.repeatedAttributes ?? []) {
    list.error('attribute-repeated', `attribute '${name}' is given more than once`, { ...place, expected: 'each attribute name once (onnxruntime refuses the node)' });
  }
  const domain = normalizeDomain(node.domain);
  const opset = model.opsetImports.get(domain) ?? (domain === '' ? model.opsetImports.get('ai.onnx') : undefined);
  const domainName = domain === '' ? 'ai.onnx' : domain;
  if (opset === undefined) {
    list.error('opset-import', `the model imports no opset of domain '${domainName}'`, { ...place, expected: `an opset_import entry for '${domainName}'` });
    return undefined;
  }
  const found = lookupOpSchema(domain, node.opType, opset);
  switch (found.kind) {
    case 'foreign':
      count(coverage, `domain '${domainName}': no ONNX schema (custom operators)`);
      return undefined;
    case 'unknown':
      list.error('unknown-op', `'${node.opType}' is not an operator of domain '${domainName}'`, {
        ...place, expected: `an operator ONNX defines (up to opset ${knownOpsetLimit(domain)})`,
      });
      return undefined;
    case 'not-yet':
      list.error('op-not-in-opset', `${node.opType} does not exist at opset ${opset} of '${domainName}'`, {
        ...place, expected: `opset ${found.since} or later (${node.opType}-${found.since} is its first version)`, found: `opset ${opset}`,
      });
      return undefined;
    case 'later':
      count(coverage, `${node.opType}-${found.version}: newer than the schema table (opset ${schemaOpsetLimit(domain)})`);
      checkAttributeValues(node, found.version, place, list);
      return undefined;
    default:
      coverage.checked++;
      checkAgainstSchema(node, found.schema, place, list);
      return found.schema;
  }
}

function count(coverage: OperatorCoverage, reason: string): void {
  coverage.notChecked[reason] = (coverage.notChecked[reason] ?? 0) + 1;
}

function checkAgainstSchema(node: Node, schema: OpSchema, place: ProblemPlace, list: ProblemList): void {
  const name = `${schema.op}-${schema.since}`;
  if (schema.deprecated) list.error('deprecated-op', `${name} is deprecated at this opset`, { ...place, expected: 'an operator the opset still defines' });
  const inputs = node.inputs.length;
  if (inputs < schema.minInputs || (schema.maxInputs >= 0 && inputs > schema.maxInputs)) {
    list.error('input-count', `has ${inputs} input${inputs === 1 ? '' : 's'}`, { ...place, expected: `${range(schema.minInputs, schema.maxInputs)} for ${name}`, found: String(inputs) });
  }
  const outputs = node.outputs.length;
  if (outputs < schema.minOutputs || (schema.maxOutputs >= 0 && outputs > schema.maxOutputs)) {
    list.error('output-count', `has ${outputs} output${outputs === 1 ? '' : 's'}`, { ...place, expected: `${range(schema.minOutputs, schema.maxOutputs)} for ${name}`, found: String(outputs) });
  }
  schema.inputs.forEach((formal, i) => {
    if (formal.option === 'single' && i < inputs && node.inputs[i] === undefined) {
      list.error('omitted-input', `input ${i} '${formal.name}' is omitted`, { ...place, expected: `a value: ${name} requires it` });
    }
  });
  schema.outputs.forEach((formal, i) => {
    if (formal.option === 'single' && i < outputs && node.outputs[i]!.name === '') {
      list.error('omitted-output', `output ${i} '${formal.name}' is omitted`, { ...place, expected: `a name: ${name} requires it` });
    }
  });
  checkAttributes(node, schema, place, list);
  checkAttributeValues(node, schema.since, place, list);
}

function range(min: number, max: number): string {
  if (max < 0) return `at least ${min}`;
  return min === max ? `exactly ${min}` : `${min} to ${max}`;
}

function checkAttributes(node: Node, schema: OpSchema, place: ProblemPlace, list: ProblemList): void {
  const name = `${schema.op}-${schema.since}`;
  for (const attribute of node.attributes.values()) {
    const declared = schema.attributes.get(attribute.name);
    if (!declared) {
      const known = [...schema.attributes.keys()];
      list.error('attribute-unknown', `has attribute '${attribute.name}', which ${name} does not define`, {
        ...place, expected: known.length ? `one of ${known.join(', ')}` : 'no attributes',
      });
      continue;
    }
    const type = attributeType(attribute);
    if (attribute.refAttrName === undefined && type !== declared.type) {
      list.error('attribute-type', `attribute '${attribute.name}' is of the wrong type`, {
        ...place, expected: `${TYPE_NAMES[declared.type]} (${name})`, found: TYPE_NAMES[type] ?? String(type),
      });
    }
  }
  for (const [attribute, { required }] of schema.attributes) {
    if (required && !node.attributes.has(attribute)) {
      list.error('attribute-missing', `lacks the required attribute '${attribute}'`, { ...place, expected: `'${attribute}' set (${name} requires it)` });
    }
  }
}

/** The AttributeProto type of an IR attribute. */
function attributeType(attribute: Attribute): number {
  const v = attribute.value;
  return v.kind === 'opaque' ? v.type : KIND_TYPES[v.kind] ?? AttributeType.UNDEFINED;
}

/** Enumerated values (modes, flags, element types) of ai.onnx operators. */
function checkAttributeValues(node: Node, since: number, place: ProblemPlace, list: ProblemList): void {
  if (normalizeDomain(node.domain) !== '') return;
  for (const attribute of node.attributes.values()) {
    const v = attribute.value;
    const value = v.kind === 'string' ? new TextDecoder().decode(v.value) : v.kind === 'int' ? Number(v.value) : undefined;
    if (value === undefined) continue;
    const problem = attributeValueProblem(node.opType, since, attribute.name, value);
    if (!problem) continue;
    list.error('attribute-value', `attribute '${attribute.name}' has a value ${node.opType}-${since} does not define${problem.hint ? ` (${problem.hint})` : ''}`, {
      ...place, expected: problem.expected, found: typeof value === 'string' ? `'${value}'` : String(value),
    });
  }
}
