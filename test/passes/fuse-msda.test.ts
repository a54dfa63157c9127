import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { Tensor, attr, checkIndexes } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { validatePluginNodes } from '../../src/plugins/index.js';
import { loadModel, modelToBytes, saveModel } from '../../src/serde/index.js';
import { loadModelFile } from '../../src/serde/model-io.js';
import { decodeModel, encodeModel } from '../../src/onnx/index.js';
import { errors, listFixtures, runOnCpu, tensorValues } from '../helpers/fixtures.js';

const fixtures = listFixtures();
const positive = fixtures.filter((f) => !f.meta.negative);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fuse-msda-test-'));
const TOLERANCE = { float32: 1e-4, float16: 5e-3 };

describe('fuse-msda on real PyTorch exports', () => {
  it('has fixtures to test', () => {
    expect(positive.length).toBeGreaterThanOrEqual(6);
  });

  for (const fixture of fixtures) {
    const sites = Number(fixture.meta.msdaSites);
    const expected = Number(fixture.meta.expectFused ?? sites);
    const title = fixture.meta.negative
      ? `${fixture.name}: ${expected} of ${sites} sites fused (${fixture.meta.negative}), outputs equal the goldens`
      : `${fixture.name}: all ${sites} sites fused, outputs equal the goldens`;
    it(title, async () => {
      const model = await loadModel(fixture.modelPath);
      const original = modelToBytes(model);
      const report = fuseMsda(model);
      checkIndexes(model.graph);
      const skipped = report.sites.filter((s) => s.status === 'skipped');
      if (!fixture.meta.negative) expect(skipped.map((s) => s.reason)).toEqual([]);
      expect(report.fused).toBe(expected);
      expect(report.sitesFound).toBe(sites);
      for (const s of skipped) expect(s.reason).toMatch(/align_corners|padding_mode|mode|points/);
      if (fixture.meta.expectPadding) {
        for (const s of report.sites) expect(s.notes?.join('; ')).toContain(String(fixture.meta.expectPadding));
      }
      const plugins = model.graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT');
      expect(plugins).toHaveLength(expected);
      expect(report.gridSamplesLeft).toBe((sites - expected) * Number(fixture.meta.levels));
      // The plugin's exact input contract, checked independently of the pass.
      expect(validatePluginNodes(model).violations).toEqual([]);
      for (const p of plugins) {
        expect(p.domain).toBe('trt.plugins');
        expect(p.attrString('plugin_version')).toBe('1');
        expect(p.inputs).toHaveLength(5);
      }
      if (expected === 0) {
        expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(original))).toBe(true);
        return;
      }

      const outputs = await runOnCpu(model, fixture.inputs, { castGridsToFloat: report.gridSamplesLeft > 0 });
      for (const [name, golden] of Object.entries(fixture.outputs)) {
        const actual = outputs[name];
        expect(actual, `output ${name}`).toBeDefined();
        const e = errors(actual!, tensorValues(golden));
        expect(e.nan).toBe(false);
        expect(e.maxRel, `${name} max rel error`).toBeLessThan(fixture.meta.dtype === 'float16' ? TOLERANCE.float16 : TOLERANCE.float32);
      }

      // Idempotent: a second run fuses nothing new and changes nothing.
      const before = modelToBytes(model);
      const again = fuseMsda(model);
      expect(again.fused).toBe(0);
      expect(again.alreadyFused).toBe(expected);
      expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(before))).toBe(true);
      await saveModel(model, path.join(tmp, `${fixture.name}.onnx`));
    });
  }

  it('fused models pass onnx.checker (python onnx 1.12) for opset <= 17', () => {
    const files = fixtures
      .filter((f) => Number(f.meta.opset ?? 99) <= 17 && fs.existsSync(path.join(tmp, `${f.name}.onnx`)))
      .map((f) => path.join(tmp, `${f.name}.onnx`));
    expect(files.length).toBeGreaterThan(0);
    const script = 'import onnx,sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f))\n    print("ok", f)\n';
    const out = execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(files.length);
  });
});

describe('fuse-msda on weights left unread at load', () => {
  // Files of 16 MiB or more are loaded with their weights of 4 KiB or more unread (read from the
  // file when a pass asks, copied from it when saved). The fixtures are smaller, so they are loaded
  // that way on purpose: the pass must see the same graph and the save write the same model. (Not
  // always the same bytes: a node holding an unread weight is encoded, and the encoder packs
  // repeated numbers such as dims where the exporter may not have; both are valid protobuf.)
  const canonical = (bytes: Uint8Array): Buffer => Buffer.concat(encodeModel(decodeModel(bytes)));
  for (const fixture of fixtures) {
    it(`${fixture.name}: fused after a lazy load (holes from 0 B and 4 KiB), the same model as after a full load`, async () => {
      const eager = await loadModel(fixture.modelPath);
      const eagerReport = fuseMsda(eager);
      const expected = canonical(modelToBytes(eager));
      for (const threshold of [0, 4096]) {
        const lazy = await loadModelFile(fixture.modelPath, { lazyRawDataMinBytes: threshold });
        if (threshold === 0) expect(lazy.graph.initializers.some((v) => v.initializer?.isLazy), 'some weight is left unread').toBe(true);
        const report = fuseMsda(lazy);
        expect(report.fused).toBe(eagerReport.fused);
        expect(canonical(modelToBytes(lazy)).equals(expected), `threshold ${threshold}`).toBe(true);
      }
    });
  }
});

