/**
 * `onnx-surgeon inspect IN`: what is in a model (header, inputs/outputs, op histogram, weights,
 * local functions, plugin nodes), one MSDA site in detail (`--site`), or a Graphviz picture of a
 * site before and after fusion (`--dot`).
 */
import { Command } from 'commander';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../../errors.js';
import type { Model } from '../../ir/index.js';
import { writeFileAtomic } from '../../onnx/files.js';
import { type MsdaSiteReport, type SelectedMsdaSite, findMsdaSites, fuseMsda, selectMsdaSite } from '../../passes/fuse-msda/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { loadModel } from '../../serde/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type DotRegion, msdaRegionBefore, pluginRegion, renderDot } from '../inspect/dot.js';
import { type ModelSummary, formatShapeText, summarizeModel } from '../inspect/summary.js';
import { type CommandIo, processIo } from '../io.js';
import { CommandFiles, nonNegativeInteger } from '../output-path.js';
import { createProgress } from '../progress.js';
import { reportError } from '../report-error.js';
import { formatBytes, renderTable } from '../table.js';

/** Parsed options of `inspect`. */
export interface InspectCliOptions {
  json?: boolean;
  dot?: boolean;
  site?: string;
  output?: string;
  depth?: number;
  quiet?: boolean;
}

/** One MSDA site as `inspect --site` shows it: a dry-run site report, or a plugin node already in the model. */
export type InspectedSite =
  | { kind: 'unfused'; report: MsdaSiteReport }
  | { kind: 'plugin'; node: string; inputs: string[]; output: string };

const EXAMPLES = `
Examples:
  # header, inputs/outputs, op histogram, weights, plugin nodes
  onnx-surgeon inspect detr.onnx

  # the same as JSON
  onnx-surgeon inspect detr.onnx --json

  # one MSDA site (names as printed by 'fuse-msda --dry-run', or a plugin node name)
  onnx-surgeon inspect detr.onnx --site /model/encoder/layers.0/

  # draw the first site before and after fusion (Graphviz)
  onnx-surgeon inspect detr.onnx --dot -o site.dot && dot -Tsvg site.dot -o site.svg

${EXIT_CODES_HELP}
`;

/**
 * The `inspect` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(inspectCommand());
 * ```
 */
export function inspectCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('inspect'), io)
    .description('summarize a model; show or draw (Graphviz DOT) its MSDA sites')
    .argument('<in>', 'ONNX model')
    .option('--json', 'print the summary as JSON')
    .option('--site <name>', 'show one MSDA site: a site name from fuse-msda, a plugin node name, or a number (1 = first)')
    .option('--dot', 'print a Graphviz DOT picture of a site (the first one unless --site) before and after fusion')
    .option('-o, --output <file>', 'with --dot: write the DOT text to this file instead of stdout')
    .option('--depth <hops>', 'with --dot: producer hops drawn in front of the site (default 4)', nonNegativeInteger('--depth'))
    .option('--quiet', 'no progress display')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: InspectCliOptions) => {
      process.exitCode = await runInspectCommand(input, options, io);
    });
}

/** Runs `inspect`; prints and returns the exit code (exported for tests). */
export async function runInspectCommand(input: string, options: InspectCliOptions, io: CommandIo): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet, json: options.json });
  let files: CommandFiles | undefined;
  try {
    if (options.output !== undefined && !options.dot) throw new OnnxSurgeonError('usage', '-o/--output is only for --dot');
    if (options.json && options.dot && options.output === undefined) {
      throw new OnnxSurgeonError('usage', '--json and --dot both want stdout; write the picture with --dot -o FILE');
    }
    files = new CommandFiles(input, { others: options.output !== undefined ? [{ role: '-o', path: options.output }] : [] });
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    files.modelLoaded(model);
    const summary = summarizeModel(model, input);
    let selected: SelectedMsdaSite | undefined;
    if (options.site !== undefined || options.dot) {
      progress.step('finding MSDA sites');
      selected = selectMsdaSite(findMsdaSites(model), options.site);
    }
    const site = selected && describeSite(selected);
    if (options.dot) {
      const regionOptions = options.depth !== undefined ? { depthBefore: options.depth } : {};
      const dot = renderDot(dotRegions(model, selected!, regionOptions));
      if (options.output !== undefined) {
        files.prepare(io, { quiet: options.quiet, progress });
        writeFileAtomic(options.output, [new TextEncoder().encode(dot)]);
      } else io.stdout.write(dot);
    }
    progress.clear();
    if (options.json) {
      io.stdout.write(`${JSON.stringify(site ? { ...summary, site } : summary, null, 2)}\n`);
    } else if (!options.dot) {
      io.stdout.write(site ? formatSite(site) : formatSummary(summary));
    } else if (options.output !== undefined && !options.quiet) {
      io.stdout.write(`wrote ${options.output} (render: dot -Tsvg ${options.output} -o ${path.basename(options.output, '.dot')}.svg)\n`);
    }
    files.done();
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}

