/**
 * Options and report of the float16 conversion, and the report as lines of text.
 */

/** Options of {@link convertToFloat16}. */
export interface Float16Options {
  /** Op types whose nodes stay float32 (e.g. `['LayerNormalization', 'Softmax']`). */
  keepOpTypes?: readonly string[];
  /** Node names that stay float32. A name that matches no node is an error. */
  keepNodes?: readonly string[];
  /**
   * Convert float32 graph inputs and outputs too (default false: they keep their types, with
   * Casts behind the inputs and in front of the outputs).
   */
  convertIo?: boolean;
  /**
   * Let `MultiscaleDeformableAttnPlugin_TRT` run in float16 (default false). By default the
   * plugin's value, sampling locations, attention weights and output stay float32, and so does the
   * elementwise chain that computes the sampling locations: TensorRT's float16 MSDA kernel was
   * measured 2e-2 to 1e-1 off at Deformable-DETR map sizes (docs/tensorrt.md).
   */
  msdaFp16?: boolean;
}

/** Why a node stays float32. */
export type KeepReason =
  | 'listed-op-type'
  | 'listed-node'
  | 'msda-plugin'
  | 'msda-sampling-locations'
  | 'no-float16-typing'
  | 'subgraph'
  | 'constant-arithmetic'
  | 'unrepresentable-constant'
  | 'random-or-attribute-typed';

/** One node that stays float32 although it computes on float32 values. */
export interface KeptNode {
  /** Node label (its name, or `OpType -> output` when unnamed). */
  node: string;
  opType: string;
  reason: KeepReason;
}

/** A float32 constant (initializer or Constant node) that was not converted. */
export interface KeptConstant {
  /** Initializer name, or the Constant node's output name. */
  name: string;
  /** `overflow`: finite values beyond ±65504; `underflow`: a small constant whose non-zero values would become 0; `float32-uses`: read by float32 nodes. */
  reason: 'overflow' | 'underflow' | 'float32-uses';
  /** e.g. `3 of 1024 values beyond ±65504 (max 1e9)`. */
  detail?: string;
}

/** What {@link convertToFloat16} did. */
export interface Float16Report {
  /** Nodes now computing in float16. */
  convertedNodes: number;
  /** Nodes that compute on float32 values and stay float32, with the reason. */
  keptNodes: KeptNode[];
  /** Cast nodes inserted at float32/float16 boundaries. */
  castsInserted: number;
  /** Float32 initializers and Constant nodes converted, and their float32 size in bytes. */
  convertedConstants: { count: number; float32Bytes: number };
  /** Float32 constants left as they are. */
  keptConstants: KeptConstant[];
  /** Values in converted constants that became 0 (non-zero in float32; large tensors only). */
  flushedToZero: number;
  /** Graph inputs and outputs that stayed float32 (Casts inserted), by name. */
  keptIo: string[];
  /** `MultiscaleDeformableAttnPlugin_TRT` nodes and the precision they run in. */
  msda: { nodes: number; precision: 'float32' | 'float16' };
}

const REASON_TEXT: Record<KeepReason, string> = {
  'listed-op-type': 'op type listed to stay float32',
  'listed-node': 'node listed to stay float32',
  'msda-plugin': 'MSDA plugin (its float16 kernel is inaccurate; --msda-fp16 allows it)',
  'msda-sampling-locations': 'computes MSDA sampling locations',
  'no-float16-typing': 'no float16 form (op type constraints, custom domain or unknown op)',
  subgraph: 'has subgraphs (If/Loop/Scan)',
  'constant-arithmetic': 'arithmetic on constants and shapes only',
  'unrepresentable-constant': 'reads a constant float16 cannot hold',
  'random-or-attribute-typed': 'output type set by an attribute (random generators)',
};

/**
 * The report as text lines for a terminal.
 *
 * @example
 * ```ts
 * const report = convertToFloat16(model);
 * process.stdout.write(float16ReportLines(report).map((l) => `${l}\n`).join(''));
 * ```
 */
export function float16ReportLines(report: Float16Report): string[] {
  const mib = (report.convertedConstants.float32Bytes / 2 ** 20).toFixed(1);
  const lines = [
    `fp16: ${report.convertedNodes} nodes converted, ${report.keptNodes.length} kept float32, ${report.castsInserted} casts inserted; ` +
      `${report.convertedConstants.count} constants converted (${mib} MiB of float32), ${report.keptConstants.length} kept float32`,
  ];
  if (report.msda.nodes) {
    lines.push(`fp16: MultiscaleDeformableAttnPlugin_TRT x${report.msda.nodes} runs in ${report.msda.precision}` +
      (report.msda.precision === 'float32' ? ' with its sampling locations (pass --msda-fp16 to convert them)' : ' (--msda-fp16)'));
  }
  const byReason = new Map<KeepReason, KeptNode[]>();
  for (const kept of report.keptNodes) byReason.set(kept.reason, [...(byReason.get(kept.reason) ?? []), kept]);
  for (const [reason, nodes] of byReason) {
    const names = nodes.slice(0, 4).map((n) => `'${n.node}'`).join(', ');
    lines.push(`fp16: kept float32, ${REASON_TEXT[reason]}: ${nodes.length} node(s)${names ? ` (${names}${nodes.length > 4 ? ', ...' : ''})` : ''}`);
  }
  for (const constant of report.keptConstants.filter((c) => c.reason !== 'float32-uses')) {
    lines.push(`fp16: constant '${constant.name}' kept float32 (${constant.reason}${constant.detail ? `: ${constant.detail}` : ''})`);
  }
  if (report.flushedToZero) lines.push(`fp16: ${report.flushedToZero} small non-zero weight value(s) became 0 in float16`);
  if (report.keptIo.length) lines.push(`fp16: graph inputs/outputs kept float32: ${report.keptIo.join(', ')}`);
  return lines;
}
