/**
 * fuse-msda decides every site on its detached replacement before the graph changes: a site that
 * cannot go in leaves no trace, and the sites that do go in are committed once.
 */
import { describe, expect, it } from 'vitest';
import { checkIndexes, isOnnxDomain } from '../../src/ir/index.js';
import { findMsdaSites, fuseMsda, selectMsdaSite } from '../../src/passes/fuse-msda/index.js';
import { loadModel, modelToBytes } from '../../src/serde/index.js';
import { listFixtures } from '../helpers/fixtures.js';

const fixture = (name: string): string => listFixtures(['msda']).find((f) => f.name === name)!.modelPath;

describe('fuse-msda: decide, then commit', () => {
  it('a model whose every site must stay is left byte for byte as it was', async () => {
    const model = await loadModel(fixture('enc_listshapes_op17'));
    // Every GridSample output is read by the caller: no site can be removed.
    const grids = model.graph.nodes.filter((n) => n.opType === 'GridSample');
    model.graph.setOutputs([...model.graph.outputs, ...grids.map((g) => g.output(0))]);
    const before = modelToBytes(model);
    const report = fuseMsda(model);
    expect(report.fused).toBe(0);
    expect(report.sites.map((s) => s.reason)).toEqual([
      "'/layers.0/Slice_output_0' inside the site is also read by '/layers.0/Shape', so the site cannot be removed",
      "'/layers.1/Slice_output_0' inside the site is also read by '/layers.1/Shape', so the site cannot be removed",
    ]);
    expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(before))).toBe(true);
    checkIndexes(model.graph);
  });

  it('findMsdaSites reports what fuseMsda will do, with the nodes, and changes nothing', async () => {
    const model = await loadModel(fixture('hf_rtdetr_op17'));
    const before = modelToBytes(model);
    const found = findMsdaSites(model);
    expect(found.sites.map((s) => [s.report.status, s.gridSamples.length, s.proved !== undefined])).toEqual([['fusable', 3, true], ['fusable', 3, true]]);
    for (const s of found.sites) {
      expect(s.nodes).toEqual(expect.arrayContaining([...s.gridSamples]));
      expect(s.nodes.length).toBeGreaterThan(s.gridSamples.length);
    }
    expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(before))).toBe(true);
    const picked = selectMsdaSite(found, '2');
    expect(picked.kind === 'unfused' && picked.site).toBe(found.sites[1]);
    expect(() => selectMsdaSite(found, 'nope')).toThrow(/no MSDA site or plugin node named 'nope'/);
    const report = fuseMsda(model);
    expect(report.sites.map((s) => s.name)).toEqual(found.sites.map((s) => s.report.name));
    expect(selectMsdaSite(findMsdaSites(model), '1').kind).toBe('plugin');
  });

  it("a model that spells the ONNX domain 'ai.onnx' fuses exactly like one that writes ''", async () => {
    const plain = await loadModel(fixture('enc_listshapes_dynamo_op18'));
    const spelled = await loadModel(fixture('enc_listshapes_dynamo_op18'));
    for (const node of spelled.graph.nodes) if (isOnnxDomain(node.domain)) node.domain = 'ai.onnx';
    const version = spelled.opsetImports.get('')!;
    spelled.opsetImports.delete('');
    spelled.opsetImports.set('ai.onnx', version);
    const a = fuseMsda(plain);
    const b = fuseMsda(spelled);
    expect(b.fused).toBe(a.fused);
    expect(b.sites).toEqual(a.sites);
    expect(b.nodesAfter).toBe(a.nodesAfter);
  });

  it('refuses a model whose plugin nodes from another tool break the contract, and not for the nodes it makes', async () => {
    const model = await loadModel(fixture('hf_rtdetr_op17'));
    expect(fuseMsda(model).fused).toBe(2);
    // Fusing again holds the nodes now in the model to the full contract: they meet it.
    expect(fuseMsda(model).alreadyFused).toBe(2);
    const plugin = model.graph.nodes.find((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')!;
    plugin.setInput(1, plugin.input(2)); // level start index where the spatial shapes belong
    expect(() => fuseMsda(model)).toThrow(/already in the model break their contract/);
  });
});
