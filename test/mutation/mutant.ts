/**
 * What a mutant is, and what a mutation class hands the generator. A mutant is one edit at one
 * point inside one MSDA site of a real fixture, identified by a stable id
 * `fixture/class/node/param` so a failure can be replayed (`MUTANT=<id>`, see docs/testing.md).
 * Mutants are built by name: a class inspects an analysis copy of the model and returns edits
 * that look their nodes up again by name in a fresh copy, so every mutant starts from the
 * fixture's bytes and no two mutants share state.
 */
import type { Model, Node, Value } from '../../src/index.js';
import { type Edge, nodeKey, nodeNamed, valueNamed } from './edit.js';
import type { Site } from './sites.js';

/** Dims and element type of a tensor in the unmutated model, as onnxruntime computed it. */
export interface ProbedTensor {
  dims: number[];
  dtype: number;
}

/** What a class sees of one site. The model is an analysis copy: read it, never edit it. */
export interface SiteContext {
  fixture: string;
  model: Model;
  site: Site;
  /** ONNX opset of the model. */
  opset: number;
  /** Tensors of the site in the unmutated model (from an onnxruntime run of the fixture's inputs). */
  probed(value: Value): ProbedTensor | undefined;
  /** Named points on the site's paths where ops can be inserted. */
  points: PathPoint[];
}

/** One edit, before the generator gives it an id. */
export interface MutantDraft {
  /** The node (or value) the edit is anchored at. */
  node: string;
  /** What the edit does, short and id-safe (`perm=0,2,1`, `cast=float16@summed`). */
  param: string;
  /** Edits a fresh copy of the fixture in place. */
  apply(model: Model): void;
  /** Edits the encoded model, for forms the IR cannot hold (duplicate attributes). */
  patchBytes?(bytes: Uint8Array): Uint8Array;
}

/** A family of mutants with one idea. */
export interface MutationClass {
  name: string;
  /** What it tests, in one sentence (listed in docs/testing.md and in the run's report). */
  description: string;
  generate(context: SiteContext): MutantDraft[];
}

/** A mutant with its identity. */
export interface Mutant extends MutantDraft {
  /** `fixture/class/node/param`. */
  id: string;
  fixture: string;
  mutationClass: string;
  /** Index of the site the edit is in (see findSites). */
  site: number;
  /** Names of the site's GridSample nodes: gone after fusing means the site was fused. */
  gridSamples: string[];
}

/** A place on a path: a value and which of its readers an inserted op feeds (all site readers). */
export interface PathPoint {
  /** Stable name (`locations`, `affine-mid`, `summed`, ...). */
  name: string;
  value: string;
  readers: { node: string; slot: number }[];
  /** Which path it is on: decides which classes insert there. */
  path: 'value' | 'locations' | 'sampled' | 'weights' | 'output';
}

/** The edge of a point in a (fresh) model. */
export function resolvePoint(model: Model, point: PathPoint): Edge {
  return {
    value: valueNamed(model, point.value),
    readers: point.readers.map((r) => ({ node: nodeNamed(model, r.node), slot: r.slot })),
  };
}

/** Builds a point at `value`, fed to its readers inside `site` (or to the given reader only). */
export function pointAt(name: string, path: PathPoint['path'], value: Value, site: Site, only?: Node): PathPoint | undefined {
  const readers = value.uses
    .filter((u) => (only ? u.node === only : site.nodes.has(u.node)))
    .map((u) => ({ node: nodeKey(u.node), slot: u.index }));
  return readers.length ? { name, value: value.name, readers, path } : undefined;
}

/** The named points of a site. */
export function sitePoints(site: Site): PathPoint[] {
  const first = site.levels[0]!;
  const affine = site.sharedGridChain; // nearest first: [Sub, Mul] for 2*loc - 1
  const points = [
    pointAt('value', 'value', site.valueRoot, site),
    pointAt('value-level0', 'value', first.gridSample.input(0), site, first.gridSample),
    pointAt('locations', 'locations', site.locationsRoot, site),
    affine.length >= 2 ? pointAt('affine-mid', 'locations', affine[affine.length - 1]!.output(0), site) : undefined,
    affine.length >= 1 ? pointAt('grid', 'locations', affine[0]!.output(0), site) : undefined,
    pointAt('grid-level0', 'locations', first.gridSample.input(1), site, first.gridSample),
    pointAt('sampled-level0', 'sampled', first.gridSample.output(0), site),
    pointAt('stacked', 'sampled', site.weighting.input(1 - site.weightSlot), site, site.weighting),
    pointAt('weights', 'weights', site.weightsRoot, site),
    pointAt('weights-final', 'weights', site.weighting.input(site.weightSlot), site, site.weighting),
    pointAt('weighted', 'output', site.weighting.output(0), site),
    pointAt('summed', 'output', site.reduce.output(0), site),
    outputPoint(site),
  ];
  const seen = new Set<string>();
  return points.filter((p): p is PathPoint => {
    if (!p) return false;
    const key = `${p.value}:${p.readers.map((r) => `${r.node}#${r.slot}`).join(',')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The end of the output layout chain, fed to everything that reads it. */
function outputPoint(site: Site): PathPoint | undefined {
  const readers = site.output.uses.map((u) => ({ node: nodeKey(u.node), slot: u.index }));
  return readers.length ? { name: 'output', value: site.output.name, readers, path: 'output' } : undefined;
}
