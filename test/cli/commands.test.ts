/**
 * The CLI commands run in-process on the bundled example and on hand-built models: exit codes,
 * what is printed where, what is (and is not) written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runConvertCommand } from '../../src/cli/commands/convert.js';
import { runFuseMsdaCommand } from '../../src/cli/commands/fuse-msda.js';
import { runInspectCommand } from '../../src/cli/commands/inspect.js';
import { runValidateCommand } from '../../src/cli/commands/validate.js';
import { EXIT, exitCodeForError } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { reportError } from '../../src/cli/report-error.js';
import { OnnxSurgeonError } from '../../src/errors.js';
import { attr } from '../../src/ir/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { EXAMPLE_MODEL, captureIo, saveReluModel, tempDir } from './helpers.js';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

afterEach(() => {
  process.exitCode = undefined;
});

describe('fuse-msda', () => {
  it('fuses the example, leaves the input alone, prints the per-site table', async () => {
    const dir = tempDir();
    const out = join(dir, 'fused.onnx');
    const before = sha(EXAMPLE_MODEL);
    const io = captureIo();
    expect(await runFuseMsdaCommand(EXAMPLE_MODEL, { output: out }, io)).toBe(EXIT.ok);
    expect(sha(EXAMPLE_MODEL)).toBe(before);
    expect(io.err()).toBe(''); // not a TTY: no progress
    const text = io.out();
    expect(text).toContain('msda-encoder.onnx: 2 MSDA sites found, 2 fused, 0 skipped');
    // signature columns: N S M D Lq L P, spatial shapes
    expect(text).toMatch(/fused\s+1\s+1360\s+8\s+8\s+1360\s+4\s+4\s+32x32 16x16 8x8 4x4\s+float32/);
    expect(text).toContain('nodes: 128 -> 48, GridSample left: 0');
    const fused = await loadModel(out);
    expect(fused.graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')).toHaveLength(2);
    expect(fused.graph.nodes.filter((n) => n.opType === 'GridSample')).toHaveLength(0);
  });

  it('--json prints only the report; --report writes the same JSON', async () => {
    const dir = tempDir();
    const io = captureIo();
    const reportFile = join(dir, 'report.json');
    expect(await runFuseMsdaCommand(EXAMPLE_MODEL, { output: join(dir, 'f.onnx'), json: true, report: reportFile }, io)).toBe(0);
    const printed = JSON.parse(io.out()) as { fused: number; sitesFound: number; sites: { signature: { spatialShapes: string[][]; levelStartIndex: string[] } }[]; output: string };
    expect(printed).toMatchObject({ sitesFound: 2, fused: 2, skipped: 0, gridSamplesLeft: 0, nodesBefore: 128, nodesAfter: 48, dryRun: false });
    expect(printed.sites[0]!.signature.spatialShapes).toEqual([['32', '32'], ['16', '16'], ['8', '8'], ['4', '4']]);
    expect(printed.sites[0]!.signature.levelStartIndex).toEqual(['0', '1024', '1280', '1344']);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(printed);
    expect(io.err()).toBe('');
  });

  it('--dry-run writes no model', async () => {
    const dir = tempDir();
    const io = captureIo();
    expect(await runFuseMsdaCommand(EXAMPLE_MODEL, { output: join(dir, 'f.onnx'), dryRun: true }, io)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(io.out()).toContain('2 fusable');
    expect(io.out()).toContain('nodes: 128 -> 48, GridSample left: 0 (projected)');
    expect(io.out()).toContain('dry run: nothing written');
  });

  it('a model without MSDA: 0 sites, exit 0, output written unchanged', async () => {
    const dir = tempDir();
    await saveReluModel(join(dir, 'relu.onnx'));
    const io = captureIo();
    expect(await runFuseMsdaCommand(join(dir, 'relu.onnx'), { output: join(dir, 'out.onnx') }, io)).toBe(0);
    expect(io.out()).toContain('relu.onnx: 0 MSDA sites found, 0 fused, 0 skipped');
    const out = await loadModel(join(dir, 'out.onnx'));
    expect(out.graph.nodes.map((n) => n.opType)).toEqual(['Relu']);
  });

  it('refuses to overwrite the input without --force (exit 2, one line)', async () => {
    const dir = tempDir();
    const file = join(dir, 'relu.onnx');
    await saveReluModel(file);
    const before = sha(file);
    const io = captureIo();
    expect(await runFuseMsdaCommand(file, { output: file }, io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/^usage error: .*-o is the input model; pass --force/);
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(sha(file)).toBe(before);
    expect(await runFuseMsdaCommand(file, { output: file, force: true }, captureIo())).toBe(EXIT.ok);
  });

  it('missing input and non-ONNX input: exit 2 with one line naming the file', async () => {
    const dir = tempDir();
    const io = captureIo();
    expect(await runFuseMsdaCommand(join(dir, 'nope.onnx'), { output: join(dir, 'o.onnx') }, io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/^io error: .*nope\.onnx: cannot open model file/);
    writeFileSync(join(dir, 'junk.onnx'), 'this is not protobuf at all');
    const io2 = captureIo();
    expect(await runFuseMsdaCommand(join(dir, 'junk.onnx'), { output: join(dir, 'o.onnx') }, io2)).toBe(EXIT.usage);
    expect(io2.err().trim().split('\n')).toHaveLength(1);
    expect(io2.err()).toContain('junk.onnx');
    expect(existsSync(join(dir, 'o.onnx'))).toBe(false);
  });

  it('--external-data puts the weights into the named file', async () => {
    const dir = tempDir();
    const out = join(dir, 'f.onnx');
    expect(await runFuseMsdaCommand(EXAMPLE_MODEL, { output: out, externalData: 'weights.bin', quiet: true }, captureIo())).toBe(0);
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBeGreaterThan(250_000);
    expect(readFileSync(out).byteLength).toBeLessThan(100_000);
    const reloaded = await loadModel(out);
    const a = (await loadModel(EXAMPLE_MODEL)).graph.initializers;
    // every weight kept its bytes (some initializers may be folded away by fusion)
    for (const v of reloaded.graph.initializers) {
      const original = a.find((w) => w.name === v.name);
      if (original) expect(Buffer.compare(Buffer.from(v.initializer!.bytes()), Buffer.from(original.initializer!.bytes()))).toBe(0);
    }
  });
});

describe('inspect', () => {
  it('summarizes the example as JSON with the right numbers', async () => {
    const io = captureIo();
    expect(await runInspectCommand(EXAMPLE_MODEL, { json: true }, io)).toBe(0);
    const s = JSON.parse(io.out()) as Record<string, unknown> & { ops: Record<string, number>; inputs: { name: string; shape: number[] }[]; initializers: { count: number; bytes: number } };
    expect(s).toMatchObject({ irVersion: 10, opsets: { 'ai.onnx': 18 }, nodes: 128, functions: [], pluginNodes: [] });
    expect(s.ops['GridSample']).toBe(8);
    expect(Object.values(s.ops).reduce((a, b) => a + b, 0)).toBe(128);
    expect(s.inputs.map((i) => [i.name, i.shape])).toEqual([['feat0', [1, 64, 32, 32]], ['feat1', [1, 64, 16, 16]], ['feat2', [1, 64, 8, 8]], ['feat3', [1, 64, 4, 4]]]);
    const model = await loadModel(EXAMPLE_MODEL);
    expect(s.initializers.count).toBe(model.graph.initializers.length);
    expect(s.initializers.bytes).toBe(model.graph.initializers.reduce((n, v) => n + v.initializer!.byteLength, 0));
  });

  it('text summary and a site by number', async () => {
    const io = captureIo();
    expect(await runInspectCommand(EXAMPLE_MODEL, {}, io)).toBe(0);
    expect(io.out()).toMatch(/GridSample\s+8/);
    expect(io.out()).toContain('8 GridSample nodes');
    const site = captureIo();
    expect(await runInspectCommand(EXAMPLE_MODEL, { site: '2' }, site)).toBe(0);
    expect(site.out()).toContain('plugin signature: N=1 S=1360 M=8 D=8 Lq=1360 L=4 P=4, float32');
    expect(site.out()).toContain('level start index: 0 1024 1280 1344');
    const bad = captureIo();
    expect(await runInspectCommand(EXAMPLE_MODEL, { site: '9' }, bad)).toBe(EXIT.usage);
    expect(bad.err()).toContain('expected 1 to 2');
  });

  it('--dot draws the site before (4 GridSamples) and after (1 plugin node)', async () => {
    const io = captureIo();
    expect(await runInspectCommand(EXAMPLE_MODEL, { dot: true }, io)).toBe(0);
    const dot = io.out();
    expect(dot.startsWith('digraph "msda" {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    const clusters = dot.split('subgraph cluster_');
    expect(clusters).toHaveLength(3);
    expect((clusters[1]!.match(/\[label="GridSample\\n[^"]*", tooltip="[^"]*", style="rounded,filled"/g) ?? [])).toHaveLength(4);
    expect(clusters[1]).toContain('label="before: /layers.0/ (4 GridSample, fusable)"');
    expect((clusters[2]!.match(/label="MultiscaleDeformableAttnPlugin_TRT\\n[^"]*", tooltip="[^"]*", style="rounded,filled"/g) ?? [])).toHaveLength(1);
    // constants are folded into their readers: no Constant box, and the plugin box lists its level table
    expect(dot).not.toMatch(/label="Constant/);
    expect(clusters[2]).toContain('spatial_shapes: [[32,32],[16,16],[8,8],[4,4]]');
    expect(clusters[2]).not.toContain('GridSample\\n');
    // every edge joins declared nodes
    const declared = new Set([...dot.matchAll(/^\s+(r\d+_[nvo]\d+) \[/gm)].map((m) => m[1]));
    const edges = [...dot.matchAll(/^\s+(r\d+_[nvo]\d+) -> (r\d+_[no]\d+) /gm)];
    expect(edges.length).toBeGreaterThan(20);
    for (const [, from, to] of edges) expect(declared.has(from!) && declared.has(to!)).toBe(true);
  });

  it('--dot on a fused model draws the plugin node', async () => {
    const dir = tempDir();
    const out = join(dir, 'f.onnx');
    await runFuseMsdaCommand(EXAMPLE_MODEL, { output: out, quiet: true }, captureIo());
    const io = captureIo();
    expect(await runInspectCommand(out, { dot: true, output: join(dir, 's.dot') }, io)).toBe(0);
    const dot = readFileSync(join(dir, 's.dot'), 'utf8');
    expect(dot.split('subgraph cluster_')).toHaveLength(2);
    expect(dot).toContain('label="fused: /layers.0/MultiscaleDeformableAttn"');
  });
});

describe('validate', () => {
  it('passes a fused model (exit 0) and fails a broken plugin node (exit 1, one line per violation)', async () => {
    const dir = tempDir();
    const out = join(dir, 'f.onnx');
    await runFuseMsdaCommand(EXAMPLE_MODEL, { output: out, quiet: true }, captureIo());
    const ok = captureIo();
    expect(await runValidateCommand(out, {}, ok)).toBe(EXIT.ok);
    expect(ok.out()).toContain('2 plugin nodes checked (2 MultiscaleDeformableAttnPlugin_TRT), 0 violations');

    const model = await loadModel(out);
    const plugins = model.graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT');
    plugins[0]!.setAttr('plugin_version', attr.string('7'));
    plugins[1]!.setAttr('plugin_version', attr.string('7'));
    const broken = join(dir, 'broken.onnx');
    await saveModel(model, broken);
    const bad = captureIo();
    expect(await runValidateCommand(broken, {}, bad)).toBe(EXIT.checkFailed);
    const lines = bad.err().trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/broken\.onnx: .*plugin_version/);
    const json = captureIo();
    expect(await runValidateCommand(broken, { json: true }, json)).toBe(EXIT.checkFailed);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, checkedNodes: 2 });
  });
});

describe('convert', () => {
  it('external data with a threshold, then back inline: same weights', async () => {
    const dir = tempDir();
    const external = join(dir, 'ext.onnx');
    expect(await runConvertCommand(EXAMPLE_MODEL, { output: external, externalData: 'ext.data', sizeThreshold: 4096 }, captureIo())).toBe(0);
    const original = await loadModel(EXAMPLE_MODEL);
    const big = original.graph.initializers.filter((v) => v.initializer!.byteLength >= 4096);
    const bigBytes = big.reduce((n, v) => n + v.initializer!.byteLength, 0);
    expect(readFileSync(join(dir, 'ext.data')).byteLength).toBeGreaterThanOrEqual(bigBytes);
    const inline = join(dir, 'inline.onnx');
    const io = captureIo();
    expect(await runConvertCommand(external, { output: inline, inline: true }, io)).toBe(0);
    expect(io.out()).toContain('(128 nodes');
    const back = await loadModel(inline);
    expect(back.graph.initializers.map((v) => v.name)).toEqual(original.graph.initializers.map((v) => v.name));
    for (const [i, v] of back.graph.initializers.entries()) {
      expect(Buffer.compare(Buffer.from(v.initializer!.bytes()), Buffer.from(original.graph.initializers[i]!.initializer!.bytes()))).toBe(0);
    }
  });

  it('an external data file outside the output folder is a usage error', async () => {
    const dir = tempDir();
    const io = captureIo();
    expect(await runConvertCommand(EXAMPLE_MODEL, { output: join(dir, 'a.onnx'), externalData: '../x.data' }, io)).toBe(EXIT.usage);
    expect(io.err()).toContain("must be in the output model's folder");
  });
});

describe('program and exit codes', () => {
  it('usage errors exit 2, --help and --version exit 0', async () => {
    const io = captureIo();
    expect(await runCli(['fuse-msda'], io)).toBe(EXIT.usage);
    expect(io.err()).toContain("missing required argument 'in'");
    expect(await runCli(['fuse-msda', EXAMPLE_MODEL, '--no-such-flag'], captureIo())).toBe(EXIT.usage);
    expect(await runCli(['frobnicate'], captureIo())).toBe(EXIT.usage);
    expect(await runCli(['fuse-msda', EXAMPLE_MODEL, '--inline', '--external-data', 'x'], captureIo())).toBe(EXIT.usage);
    const help = captureIo();
    expect(await runCli(['--help'], help)).toBe(EXIT.ok);
    for (const name of ['fuse-msda', 'inspect', 'validate', 'convert', 'build']) expect(help.out()).toContain(`  ${name} `);
    const version = captureIo();
    expect(await runCli(['--version'], version)).toBe(EXIT.ok);
    expect(version.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const cmdHelp = captureIo();
    expect(await runCli(['fuse-msda', '--help'], cmdHelp)).toBe(EXIT.ok);
    expect(cmdHelp.out()).toContain('Examples:');
  });

  it('a full command line runs and sets the exit code', async () => {
    const dir = tempDir();
    const io = captureIo();
    expect(await runCli(['fuse-msda', EXAMPLE_MODEL, '-o', join(dir, 'f.onnx'), '--quiet'], io)).toBe(0);
    expect(io.out()).toBe('');
    expect(await runCli(['validate', join(dir, 'f.onnx'), '--quiet'], captureIo())).toBe(0);
    expect(process.exitCode).toBeUndefined();
  });

  it('maps errors to exit codes; unexpected exceptions are 70 with a debug hint', () => {
    expect(exitCodeForError(new OnnxSurgeonError('contract', 'x'))).toBe(1);
    expect(exitCodeForError(new OnnxSurgeonError('io', 'x'))).toBe(2);
    expect(exitCodeForError(new OnnxSurgeonError('decode', 'x'))).toBe(2);
    expect(exitCodeForError(new TypeError('boom'))).toBe(70);
    const io = captureIo();
    const saved = process.env['ONNX_SURGEON_DEBUG'];
    delete process.env['ONNX_SURGEON_DEBUG'];
    try {
      expect(reportError(new TypeError('boom'), io)).toBe(70);
    } finally {
      if (saved !== undefined) process.env['ONNX_SURGEON_DEBUG'] = saved;
    }
    expect(io.err()).toBe('internal error: boom (this is a bug; set ONNX_SURGEON_DEBUG=1 for a stack trace)\n');
    const multi = captureIo();
    reportError(new OnnxSurgeonError('contract', '2 violations:\n  - a\n  - b', { file: 'm.onnx' }), multi);
    expect(multi.err()).toBe('contract error: m.onnx: 2 violations: - a - b\n');
  });
});

describe('storage flags', () => {
  it('map to saveModel options; the data file must sit in the output folder', async () => {
    const { externalDataMode } = await import('../../src/cli/output-path.js');
    expect(externalDataMode('out/m.onnx', {})).toBe('auto');
    expect(externalDataMode('out/m.onnx', { inline: true })).toBe('inline');
    expect(externalDataMode('out/m.onnx', { sizeThreshold: 10 })).toEqual({ sizeThreshold: 10 });
    expect(externalDataMode('out/m.onnx', { externalData: 'w.bin' })).toEqual({ location: 'w.bin' });
    expect(externalDataMode('out/m.onnx', { externalData: 'out/data/w.bin', sizeThreshold: 0 })).toEqual({ location: 'data/w.bin', sizeThreshold: 0 });
    expect(() => externalDataMode('out/m.onnx', { externalData: 'elsewhere/w.bin' })).toThrow(/must be in the output model's folder/);
    expect(() => externalDataMode('out/m.onnx', { inline: true, sizeThreshold: 5 })).toThrow(/--size-threshold needs external data/);
  });
});
