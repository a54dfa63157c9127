/**
 * TensorRT's `MultiscaleDeformableAttnPlugin_TRT`: its whole identity ({@link MSDA_PLUGIN}: op
 * type, domain, accepted versions, namespace, contract) in one place. The contract is the node as
 * onnx-surgeon emits it (and as TensorRT's plugin `supportsFormatCombination` /
 * `getOutputDimensions` expect):
 *
 * | slot | role | dims | dtype |
 * |---|---|---|---|
 * | input 0 | value | [N, S, M, D] | T |
 * | input 1 | spatial_shapes | [L, 2], rows (H, W) | int32 |
 * | input 2 | level_start_index | [L] | int32 |
 * | input 3 | sampling_locations | [N, Lq, M, L, P, 2], (x, y) | T |
 * | input 4 | attention_weights | [N, Lq, M, L, P] | T |
 * | output 0 | output | [N, Lq, M, D] | T |
 *
 * with T float32 or float16. Where the level tables are constants: every H, W >= 1,
 * S = sum(H*W), and level_start_index is the exclusive cumulative sum of H*W (the kernel reads
 * level l at value[:, level_start_index[l] : + H*W] and never checks).
 */
import { DType, type Node } from '../../ir/index.js';
import {
  type ContractContext, type ContractOptions, type ContractViolation, type PluginContract, type PluginIdentity, checkContract,
} from '../contract.js';

/** The op type TensorRT's ONNX parser maps to the plugin creator. */
const OP_TYPE = 'MultiscaleDeformableAttnPlugin_TRT';
/**
 * `plugin_version` values TensorRT has a creator for; fuse-msda writes the first unless told
 * otherwise. "1" (IPluginV2DynamicExt) is in every TensorRT from 8.4.1; "2" (IPluginV3, TensorRT
 * >= 10.11, which deprecates "1") "mirrors version 1 in IO and attributes" (the plugin's README).
 */
const VERSIONS: readonly string[] = ['1', '2'];
/** `plugin_namespace` TensorRT registers the creator under. */
const NAMESPACE = '';

/**
 * Input slots of the plugin node, by role.
 *
 * @example
 * ```ts
 * const locations = node.input(MsdaInput.samplingLocations);
 * ```
 * @group MSDA plugin
 */
export const MsdaInput = {
  value: 0,
  spatialShapes: 1,
  levelStartIndex: 2,
  samplingLocations: 3,
  attentionWeights: 4,
} as const;

/**
 * Declarative contract of `MultiscaleDeformableAttnPlugin_TRT` (see the module comment).
 *
 * @example
 * ```ts
 * checkContract(msdaContract, node).map((v) => v.message);
 * ```
 * @group MSDA plugin
 */
export const msdaContract: PluginContract = {
  opType: OP_TYPE,
  types: { T: [DType.FLOAT, DType.FLOAT16], I: [DType.INT32] },
  inputs: [
    { name: 'value', type: 'T', dims: ['N', 'S', 'M', 'D'] },
    { name: 'spatial_shapes', type: 'I', dims: ['L', 2], dimNouns: { 0: 'rows' } },
    { name: 'level_start_index', type: 'I', dims: ['L'], dimNouns: { 0: 'entries' } },
    { name: 'sampling_locations', type: 'T', dims: ['N', 'Lq', 'M', 'L', 'P', 2] },
    { name: 'attention_weights', type: 'T', dims: ['N', 'Lq', 'M', 'L', 'P'] },
  ],
  outputs: [{ name: 'output', type: 'T', dims: ['N', 'Lq', 'M', 'D'] }],
  attributes: [
    // TensorRT's ONNX parser looks the creator up by (op type, plugin_version, plugin_namespace).
    { name: 'plugin_version', oneOfStrings: VERSIONS },
    { name: 'plugin_namespace', oneOfStrings: [NAMESPACE] },
  ],
  valueChecks: [checkLevelTables],
};

