/**
 * What `fuse-msda` prints for people: the totals and the per-site tables. Pure text (no Node API),
 * so the web page (`src/web/`) shows the very same table.
 */
import type { FuseMsdaReport, MsdaSiteReport } from '../passes/fuse-msda/report.js';
import type { SanitizeReport } from '../passes/sanitize/index.js';
import { SUMMARY_WIDTH, formatSpatialShapes, legendLines } from './site-text.js';
import { renderTable } from './table.js';

/** What `fuse-msda --json` prints and `--report` writes: the pass report plus the files. */
export interface FuseMsdaCliReport extends FuseMsdaReport {
  /** The model read. */
  input: string;
  /** The model written, or null for `--dry-run` and for a `--require-all` run that left a site unfused. */
  output: string | null;
  /** Why `-o` was not written although given (`--require-all` and a site left unfused). */
  notWritten?: string;
  /** What `--fold-constants` did before fusing (the fusion's node counts start after it). */
  folding?: SanitizeReport;
}

/**
 * The human-readable summary: totals, then one row per site with its status, the plugin signature
 * (N, S, M, D, Lq, L, P) and the spatial shapes in readable names (a legend says what they
 * stand for; `--json` keeps the exact expressions), or the reason it was skipped.
 */
export function formatFuseMsdaSummary(report: FuseMsdaCliReport): string {
  const lines: string[] = [];
  const sites = report.sitesFound === 1 ? 'site' : 'sites';
  const done = report.dryRun ? `${report.fusable} fusable` : `${report.fused} fused`;
  lines.push(`${report.input}: ${report.sitesFound} MSDA ${sites} found, ${done}, ${report.skipped} skipped` +
    (report.alreadyFused ? ` (${report.alreadyFused} already fused)` : ''));
  if (report.sites.length) {
    const proved = report.sites.filter((s) => s.status !== 'skipped');
    if (proved.length) lines.push('', ...renderTable(SIGNATURE_COLUMNS, proved.map(signatureRow), '  '));
    lines.push(...legendLines(report.dimLegend));
    const skipped = report.sites.filter((s) => s.status === 'skipped');
    if (skipped.length) {
      lines.push('');
      lines.push(...renderTable(SKIPPED_COLUMNS, skipped.map(skippedRow), '  ', SUMMARY_WIDTH));
    }
    lines.push('');
  }
  const nodes = `nodes: ${report.nodesBefore} -> ${report.nodesAfter}, GridSample left: ${report.gridSamplesLeft}`;
  lines.push(report.dryRun ? `${nodes} (projected)` : nodes);
  lines.push(report.notWritten !== undefined ? `nothing written (${report.notWritten})`
    : report.output === null ? 'dry run: nothing written' : `wrote ${report.output}`);
  return `${lines.join('\n')}\n`;
}

/** The columns of the table of proved sites. */
export const SIGNATURE_COLUMNS = [
  { header: 'site' }, { header: 'status' }, { header: 'N', right: true }, { header: 'S', right: true },
  { header: 'M', right: true }, { header: 'D', right: true }, { header: 'Lq', right: true }, { header: 'L', right: true },
  { header: 'P', right: true }, { header: 'spatial shapes (HxW)' }, { header: 'dtype' },
];

/** One proved site's row under {@link SIGNATURE_COLUMNS}. */
export function signatureRow(site: MsdaSiteReport): string[] {
  const g = site.signature!;
  const r = g.readable ?? g;
  return [site.name, site.status, r.N, r.S, r.M, r.D, r.Lq, String(g.L), r.P, formatSpatialShapes(r.spatialShapes), g.dtype];
}

/** The columns of the table of skipped sites. */
export const SKIPPED_COLUMNS = [{ header: 'site' }, { header: 'status' }, { header: 'reason' }];

/** One skipped site's row under {@link SKIPPED_COLUMNS}: the reason in the user's words. */
export function skippedRow(site: MsdaSiteReport): string[] {
  return [site.name, site.status, site.reason ?? ''];
}
