/**
 * The generator: every mutation class applied to every MSDA site of a fixture, each mutant with
 * a stable id. Generation is deterministic
 * (graph order, then each class's own order), so a worker process that regenerates a fixture's
 * mutants gets the same list and can apply a mutant given only its id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Tensor, loadModelFromBytes } from '../../src/index.js';
import { readNpy } from '../../src/verify/index.js';
import { affineConstant, affineRoundoff, broadcastRank } from './classes/affine.js';
import { gridSampleAttribute, gridSampleAttributeType, gridSampleDomain } from './classes/attributes.js';
import { castFloat64, castRoundTrip } from './classes/casts.js';
import { extraConsumer, extraUnary } from './classes/extra.js';
import { gatherIndex, levelOrder, reshapeTarget, sliceBounds, stackConcat, swapXY, transposePerm, weightLayout } from './classes/layout.js';
import { reduceSum, weightingOp } from './classes/reduce.js';
import { type Mutant, type MutationClass, type ProbedTensor, type SiteContext, sitePoints } from './mutant.js';
import { probeTensors } from './probe.js';
import { findSites } from './sites.js';

/** Every class, in report order. */
export const MUTATION_CLASSES: readonly MutationClass[] = [
  transposePerm, reshapeTarget, sliceBounds, levelOrder, gatherIndex, stackConcat, swapXY, weightLayout,
  castRoundTrip, castFloat64, affineConstant, affineRoundoff, broadcastRank,
  gridSampleAttribute, gridSampleAttributeType, gridSampleDomain, reduceSum, weightingOp, extraUnary, extraConsumer,
];

const FIXTURES_ROOT = path.resolve(import.meta.dirname, '..', 'fixtures');
const GROUPS = ['msda', 'msda-extra', 'msda-models'];

/** A fixture the suite can use: onnxruntime runs its original, and it has MSDA sites. */
export interface MutationFixture {
  name: string;
  modelPath: string;
  bytes: Uint8Array;
  feeds: Map<string, Tensor>;
  dtype: 'float32' | 'float16';
}

/** Fixtures whose original runs in onnxruntime (the truth needs it) and that have MSDA sites. */
export function mutationFixtureNames(): string[] {
  const names: string[] = [];
  for (const group of GROUPS) {
    const base = path.join(FIXTURES_ROOT, group);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const metaPath = path.join(base, name, 'meta.json');
      if (!fs.existsSync(metaPath)) continue;
      const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as { onnxruntimeRunsOriginal?: boolean; msdaSites?: number };
      if (meta.onnxruntimeRunsOriginal && (meta.msdaSites ?? 0) > 0) names.push(name);
    }
  }
  return names;
}

/** Reads one fixture (model bytes and the inputs it was exported with). */
export function readMutationFixture(name: string): MutationFixture {
  for (const group of GROUPS) {
    const dir = path.join(FIXTURES_ROOT, group, name);
    if (!fs.existsSync(path.join(dir, 'model.onnx'))) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { dtype?: string };
    const feeds = new Map<string, Tensor>();
    for (const file of fs.readdirSync(path.join(dir, 'inputs')).sort()) {
      if (file.endsWith('.npy')) feeds.set(file.slice(0, -4), readNpy(path.join(dir, 'inputs', file)));
    }
    const modelPath = path.join(dir, 'model.onnx');
    return { name, modelPath, bytes: new Uint8Array(fs.readFileSync(modelPath)), feeds, dtype: meta.dtype === 'float16' ? 'float16' : 'float32' };
  }
  throw new Error(`mutation: no fixture named '${name}'`);
}

/**
 * Every mutant of every site of the fixture, in a stable order.
 *
 * @example
 * ```ts
 * const mutants = await generateMutants(readMutationFixture('enc_dynamo_op18'));
 * mutants[0]?.id; // 'enc_dynamo_op18/transpose-perm/node_transpose_4/perm=2,0,1'
 * ```
 */
export async function generateMutants(fixture: MutationFixture, classes: readonly MutationClass[] = MUTATION_CLASSES): Promise<Mutant[]> {
  const model = loadModelFromBytes(fixture.bytes);
  const sites = findSites(model);
  const names = sites.flatMap((s) => [...s.nodes].flatMap((n) => [...n.inputs, ...n.outputs]).filter((v) => v !== undefined).map((v) => v.name));
  const probed = await probeTensors(fixture.bytes, fixture.feeds, names);
  const opset = model.onnxOpset ?? 0;
  const mutants: Mutant[] = [];
  const ids = new Set<string>();
  for (const site of sites) {
    const context: SiteContext = {
      fixture: fixture.name, model, site, opset, points: sitePoints(site),
      probed: (v): ProbedTensor | undefined => probed.get(v.name),
    };
    const gridSamples = site.levels.map((l) => l.gridSample.name);
    for (const mutationClass of classes) {
      for (const draft of mutationClass.generate(context)) {
        const id = `${fixture.name}/${mutationClass.name}/${draft.node}/${draft.param}`;
        if (ids.has(id)) throw new Error(`mutation: two mutants share the id '${id}'`);
        ids.add(id);
        mutants.push({ ...draft, id, fixture: fixture.name, mutationClass: mutationClass.name, site: site.index, gridSamples });
      }
    }
  }
  return mutants;
}
