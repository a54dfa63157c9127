/**
 * What fuse-msda tells people about a dynamic export: the per-site table names sizes readably and
 * stays within 160 columns, the JSON keeps the exact expressions, a dry run says `fusable` and
 * projects exactly the node counts a real run leaves, and the summary names the path as given.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FuseMsdaCliReport, runFuseMsdaCommand } from '../../src/cli/commands/fuse-msda.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel } from '../../src/serde/index.js';
import { captureIo } from './helpers.js';

const dynamicFixtures = ['msda', 'msda-extra', 'msda-v2', 'msda-models']
  .flatMap((set) => readdirSync(join('test/fixtures', set), { withFileTypes: true })
    .filter((d) => d.isDirectory() && /dynhw|dynbatch|dynamic/.test(d.name)).map((d) => join('test/fixtures', set, d.name, 'model.onnx')));

describe('fuse-msda on dynamic exports', () => {
  it(`finds the dynamic fixtures (${dynamicFixtures.length})`, () => {
    expect(dynamicFixtures.length).toBeGreaterThanOrEqual(9);
  });

  it.each(dynamicFixtures)('%s: table within 160 columns, readable names, exact JSON', async (file) => {
    const io = captureIo();
    expect(await runFuseMsdaCommand(file, { dryRun: true }, io)).toBe(0);
    const text = io.out();
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(160);
    expect(text).not.toMatch(/floordiv|unk__/);
    expect(text.startsWith(`${file}: `)).toBe(true);
    expect(text).toMatch(/ fusable /);
    expect(text).not.toMatch(/Error|\n\s+at /);

    const json = captureIo();
    expect(await runFuseMsdaCommand(file, { dryRun: true, json: true }, json)).toBe(0);
    const report = JSON.parse(json.out()) as FuseMsdaCliReport;
    for (const site of report.sites.filter((s) => s.signature?.readable)) {
      const { signature } = site;
      // readable and exact spell the same sizes where nothing was renamed, and differ where something was
      expect(signature!.readable!.spatialShapes).toHaveLength(signature!.spatialShapes.length);
      if (/floordiv/.test(signature!.S)) expect(signature!.readable!.S).not.toMatch(/floordiv/);
    }
  });

  it('a dynamo dynamic-resolution export: H and W named after pixel_values, divisions abbreviated, full expressions in JSON', async () => {
    const file = 'test/fixtures/msda-v2/hf_dfine_dynhw_dynamo_op18/model.onnx';
    const io = captureIo();
    await runFuseMsdaCommand(file, { dryRun: true }, io);
    expect(io.out()).toMatch(/fusable\s+N\s+21\*h32\*w32\s+4\s+8\s+12\s+3\s+4\s+4\*h32 x 4\*w32, 2\*h32 x 2\*w32, h32 x w32\s+float32/);
    expect(io.out()).toContain('where N, H, W: pixel_values dims 0, 2, 3 (s6, s37, s46 in the model)');
    expect(io.out()).toContain('h32 = ceil(H/32), w32 = ceil(W/32)');
    const json = captureIo();
    await runFuseMsdaCommand(file, { dryRun: true, json: true }, json);
    const report = JSON.parse(json.out()) as FuseMsdaCliReport;
    expect(report.sites[0]!.signature!.S).toBe('floordiv(s37 + 31, 32)*floordiv(s46 + 31, 32)*21');
    expect(report.sites[0]!.signature!.readable!.S).toBe('21*h32*w32');
    expect(report.dimLegend).toEqual(['N, H, W: pixel_values dims 0, 2, 3 (s6, s37, s46 in the model)', 'h32 = ceil(H/32), w32 = ceil(W/32)']);
  });
});

describe('fuse-msda --dry-run projects what a real run does', () => {
  const files = [
    'test/fixtures/msda/hf_rtdetr_op17/model.onnx',
    'test/fixtures/msda-v2/hf_rtdetr_dynhw_dynamo_op18/model.onnx',
    'test/fixtures/msda-extra/partial_border_layer1_ts_op17/model.onnx',
    'test/fixtures/msda-extra/neg_border_ts_op17/model.onnx',
    'examples/models/msda-encoder.onnx',
  ];
  it.each(files)('%s: same statuses and counts, nothing changed', async (file) => {
    const model = await loadModel(file);
    const nodes = model.graph.nodeCount;
    const dry = fuseMsda(model, { dryRun: true });
    expect(model.graph.nodeCount).toBe(nodes);
    expect(dry.fused).toBe(0);
    const real = fuseMsda(model);
    expect(dry.fusable).toBe(real.fused);
    expect(real.fusable).toBe(0);
    expect(dry.sites.map((s) => (s.status === 'fusable' ? 'fused' : s.status))).toEqual(real.sites.map((s) => s.status));
    expect(dry.sites.map((s) => s.reason)).toEqual(real.sites.map((s) => s.reason));
    expect(dry.nodesAfter).toBe(real.nodesAfter);
    expect(dry.gridSamplesLeft).toBe(real.gridSamplesLeft);
    expect(dry.skipped).toBe(real.skipped);
  });
});
