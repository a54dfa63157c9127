/**
 * Runs the API examples (`examples/load-and-inspect.ts`, `fuse-and-verify.ts`, `external-data.ts`)
 * as `node dist/examples/<name>.js` would, and checks what they report on the bundled model.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main as externalData } from '../examples/external-data.js';
import { main as fuseAndVerify } from '../examples/fuse-and-verify.js';
import { main as loadAndInspect } from '../examples/load-and-inspect.js';
import { loadModel } from '../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-surgeon-examples-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('API examples', () => {
  test('load-and-inspect: the bundled encoder has 128 nodes, 8 GridSamples fed by Reshapes', async () => {
    const r = await loadAndInspect([]);
    expect(r).toMatchObject({ irVersion: 10, onnxOpset: 18, nodes: 128, initializers: 47 });
    expect(r.inputs).toEqual(['feat0: float[1,64,32,32]', 'feat1: float[1,64,16,16]', 'feat2: float[1,64,8,8]', 'feat3: float[1,64,4,4]']);
    expect(r.ops['GridSample']).toBe(8);
    expect(Object.values(r.ops).reduce((a, b) => a + b, 0)).toBe(128);
    expect(r.gridSamples).toHaveLength(8);
    for (const g of r.gridSamples) expect(g.feeds).toEqual(['Reshape', 'Reshape']);
    expect(r.initializerBytes).toBe(310464);
  });

  test('fuse-and-verify: 2 of 2 sites fused, verified in onnxruntime', async () => {
    const out = join(scratch, 'fused.onnx');
    const r = await fuseAndVerify(['', '', '', out]);
    expect(r).toMatchObject({ sitesFound: 2, fused: 2, skipped: [], nodesBefore: 128, nodesAfter: 48, pluginNodesValid: true, verdict: 'pass' });
    expect(r.signatures).toEqual(['1,1360,8,8,1360,4,4', '1,1360,8,8,1360,4,4']);
    expect(r.reference).toBe('original');
    expect(r.maxAbsError).toBeLessThan(1e-5);
    const saved = await loadModel(out);
    expect(saved.graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')).toHaveLength(2);
  });

  test('external-data: big weights go to the data file and come back byte for byte', async () => {
    const dir = join(scratch, 'ext');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const r = await externalData(['', dir]);
    expect(r).toMatchObject({ sizeThreshold: 4096, initializers: 47, external: 9, inline: 38, identical: true, nodesEqual: true });
    expect(existsSync(join(dir, 'model.onnx.data'))).toBe(true);
    // 9 tensors of >= 4 KiB each, aligned in the data file; the .onnx keeps only the small ones.
    expect(r.dataFileBytes).toBeGreaterThanOrEqual(300_000);
    expect(r.modelFileBytes + 300_000).toBeLessThan(r.inlineFileBytes + 10_000);
  });
});
