/**
 * What `fuse-msda` reports, per site and in total. The same object is returned by the library
 * call, printed by the CLI and written as JSON with `--report`.
 */

/** The plugin signature of one fused site (symbolic sizes as text, e.g. `batch`). */
export interface MsdaSignature {
  /** Batch. */
  N: string;
  /** Number of value tokens (sum of H*W). */
  S: string;
  /** Heads. */
  M: string;
  /** Channels per head. */
  D: string;
  /** Queries. */
  Lq: string;
  /** Levels. */
  L: number;
  /** Sampling points per level and head. */
  P: string;
  /** (H, W) per level. */
  spatialShapes: [string, string][];
  /** First token of each level in the value. */
  levelStartIndex: string[];
  /** Element type of value, locations, weights and output. */
  dtype: 'float32' | 'float16';
  /** True when the plugin reads the sampling locations through a widening Cast (they are computed in a narrower type). */
  locationsCast: boolean;
  /** True when the plugin reads the value through a widening Cast (mixed-precision exports keep it in float16). */
  valueCast: boolean;
  /** Points of each level (unequal counts are padded to `P`). */
  pointsPerLevel: string[];
}

/** One candidate site and what happened to it. */
export interface MsdaSiteReport {
  /** Readable name derived from the site's nodes (e.g. `/layers.0/`). */
  name: string;
  status: 'fused' | 'skipped';
  /** Why a site was skipped (the first thing that could not be proved). */
  reason?: string;
  /** GridSample nodes of the site, in level order. */
  gridSamples: string[];
  /** Name of the plugin node that replaced the site. */
  pluginNode?: string;
  signature?: MsdaSignature;
  /** What the fused site does differently but exactly, or rounds once (padding, float64 locations). */
  notes?: string[];
}

/** The whole pass. */
export interface FuseMsdaReport {
  /** Candidate sites found (fused + skipped). */
  sitesFound: number;
  fused: number;
  skipped: number;
  /** Plugin nodes already in the model before the pass (a second run finds only these). */
  alreadyFused: number;
  /** GridSample nodes left in the model after the pass. */
  gridSamplesLeft: number;
  nodesBefore: number;
  nodesAfter: number;
  dryRun: boolean;
  sites: MsdaSiteReport[];
}
