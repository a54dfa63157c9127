/**
 * What fuse-msda tells people about a dynamic export: the per-site table names sizes readably and
 * stays within 160 columns, the JSON keeps the exact expressions, a dry run says `fusable` and
 * projects exactly the node counts a real run leaves, the summary names the path as given, and
 * `--require-all` writes no model when a site is left unfused.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FuseMsdaCliReport, runFuseMsdaCommand } from '../../src/cli/commands/fuse-msda.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel } from '../../src/serde/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { captureIo, tempDir } from './helpers.js';

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

describe('fuse-msda --require-all', () => {
  const partial = 'test/fixtures/msda-extra/partial_border_layer1_ts_op17/model.onnx';

  it('a site left unfused: exit 1, no model written (nor its folder), the report says why, one plain line on stderr', async () => {
    const dir = tempDir();
    const output = join(dir, 'new', 'fused.onnx');
    const reportFile = join(dir, 'report.json');
    const io = captureIo();
    expect(await runFuseMsdaCommand(partial, { output, report: reportFile, requireAll: true }, io)).toBe(EXIT.checkFailed);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['report.json']);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as FuseMsdaCliReport;
    expect(report.output).toBeNull();
    expect(report.notWritten).toBe('--require-all: 1 of 2 MSDA sites was left unfused');
    expect(report.sites.map((s) => s.status)).toEqual(['fused', 'skipped']);
    expect(io.out()).toMatch(/\nnothing written \(--require-all: 1 of 2 MSDA sites was left unfused\)\n$/);
    expect(io.err()).toBe(`${partial}: --require-all: 1 of 2 MSDA sites was left unfused, so ${output} was not written: ` +
      `/layers.1/self_attn/: '/layers.1/self_attn/GridSample' pads with 'border'; the plugin reads zeros outside the feature map (re-export with padding_mode='zeros')\n`);
  });

  it('--json and --quiet: the same exit and line; a dry run names no output', async () => {
    const json = captureIo();
    expect(await runFuseMsdaCommand(partial, { output: join(tempDir(), 'f.onnx'), json: true, requireAll: true }, json)).toBe(EXIT.checkFailed);
    expect((JSON.parse(json.out()) as FuseMsdaCliReport).output).toBeNull();
    expect(json.err().split('\n')).toHaveLength(2);
    const dry = captureIo();
    expect(await runFuseMsdaCommand(partial, { dryRun: true, quiet: true, requireAll: true }, dry)).toBe(EXIT.checkFailed);
    expect(dry.out()).toBe('');
    expect(dry.err()).toMatch(/^\S+: --require-all: 1 of 2 MSDA sites was left unfused: \/layers\.1\/self_attn\/: '/);
  });

  it('every site fused, or no --require-all: the model is written, exit 0', async () => {
    const dir = tempDir();
    expect(await runFuseMsdaCommand('test/fixtures/msda/hf_rtdetr_op17/model.onnx', { output: join(dir, 'all.onnx'), requireAll: true, quiet: true }, captureIo())).toBe(EXIT.ok);
    expect(await runFuseMsdaCommand(partial, { output: join(dir, 'partial.onnx'), quiet: true }, captureIo())).toBe(EXIT.ok);
    expect((await loadModel(join(dir, 'all.onnx'))).graph.nodes.filter((n) => n.opType === 'GridSample')).toHaveLength(0);
    expect((await loadModel(join(dir, 'partial.onnx'))).graph.nodes.filter((n) => n.opType === 'GridSample')).toHaveLength(4);
  });
});