describe('fuse-msda leaves what is not the plugin math alone', () => {
  const base = positive.find((f) => f.name === 'enc_listshapes_dynamo_op18') ?? positive[0]!;
  const variants: [string, (n: import('../../src/ir/index.js').Node) => void, RegExp][] = [
    ['align_corners=1', (n) => n.setAttr('align_corners', attr.int(1)), /samples with align_corners=1; the plugin samples with align_corners=0 \(re-export with align_corners=False\)/],
    ['padding_mode=border', (n) => n.setAttr('padding_mode', attr.string('border')), /pads with 'border'; the plugin reads zeros outside the feature map \(re-export with padding_mode='zeros'\)/],
    ['mode=nearest', (n) => n.setAttr('mode', attr.string('nearest')), /samples with mode 'nearest'; the plugin interpolates bilinearly \(re-export with mode='bilinear'\)/],
  ];
  for (const [label, edit, reason] of variants) {
    it(`skips a site whose GridSample uses ${label}, with the reason`, async () => {
      const model = await loadModel(base.modelPath);
      const grid = model.graph.nodes.find((n) => n.opType === 'GridSample')!;
      edit(grid);
      const report = fuseMsda(model);
      const skipped = report.sites.filter((s) => s.status === 'skipped');
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.reason).toMatch(reason);
      expect(skipped[0]!.gridSamples).toContain(grid.label);
      expect(report.fused).toBe(Number(base.meta.msdaSites) - 1);
      expect(model.graph.nodes).toContain(grid);
      checkIndexes(model.graph);
    });
  }

  it('fuses when the grid is cast between float types on its way to GridSample', async () => {
    const ts = positive.find((f) => f.name === 'enc_listshapes_op17')!;
    const model = await loadModel(ts.modelPath);
    for (const g of model.graph.nodes.filter((n) => n.opType === 'GridSample')) {
      const cast = model.graph.addNode({ op: 'Cast', inputs: [g.input(1)], attributes: { to: attr.int(1) } });
      g.setInput(1, cast.output());
    }
    model.graph.toposort();
    const report = fuseMsda(model);
    expect(report.fused).toBe(2);
    const outputs = await runOnCpu(model, ts.inputs);
    for (const [name, golden] of Object.entries(ts.outputs)) expect(errors(outputs[name]!, tensorValues(golden)).maxRel).toBeLessThan(1e-4);
  });

  it('skips a site whose grid is not 2*loc-1', async () => {
    const model = await loadModel(base.modelPath);
    const grid = model.graph.nodes.find((n) => n.opType === 'GridSample')!;
    // Find the shared Sub(…, 1) of the first site and make it Sub(…, 0.5).
    const sub = model.graph.nodes.find((n) => n.opType === 'Sub' && n.output(0).consumers().some((c) => c.opType === 'Gather'))!;
    const half = model.graph.addInitializer(Tensor.float32([0.5], []), 'half');
    sub.setInput(1, half);
    const report = fuseMsda(model);
    const site = report.sites.find((s) => s.gridSamples.includes(grid.label))!;
    expect(site.status).toBe('skipped');
    expect(site.reason).toMatch(/'node_sub' computes x - 0.5 on the sampling grid; the plugin's grid is exactly 2\*loc-1/);
  });

  it('skips a site when an inner tensor is also a graph output', async () => {
    const model = await loadModel(base.modelPath);
    const grid = model.graph.nodes.find((n) => n.opType === 'GridSample')!;
    model.graph.setOutputs([...model.graph.outputs, grid.output(0)]);
    const report = fuseMsda(model);
    const site = report.sites.find((s) => s.gridSamples.includes(grid.label))!;
    expect(site.status).toBe('skipped');
    expect(site.reason).toMatch(/cannot be removed/);
    expect(model.graph.nodes.filter((n) => n.opType === 'GridSample').length).toBeGreaterThan(0);
    checkIndexes(model.graph);
    // The model still computes the same thing.
    const outputs = await runOnCpu(model, base.inputs);
    for (const [name, golden] of Object.entries(base.outputs)) expect(errors(outputs[name]!, tensorValues(golden)).maxRel).toBeLessThan(1e-4);
  });

  it('refuses a model whose existing plugin node breaks the contract, naming the node', async () => {
    const model = await loadModel(base.modelPath);
    fuseMsda(model);
    const plugin = model.graph.nodes.find((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')!;
    // A level start index that is not the exclusive cumsum of H*W (as a buggy tool might write).
    plugin.setInput(2, model.graph.addInitializer(Tensor.int32([0, 1000, 1280, 1344]), 'bad_level_start'));
    expect(() => fuseMsda(model)).toThrow(OnnxSurgeonError);
    expect(() => fuseMsda(model)).toThrow(new RegExp(`${plugin.name.replace(/[./]/g, '.')}.*level_start_index`, 's'));
  });

  it('dry run reports and changes nothing', async () => {
    const model = await loadModel(base.modelPath);
    const before = modelToBytes(model);
    const report = fuseMsda(model, { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.fused).toBe(0);
    expect(report.fusable).toBe(Number(base.meta.msdaSites));
    expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(before))).toBe(true);
  });
});
