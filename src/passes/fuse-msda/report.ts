/**
 * What `fuse-msda` reports, per site and in total. The same object is returned by the library
 * call, printed by the CLI and written as JSON with `--report`.
 */

/**
 * The plugin signature of one fused site (symbolic sizes as text, e.g. `batch`).
 *
 * @group fuse-msda
 */
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
  /**
   * The symbolic sizes spelled for people (input dims named `H`, `W`; `h32 = ceil(H/32)`), as
   * `FuseMsdaReport.dimLegend` explains; absent when every size is already readable (static
   * exports, user-named dims). The fields above keep the exact canonical expressions.
   */
  readable?: ReadableMsdaSizes;
}

/**
 * {@link MsdaSignature}'s sizes in readable spelling (see `DimNames` in `onnx-surgeon/shape`).
 *
 * @group fuse-msda
 */
export interface ReadableMsdaSizes {
  N: string;
  S: string;
  M: string;
  D: string;
  Lq: string;
  P: string;
  spatialShapes: [string, string][];
  levelStartIndex: string[];
}

/**
 * One candidate site and what happened to it.
 *
 * @group fuse-msda
 */
export interface MsdaSiteReport {
  /** Readable name derived from the site's nodes (e.g. `/layers.0/`). */
  name: string;
  /** `fusable` only in a dry run: it would be fused. */
  status: 'fused' | 'fusable' | 'skipped';
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

/**
 * The whole pass.
 *
 * @group fuse-msda
 */
export interface FuseMsdaReport {
  /** Candidate sites found (fused, or fusable in a dry run, + skipped). */
  sitesFound: number;
  /** Sites fused (0 in a dry run). */
  fused: number;
  /** Sites a dry run found it would fuse (0 when not a dry run). */
  fusable: number;
  skipped: number;
  /** Plugin nodes already in the model before the pass (a second run finds only these). */
  alreadyFused: number;
  /** GridSample nodes left in the model after the pass (in a dry run: that fusing would leave). */
  gridSamplesLeft: number;
  nodesBefore: number;
  /** Nodes after the pass; in a dry run, the count fusing would leave. */
  nodesAfter: number;
  dryRun: boolean;
  sites: MsdaSiteReport[];
  /**
   * What the names in the sites' `signature.readable` stand for (`N, H, W: pixel_values dims 0,
   * 2, 3 (s6, s37, s46 in the model)`, `h32 = ceil(H/32)`); absent when nothing was renamed.
   */
  dimLegend?: string[];
}