/** What `--site` prints (and `--json` writes) about the selected site. */
function describeSite(selected: SelectedMsdaSite): InspectedSite {
  if (selected.kind === 'unfused') return { kind: 'unfused', report: selected.site.report };
  const node = selected.node;
  return { kind: 'plugin', node: node.label, inputs: node.inputs.map((v) => v?.name ?? ''), output: node.output(0).name };
}

/** Before (as exported) and, when the site fuses, after (fused in an in-memory copy). */
function dotRegions(model: Model, selected: SelectedMsdaSite, options: { depthBefore?: number }): DotRegion[] {
  const graph = model.graph;
  if (selected.kind === 'plugin') {
    const plugin = selected.node;
    return [{ title: `fused: ${plugin.label}`, nodes: pluginRegion(graph, plugin, options), highlight: new Set([plugin]), graph }];
  }
  const { report, gridSamples } = selected.site;
  const status = report.status === 'fused' ? 'fusable' : `skipped: ${report.reason ?? ''}`;
  const regions: DotRegion[] = [{
    title: `before: ${report.name} (${gridSamples.length} GridSample, ${status})`,
    nodes: msdaRegionBefore(graph, gridSamples, options), highlight: new Set(gridSamples), graph,
  }];
  if (report.status === 'fused') {
    const copy = model.clone();
    const pluginName = fuseMsda(copy).sites.find((s) => s.name === report.name)?.pluginNode;
    const plugin = pluginName !== undefined ? copy.graph.nodes.find((n) => n.name === pluginName) : undefined;
    if (plugin) {
      regions.push({ title: `after: ${plugin.label}`, nodes: pluginRegion(copy.graph, plugin, options), highlight: new Set([plugin]), graph: copy.graph });
    }
  }
  return regions;
}

/** The text summary. */
export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file}`);
  lines.push(`  ir version ${s.irVersion}, opsets: ${Object.entries(s.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}`);
  lines.push(`  producer: ${s.producer}`);
  lines.push(`  graph '${s.graphName}': ${s.nodes} nodes${s.subgraphNodes ? ` (+${s.subgraphNodes} in subgraphs)` : ''}, ` +
    `${s.initializers.count} initializers (${formatBytes(s.initializers.bytes)}), ${s.functions.length} local functions`);
  const io = (title: string, values: ModelSummary['inputs']): void => {
    lines.push('', `${title}:`);
    lines.push(...renderTable([{ header: 'name' }, { header: 'dtype' }, { header: 'shape' }],
      values.map((v) => [v.name, v.dtype, formatShapeText(v.shape)]), '  '));
  };
  io('inputs', s.inputs);
  io('outputs', s.outputs);
  lines.push('', 'ops:');
  lines.push(...renderTable([{ header: 'op' }, { header: 'count', right: true }], Object.entries(s.ops).map(([op, n]) => [op, String(n)]), '  '));
  if (s.functions.length) lines.push('', `local functions: ${s.functions.join(', ')}`);
  lines.push('', s.pluginNodes.length ? 'plugin nodes:' : 'plugin nodes: none');
  if (s.pluginNodes.length) {
    lines.push(...renderTable([{ header: 'name' }, { header: 'op' }, { header: 'domain' }, { header: 'version' }, { header: 'namespace' }],
      s.pluginNodes.map((p) => [p.name, p.opType, p.domain, p.pluginVersion ?? '-', p.pluginNamespace === undefined ? '-' : JSON.stringify(p.pluginNamespace)]), '  '));
  }
  const gridSamples = s.ops['GridSample'] ?? 0;
  if (gridSamples) lines.push('', `${gridSamples} GridSample nodes: 'onnx-surgeon fuse-msda ${s.file} --dry-run' lists the MSDA sites`);
  return `${lines.join('\n')}\n`;
}

/** The text form of `--site`. */
export function formatSite(site: InspectedSite): string {
  if (site.kind === 'plugin') {
    return `plugin node ${site.node} (${MSDA_PLUGIN.opType})\n  inputs: ${site.inputs.join(', ')}\n  output: ${site.output}\n`;
  }
  const r = site.report;
  const lines = [`site ${r.name}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`, `  GridSample nodes: ${r.gridSamples.join(', ')}`];
  const g = r.signature;
  if (g) {
    lines.push(`  plugin signature: N=${g.N} S=${g.S} M=${g.M} D=${g.D} Lq=${g.Lq} L=${g.L} P=${g.P}, ${g.dtype}${g.locationsCast ? ' (locations cast)' : ''}`);
    lines.push(`  spatial shapes (HxW): ${g.spatialShapes.map(([h, w]) => `${h}x${w}`).join(' ')}`);
    lines.push(`  level start index: ${g.levelStartIndex.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