/**
 * Everything that identifies the plugin node: what fuse-msda writes, what `validate` and the
 * TensorRT build check, what `inspect` lists. A new plugin version is one more entry in
 * `versions` (and the code that writes or reads what it changes).
 *
 * @example
 * ```ts
 * const plugins = graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType);
 * model.ensureOpset(MSDA_PLUGIN.domain, MSDA_PLUGIN.domainVersion);
 * ```
 * @group Plugin contracts
 */
export const MSDA_PLUGIN: PluginIdentity = {
  opType: OP_TYPE,
  // A custom domain keeps onnx.checker from looking the op up in the ONNX domain; TensorRT's
  // parser ignores the domain, so the contract accepts any.
  domain: 'trt.plugins',
  domainVersion: 1,
  versions: VERSIONS,
  namespace: NAMESPACE,
  contract: msdaContract,
};

/**
 * All contract violations of one plugin node (empty when it is valid). Only statically known
 * facts are checked: unknown dims/dtypes are skipped, symbolic dims compare by name.
 *
 * @example
 * ```ts
 * const problems = validateMsdaNode(node);
 * // [{ node: 'msda_0', input: 'locs', message: "node 'msda_0': input 3 'sampling_locations' dim 3 (L) is 3 but spatial_shapes has 4 rows", ... }]
 * ```
 * @group MSDA plugin
 */
export function validateMsdaNode(node: Node, options: ContractOptions = {}): ContractViolation[] {
  return checkContract(msdaContract, node, options);
}

/** H, W >= 1; S = sum(H*W); level_start_index = exclusive cumsum of H*W, where constant. */
function checkLevelTables(context: ContractContext): ContractViolation[] {
  const violations: ContractViolation[] = [];
  const spatialShapes = context.constantInput(MsdaInput.spatialShapes);
  const levelStart = context.constantInput(MsdaInput.levelStartIndex);
  const levelStartValues = levelStart && levelStart.dims.length === 1 ? levelStart.toNumbers() : undefined;

  if (!spatialShapes || spatialShapes.dims.length !== 2 || spatialShapes.dims[1] !== 2) return violations;
  const flat = spatialShapes.toNumbers();
  const rows: [number, number][] = [];
  for (let l = 0; l < spatialShapes.dims[0]!; l++) rows.push([flat[2 * l]!, flat[2 * l + 1]!]);

  const bad = rows.findIndex(([H, W]) => H < 1 || W < 1);
  if (bad >= 0) {
    const [H, W] = rows[bad]!;
    violations.push(context.inputViolation(MsdaInput.spatialShapes, `row ${bad} is (H=${H}, W=${W}) but every level needs H >= 1 and W >= 1`, 'H >= 1 and W >= 1', `(${H}, ${W})`));
    return violations;
  }

  const pixels = rows.map(([H, W]) => H * W);
  const total = pixels.reduce((a, b) => a + b, 0);
  const S = context.size('S');
  if (S !== undefined && S !== total) {
    violations.push(context.inputViolation(MsdaInput.value, `dim 1 (S) is ${S} but spatial_shapes adds up to ${total} pixels (sum of H*W over ${describeRows(rows)})`, `S = ${total}`, String(S)));
  }

  if (levelStartValues && levelStartValues.length === rows.length) {
    const expected = exclusiveCumsum(pixels);
    if (expected.some((v, i) => v !== levelStartValues[i])) {
      violations.push(context.inputViolation(
        MsdaInput.levelStartIndex,
        `is [${levelStartValues.join(', ')}] but the exclusive cumulative sum of H*W over ${describeRows(rows)} is [${expected.join(', ')}]`,
        `[${expected.join(', ')}]`, `[${levelStartValues.join(', ')}]`,
      ));
    }
  }
  return violations;
}

function exclusiveCumsum(values: readonly number[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const v of values) {
    out.push(sum);
    sum += v;
  }
  return out;
}

function describeRows(rows: readonly [number, number][]): string {
  return rows.map(([H, W]) => `${H}x${W}`).join(', ');
}
