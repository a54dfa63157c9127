/**
 * Pictures of real sites: the SVG is well formed, shows the site's GridSamples (before) and one
 * plugin node (after), folds constants, spells dynamic sizes readably, stays a sensible size,
 * leaves the model alone, and the draw module uses no Node API (the web page imports it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSiteDot, renderSiteSvg, sitePictures } from '../../src/draw/index.js';
import { findMsdaSites } from '../../src/passes/fuse-msda/index.js';
import { loadModel } from '../../src/serde/index.js';

const STATIC = 'test/fixtures/msda/hf_rtdetr_op17/model.onnx';
const DYNAMIC = 'test/fixtures/msda-v2/hf_dfine_dynhw_dynamo_op18/model.onnx';
const SKIPPED = 'test/fixtures/msda-extra/neg_border_ts_op17/model.onnx';

/** Every opened tag is closed in order (a small XML well-formedness check). */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([A-Za-z][\w-]*)[^>]*?(\/?)>/g)) {
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
}

const groups = (svg: string, cls: string): string[] => [...svg.matchAll(new RegExp(`<g class="[^"]*\\b${cls}\\b[^"]*">(.*?)</g>`, 'g'))].map((m) => m[1]!);
const titles = (svg: string): string[] => [...svg.matchAll(/<tspan class="os-title"[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]!);

describe('renderSiteSvg on real exports', () => {
  it.each([[STATIC, 3], [DYNAMIC, 3]])('%s: before shows its %i GridSamples, after one plugin node', async (file, levels) => {
    const model = await loadModel(file);
    const nodesBefore = model.graph.nodeCount;
    const found = findMsdaSites(model);
    const before = renderSiteSvg(model, found.sites[0], { when: 'before', sites: found });
    const after = renderSiteSvg(model, found.sites[0], { when: 'after', sites: found });
    for (const svg of [before, after]) {
      expectWellFormed(svg);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(titles(svg)).not.toContain('Constant');
      const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!;
      expect(Number(width)).toBeLessThan(1800);
      expect(Number(height)).toBeLessThan(2000);
    }
    expect(groups(before, 'os-highlight').filter((g) => g.includes('>GridSample<'))).toHaveLength(levels);
    expect(titles(before).filter((t) => t === 'GridSample')).toHaveLength(levels);
    expect(groups(after, 'os-highlight')).toHaveLength(1);
    expect(titles(after)).toContain('MultiscaleDeformableAttnPlugin_TRT');
    expect(titles(after)).not.toContain('GridSample');
    // the before picture reaches the weighted sum; boxes stay a few dozen
    expect(titles(before)).toContain('ReduceSum');
    expect(titles(before).length).toBeLessThan(60);
    // the model drawn is not changed (after is fused in a copy)
    expect(model.graph.nodeCount).toBe(nodesBefore);
    expect(model.graph.nodes.some((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')).toBe(false);
  });

  it('spells a dynamic export\'s sizes with readable names and a legend, never the canonical floordiv', async () => {
    const model = await loadModel(DYNAMIC);
    const svg = renderSiteSvg(model, 1);
    expect(svg).toContain('f32[N,32,4*h32*w32]');
    expect(svg).toContain('h32 = ceil(H/32), w32 = ceil(W/32)');
    expect(svg).toContain('N, H, W: pixel_values dims 0, 2, 3');
    expect(svg).not.toContain('floordiv');
    expect(svg.replaceAll('(s6, s37, s46 in the model)', '')).not.toContain('s37');
    // both panels side by side
    expect(svg.match(/class="os-caption"/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('--depth widens the picture; DOT carries the same boxes', async () => {
    const model = await loadModel(STATIC);
    const found = findMsdaSites(model);
    const [shallow] = sitePictures(model, undefined, { when: 'before', depthBefore: 1, sites: found });
    const [deep] = sitePictures(model, undefined, { when: 'before', depthBefore: 6, sites: found });
    expect(deep!.boxes.length).toBeGreaterThan(shallow!.boxes.length);
    const dot = renderSiteDot(model, undefined, { sites: found });
    expect(dot.split('subgraph cluster_')).toHaveLength(3);
    expect((dot.match(/label="GridSample\\n/g) ?? [])).toHaveLength(3);
  });

  it('a skipped site has a before picture with its reason, and no after', async () => {
    const model = await loadModel(SKIPPED);
    const both = renderSiteSvg(model, undefined);
    expectWellFormed(both);
    expect(both).toContain('skipped:');
    expect(both).toContain('padding_mode=');
    expect(() => renderSiteSvg(model, undefined, { when: 'after' })).toThrow(/has no 'after' picture/);
  });

  it('a fused model: the plugin node already there is drawn', async () => {
    const model = await loadModel(STATIC);
    const { fuseMsda } = await import('../../src/passes/fuse-msda/index.js');
    fuseMsda(model);
    const svg = renderSiteSvg(model, undefined);
    expect(titles(svg).filter((t) => t === 'MultiscaleDeformableAttnPlugin_TRT')).toHaveLength(1);
  });
});

describe('the draw module runs in a browser', () => {
  it('imports no Node built-in and no package but dagre, through all it imports', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')));
        else packages.add(spec!);
      }
      for (const [, spec] of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) packages.add(spec!);
    };
    visit(resolve(join('src', 'draw', 'index.ts')));
    expect(seen.size).toBeGreaterThan(20);
    expect([...packages].sort()).toEqual(['@dagrejs/dagre', '@dagrejs/graphlib']);
  });
});
