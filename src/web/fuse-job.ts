/**
 * What the web page's worker does with the files a user chose: `onnx-surgeon fuse-msda IN -o OUT
 * [--report]` in a browser. Same pass, same options, same report and same summary text as the CLI;
 * the output files as Blobs of parts (`save.ts`), byte-identical to what the CLI writes.
 */
import { type FuseMsdaCliReport, formatFuseMsdaSummary } from '../cli/fuse-msda-summary.js';
import { renderSiteSvg } from '../draw/site.js';
import { OnnxSurgeonError } from '../errors.js';
import type { Model } from '../ir/model.js';
import { externalLocations } from '../onnx/external-refs.js';
import type { ModelProto } from '../onnx/proto-types.js';
import { type MsdaSites, findMsdaSites, fuseMsda } from '../passes/fuse-msda/index.js';
import { type LoadedFiles, type NamedBlob, loadModelFromFiles } from './load.js';
import { type ModelBlobs, modelToBlobs } from './save.js';

/** The CLI options the page offers (`fuse-msda --plugin-version`, `--exact-precision`, `--inline`). */
export interface FuseJobOptions {
  /** The output's file name (`-o`); external data goes to `<name>.data`, as in the CLI. */
  outputName: string;
  /** `auto` (the CLI's default: external data if the input had any) or `inline` (`--inline`). */
  storage?: 'auto' | 'inline';
  /** `--plugin-version` (default: the CLI's). */
  pluginVersion?: string;
  /** `--exact-precision`. */
  exactPrecision?: boolean;
}

/** Where a job is: `load`, `fuse` (done/total sites), `encode`. */
export type FuseJobProgress = (phase: 'load' | 'fuse' | 'encode', done: number, total: number) => void;

/** What a job produced. */
export interface FuseJobResult {
  /** The report `--json` prints and `--report` writes. */
  report: FuseMsdaCliReport;
  /** `--report`'s file text, byte for byte. */
  reportJson: string;
  /** What the CLI prints (the per-site tables). */
  summary: string;
  /** The fused model's files. */
  files: ModelBlobs;
  /** The fused model (for pictures). */
  fused: Model;
  /** The files it was loaded from. */
  loaded: LoadedFiles;
  /** The external data files chosen with it. */
  dataFiles: readonly NamedBlob[];
  /** The options it ran with. */
  options: FuseJobOptions;
}

/**
 * Loads, fuses and encodes, as `onnx-surgeon fuse-msda <model> -o <outputName>` does.
 *
 * @example
 * ```ts
 * const job = runFuseJob(new File([], 'detr.onnx'), [], { outputName: 'detr.fused.onnx' }); // in a worker
 * job.summary; // 'detr.onnx: 6 MSDA sites found, 6 fused, 0 skipped ...'
 * ```
 */
export function runFuseJob(modelFile: NamedBlob, dataFiles: readonly NamedBlob[], options: FuseJobOptions, onProgress?: FuseJobProgress): FuseJobResult {
  onProgress?.('load', 0, 1);
  const loaded = loadModelFromFiles(modelFile, dataFiles);
  requireDataFiles(loaded);
  onProgress?.('load', 1, 1);
  const pass = fuseMsda(loaded.model, {
    ...(options.pluginVersion !== undefined ? { pluginVersion: options.pluginVersion } : {}),
    exactPrecision: Boolean(options.exactPrecision),
    allowInvalid: false,
    onProgress: (done, total) => onProgress?.('fuse', done, total),
  });
  onProgress?.('encode', 0, 1);
  const files = modelToBlobs(loaded.model, loaded, options.outputName, options.storage ?? 'auto');
  onProgress?.('encode', 1, 1);
  const report: FuseMsdaCliReport = { input: modelFile.name, output: options.outputName, ...pass };
  return {
    report, reportJson: `${JSON.stringify(report, null, 2)}\n`, summary: formatFuseMsdaSummary(report), files, fused: loaded.model, loaded, dataFiles, options,
  };
}

/** Fails before any work when a data file the model names was not chosen (the CLI fails on it too, later). */
function requireDataFiles(loaded: LoadedFiles): void {
  const missing = externalLocations(loaded.model.serdeOrigin as ModelProto).filter((location) => !loaded.dataFile(location));
  if (missing.length) {
    throw new OnnxSurgeonError('external-data', `the model keeps tensors in ${missing.map((m) => `'${m}'`).join(', ')}, which ${missing.length === 1 ? 'was' : 'were'} not chosen`, {
      file: loaded.modelFile.name, expected: 'the data files chosen together with the .onnx file',
    });
  }
}

/** Pictures of a job's sites, drawn on demand (a large model has hundreds). */
export class SitePictures {
  private original: { model: Model; sites: MsdaSites } | undefined;
  private fusedSites: MsdaSites | undefined;

  constructor(private readonly job: FuseJobResult) {}

  /**
   * The SVG pictures of the report's site `index`: as exported, and (when fused) the plugin node
   * in the fused model. The original is loaded again from the same files the first time.
   */
  site(index: number): { before: string; after?: string } {
    const site = this.job.report.sites[index];
    if (!site) return { before: '' };
    this.original ??= this.loadOriginal();
    const info = this.original.sites.sites.find((s) => s.report.gridSamples[0] === site.gridSamples[0]);
    const before = info ? renderSiteSvg(this.original.model, info, { when: 'before', sites: this.original.sites }) : '';
    const plugin = site.pluginNode !== undefined ? this.job.fused.graph.nodes.find((n) => n.name === site.pluginNode) : undefined;
    if (!plugin) return { before };
    this.fusedSites ??= findMsdaSites(this.job.fused);
    return { before, after: renderSiteSvg(this.job.fused, plugin, { sites: this.fusedSites }) };
  }

  private loadOriginal(): { model: Model; sites: MsdaSites } {
    const { model } = loadModelFromFiles(this.job.loaded.modelFile, this.job.dataFiles);
    return { model, sites: findMsdaSites(model, { exactPrecision: Boolean(this.job.options.exactPrecision) }) };
  }
}
