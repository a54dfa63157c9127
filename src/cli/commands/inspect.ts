/**
 * `onnx-surgeon inspect IN`: what is in a model (header, inputs/outputs, op histogram, weights,
 * local functions, plugin nodes), one MSDA site in detail (`--site`), or a Graphviz picture of a
 * site before and after fusion (`--dot`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CheckProblem, type CheckReport, checkExternalDataFiles, checkModel } from '../../check/index.js';
import { OnnxSurgeonError } from '../../errors.js';
import { writeFileAtomic } from '../../onnx/files.js';
import { type FuseMsdaReport, type MsdaSiteReport, type SelectedMsdaSite, findMsdaSites, fuseMsda, selectMsdaSite } from '../../passes/fuse-msda/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { loadModel } from '../../serde/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { formatListing } from '../inspect/format-listing.js';
import { type ModelListing, SHOW_CHOICES, type ShowWhat, listModel } from '../inspect/listing.js';
import { type ModelSummary, formatShapeText, summarizeModel } from '../inspect/summary.js';
import { type CommandIo, processIo } from '../io.js';
import { CommandFiles, nonNegativeInteger } from '../output-path.js';
import { createProgress } from '../progress.js';
import { formatCheckReport } from './check.js';
import { reportError } from '../report-error.js';
import { wrapText } from '../../text.js';
import { SUMMARY_WIDTH, formatSpatialShapes, legendLines } from '../site-text.js';
import { formatBytes, renderTable } from '../table.js';

/** Parsed options of `inspect`. */
export interface InspectCliOptions {
  json?: boolean;
  dot?: boolean;
  svg?: boolean;
  when?: 'before' | 'after' | 'both';
  site?: string;
  output?: string;
  depth?: number;
  check?: boolean;
  show?: ShowWhat[];
  quiet?: boolean;
}

/** One MSDA site as `inspect --site` shows it: a dry-run site report, or a plugin node already in the model. */
export type InspectedSite =
  | { kind: 'unfused'; report: MsdaSiteReport; projection: Projection; dimLegend?: string[] }
  | { kind: 'plugin'; node: string; inputs: string[]; output: string };

/** What fusing the whole model would leave (a dry run's counts). */
export interface Projection {
  nodesBefore: number;
  nodesAfter: number;
  gridSamplesLeft: number;
}

