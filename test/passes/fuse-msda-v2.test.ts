import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/io/npy.js';
import { type Tensor, checkIndexes } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { validatePluginNodes } from '../../src/plugins/index.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { errors, listFixtures, runOnCpu, tensorValues } from '../helpers/fixtures.js';

// The second batch of real exports (test/fixtures/msda-v2): dynamo with dynamic batch, height and
// width; unequal points per level; mixed precision (autocast); Grounding DINO; and the forms
// optimizers write. Each fused model is compared with the original's own onnxruntime run (the
// truth, where onnxruntime runs the original) and with PyTorch's goldens, at the export size
// and, for dynamic exports, at every other stored size.

const fixtures = listFixtures(['msda-v2']);
const TOLERANCE = { float32: 1e-4, float16: 5e-3 };

/** Inputs and goldens of the export size and of each extra size (`sizes/<HxW_bN>/`). */
function sizesOf(fixture: (typeof fixtures)[number]): { name: string; inputs: Record<string, Tensor>; outputs: Record<string, Tensor> }[] {
  const out = [{ name: 'export size', inputs: fixture.inputs, outputs: fixture.outputs }];
  const dir = path.join(fixture.dir, 'sizes');
  if (!fs.existsSync(dir)) return out;
  for (const size of fs.readdirSync(dir).sort()) {
    const read = (sub: string): Record<string, Tensor> => Object.fromEntries(
      fs.readdirSync(path.join(dir, size, sub)).filter((f) => f.endsWith('.npy')).map((f) => [f.slice(0, -4), readNpy(path.join(dir, size, sub, f))]),
    );
    out.push({ name: size, inputs: read('inputs'), outputs: read('outputs') });
  }
  return out;
}

describe('fuse-msda on the second batch of real exports', () => {
  it('has them', () => expect(fixtures.length).toBeGreaterThanOrEqual(15));

  for (const fixture of fixtures) {
    const sites = Number(fixture.meta.msdaSites);
    const expected = Number(fixture.meta.expectFused ?? sites);
    it(`${fixture.name}: ${expected} of ${sites} sites fused; outputs equal the original's at every size`, async () => {
      const model = await loadModel(fixture.modelPath);
      const original = loadModelFromBytes(modelToBytes(model));
      const report = fuseMsda(model);
      checkIndexes(model.graph);
      expect(report.sites.filter((s) => s.status === 'skipped').map((s) => `${s.name}: ${s.reason}`)).toEqual([]);
      expect(report.fused).toBe(expected);
      expect(report.gridSamplesLeft).toBe(0);
      expect(validatePluginNodes(model).violations).toEqual([]);
      if (fixture.meta.expectPadding) for (const s of report.sites) expect(s.notes?.join('; ')).toContain(String(fixture.meta.expectPadding));
      const tolerance = fixture.meta.dtype === 'float16' ? TOLERANCE.float16 : TOLERANCE.float32;
      // PyTorch's goldens differ from onnxruntime's run of the original by what the generator measured.
      const goldenSlack = 2 * Math.max(0, ...JSON.stringify(fixture.meta).match(/"ortMaxAbsDiff": ?[0-9.e+-]+/g)?.map((m) => Number(m.split(':')[1])) ?? []);
      for (const size of sizesOf(fixture)) {
        const fused = await runOnCpu(model, size.inputs);
        const truth = fixture.meta.onnxruntimeRunsOriginal ? await runOnCpu(original, size.inputs) : undefined;
        for (const [name, golden] of Object.entries(size.outputs)) {
          const actual = fused[name];
          expect(actual, `${size.name} ${name}`).toBeDefined();
          if (truth) {
            const e = errors(actual!, truth[name]!);
            expect(e.nan).toBe(false);
            expect(e.maxRel, `${size.name} ${name} vs the original in onnxruntime`).toBeLessThan(tolerance);
          }
          const g = errors(actual!, tensorValues(golden));
          expect(g.maxAbs <= goldenSlack || g.maxRel < tolerance, `${size.name} ${name} vs the goldens: ${g.maxAbs} abs, ${g.maxRel} rel`).toBe(true);
        }
      }
    });
  }
});