const EXAMPLES = `
Examples:
  # header, inputs/outputs, op histogram, weights, plugin nodes
  onnx-surgeon inspect detr.onnx

  # the same as JSON
  onnx-surgeon inspect detr.onnx --json

  # one MSDA site (names as printed by 'fuse-msda --dry-run', or a plugin node name, or a number)
  onnx-surgeon inspect detr.onnx --site /model/encoder/layers.0/

  # a picture of the first site before and after fusion (SVG, no Graphviz needed)
  onnx-surgeon inspect detr.onnx --svg -o site.svg

  # the same picture as Graphviz DOT
  onnx-surgeon inspect detr.onnx --dot -o site.dot && dot -Tpng site.dot -o site.png

  # every node with its inputs and outputs (type, inferred shape), then every weight
  onnx-surgeon inspect detr.onnx --show layers,weights

  # every value's shape, as JSON
  onnx-surgeon inspect detr.onnx --show shapes --json | jq '.shapes[] | select(.name == "logits")'

  # the summary and every problem 'onnx-surgeon check' finds; exit 1 when there are errors
  onnx-surgeon inspect detr.onnx --check

A tensor whose external data file is missing (or too short) is warned about on stderr: the
summary reads no weights, but every command that does will fail. With --check it is an error.

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
    .description('summarize a model; show or draw (SVG, Graphviz DOT) its MSDA sites')
    .argument('<in>', 'ONNX model')
    .option('--json', 'print the summary as JSON')
    .option('--site <name>', 'show one MSDA site: a site name from fuse-msda, a plugin node name, or a number (1 = first)')
    .addOption(new Option('--svg', 'draw a site (the first one unless --site) before and after fusion, as SVG').conflicts('dot'))
    .option('--dot', 'draw the same picture as Graphviz DOT text')
    .addOption(new Option('--when <which>', 'with --svg/--dot: which picture').choices(['before', 'after', 'both']).default('both'))
    .option('-o, --output <file>', 'with --svg/--dot: write the picture to this file instead of stdout')
    .option('--depth <hops>', `with --svg/--dot: producer hops drawn in front of the site (default ${DEFAULT_DEPTH})`, nonNegativeInteger('--depth'))
    .addOption(new Option('--show <what>', `list ${SHOW_CHOICES.join(', ')} (comma-separated or repeated): every node with its inputs and outputs, ` +
      'every initializer with its size and storage, every value\'s type and shape (as inferred)').argParser(showList).conflicts(['svg', 'dot']))
    .option('--check', 'also check the model as \'onnx-surgeon check\' does (structure, operator schemas, types, external data, plugin contracts): list the problems, exit 1 on errors')
    .option('--quiet', 'no progress display')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: InspectCliOptions) => {
      process.exitCode = await runInspectCommand(input, options, io);
    });
}

/** Default of `--depth` (the library's `DEFAULT_DEPTH_BEFORE`; kept here so the help needs no picture code). */
const DEFAULT_DEPTH = 3;

/** Runs `inspect`; prints and returns the exit code (exported for tests). */
export async function runInspectCommand(input: string, options: InspectCliOptions, io: CommandIo): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet, json: options.json });
  let files: CommandFiles | undefined;
  const drawing = Boolean(options.dot || options.svg);
  try {
    if (options.output !== undefined && !drawing) throw new OnnxSurgeonError('usage', '-o/--output is only for --svg or --dot');
    if (options.json && drawing && options.output === undefined) {
      throw new OnnxSurgeonError('usage', '--json and the picture both want stdout; write the picture with -o FILE');
    }
    files = new CommandFiles(input, { others: options.output !== undefined ? [{ role: '-o', path: options.output }] : [] });
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    files.modelLoaded(model);
    const summary = summarizeModel(model, input);
    if (options.check) progress.step('checking');
    const check = options.check ? checkModel(model) : undefined;
    const externalData = check ? check.problems.filter((p) => p.rule === 'external-data') : checkExternalDataFiles(model);
    if (options.show) progress.step('inferring shapes');
    const listing = options.show ? listModel(model, options.show) : undefined;
    let site: InspectedSite | undefined;
    if (options.site !== undefined || drawing) {
      progress.step('finding MSDA sites');
      const found = findMsdaSites(model);
      const selected = selectMsdaSite(found, options.site);
      site = describeSite(selected, fuseMsda(model, { dryRun: true, sites: found, allowInvalid: true }));
      if (drawing) {
        progress.step('drawing');
        const draw = await import('../../draw/index.js');
        const pictureOptions = { when: options.when ?? 'both', sites: found, ...(options.depth !== undefined && { depthBefore: options.depth }) };
        const target = selected.kind === 'plugin' ? selected.node : selected.site;
        const text = options.svg ? draw.renderSiteSvg(model, target, pictureOptions) : draw.renderSiteDot(model, target, pictureOptions);
        if (options.output !== undefined) {
          files.prepare(io, { quiet: options.quiet, progress });
          writeFileAtomic(options.output, [new TextEncoder().encode(text)]);
        } else io.stdout.write(text);
      }
    }
    progress.clear();
    // With --check the problems are in the check's list; without, the missing data is a warning.
    if (!check) for (const line of externalDataWarnings(input, externalData)) io.stderr.write(`${line}\n`);
    if (options.json) {
      const report: InspectJson = { ...summary, externalDataProblems: externalData, ...listing, ...(site && { site }), ...(check && { check }) };
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      if (!drawing) io.stdout.write(site ? formatSite(site) : formatSummary(summary));
      if (listing) io.stdout.write(`\n${formatListing(listing)}`);
      else if (options.output !== undefined && !options.quiet) {
        io.stdout.write(`wrote ${options.output}${options.dot ? ' (Graphviz DOT: dot -Tpng FILE -o site.png)' : ''}\n`);
      }
      if (check) io[drawing && options.output === undefined ? 'stderr' : 'stdout'].write(`\ncheck:\n${formatCheckReport(input, check)}`);
    }
    files.done();
    return check && !check.ok ? EXIT.checkFailed : EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}

/** Parses `--show` (comma-separated, repeatable) into the list of what to show. */
function showList(value: string, previous: ShowWhat[] = []): ShowWhat[] {
  const asked = value.split(',').map((w) => w.trim()).filter(Boolean);
  const unknown = asked.filter((w) => !(SHOW_CHOICES as readonly string[]).includes(w));
  if (unknown.length || !asked.length) throw new InvalidArgumentError(`expected ${SHOW_CHOICES.join(', ')} (comma-separated), got '${value}'`);
  return [...new Set([...previous, ...(asked as ShowWhat[])])];
}

/** What `inspect --json` prints (with `--show`, the lists asked for too). */
export interface InspectJson extends ModelSummary, ModelListing {
  /** Tensors whose external data file is missing, outside the model folder, or too short. */
  externalDataProblems: CheckProblem[];
  /** With `--site` or a picture: the site. */
  site?: InspectedSite;
  /** With `--check`: every problem `onnx-surgeon check` finds. */
  check?: CheckReport;
}

/**
 * One warning per distinct external data problem (a missing file is one line, not one per
 * tensor): the first tensor, how many more, what is wrong and where it looked.
 */
export function externalDataWarnings(input: string, problems: readonly CheckProblem[]): string[] {
  const byDetail = new Map<string, CheckProblem[]>();
  for (const p of problems) byDetail.set(p.detail, [...byDetail.get(p.detail) ?? [], p]);
  return [...byDetail].map(([detail, list]) => {
    const more = list.length > 1 ? ` and ${list.length - 1} more` : '';
    return `${input}: warning: tensor '${list[0]!.tensor}'${more}: ${detail}; the summary reads no weights, but commands that do will fail ` +
      `('inspect --check' or 'check' lists every problem)`;
  });
}

/** What `--site` prints (and `--json` writes) about the selected site. */
function describeSite(selected: SelectedMsdaSite, dryRun: FuseMsdaReport): InspectedSite {
  if (selected.kind === 'unfused') {
    const projection = { nodesBefore: dryRun.nodesBefore, nodesAfter: dryRun.nodesAfter, gridSamplesLeft: dryRun.gridSamplesLeft };
    return { kind: 'unfused', report: selected.site.report, projection, ...(dryRun.dimLegend && { dimLegend: dryRun.dimLegend }) };
  }
  const node = selected.node;
  return { kind: 'plugin', node: node.label, inputs: node.inputs.map((v) => v?.name ?? ''), output: node.output(0).name };
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
  const lines = [`site ${r.name}: ${r.status}`];
  if (r.reason) lines.push(...wrapText(r.reason, SUMMARY_WIDTH - 4).map((l) => `  ${l}`));
  lines.push(`  GridSample nodes: ${r.gridSamples.join(', ')}`);
  const g = r.signature;
  if (g) {
    const n = g.readable ?? g;
    lines.push(`  plugin signature: N=${n.N} S=${n.S} M=${n.M} D=${n.D} Lq=${n.Lq} L=${g.L} P=${n.P}, ${g.dtype}${g.locationsCast ? ' (locations cast)' : ''}`);
    lines.push(`  spatial shapes (HxW): ${formatSpatialShapes(n.spatialShapes)}`);
    lines.push(`  level start index: ${n.levelStartIndex.join(n.levelStartIndex.some((x) => x.includes(' ')) ? ', ' : ' ')}`);
    lines.push(...legendLines(site.dimLegend));
  }
  const p = site.projection;
  lines.push(`  fusing the model: nodes ${p.nodesBefore} -> ${p.nodesAfter}, GridSample left: ${p.gridSamplesLeft} (projected)`);
  return `${lines.join('\n')}\n`;
}
