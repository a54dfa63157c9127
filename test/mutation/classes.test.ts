/**
 * The suite's own machinery, checked cheaply: the structural site finder against every fixture's
 * recorded site count, deterministic generation (ids name the same mutants in every process),
 * the byte-level duplicate-attribute edit, and docs/testing.md listing exactly the classes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFromBytes } from '../../src/index.js';
import { listFixtures } from '../helpers/fixtures.js';
import { runBytes } from './evaluate.js';
import { MUTATION_CLASSES, generateMutants, readMutationFixture } from './generate.js';
import { findSites } from './sites.js';
import { appendAttribute } from './wire.js';

describe('mutation suite machinery', () => {
  it('finds every MSDA site of every fixture, with all its levels', () => {
    const fixtures = listFixtures();
    expect(fixtures.length).toBeGreaterThan(30);
    for (const fixture of fixtures) {
      const model = loadModelFromBytes(new Uint8Array(fs.readFileSync(fixture.modelPath)));
      const sites = findSites(model);
      expect(sites.length, fixture.name).toBe(Number(fixture.meta.msdaSites ?? 0));
      const levels = Number(fixture.meta.levels ?? sites[0]?.levels.length);
      for (const site of sites) expect(site.levels.length, `${fixture.name} site ${site.index}`).toBe(levels);
    }
  });

  it('generates the same mutants, with unique ids, every time', async () => {
    const fixture = readMutationFixture('enc_dynamo_m2p1d8_op18');
    const first = await generateMutants(fixture);
    const second = await generateMutants(fixture);
    expect(second.map((m) => m.id)).toEqual(first.map((m) => m.id));
    expect(new Set(first.map((m) => m.id)).size).toBe(first.length);
    expect(new Set(first.map((m) => m.mutationClass))).toEqual(new Set(MUTATION_CLASSES.map((c) => c.name)));
  });

  it('writes a duplicate attribute that the IR would drop and onnxruntime rejects', async () => {
    const fixture = readMutationFixture('enc_dynamo_m2p1d8_op18');
    const grid = loadModelFromBytes(fixture.bytes).graph.nodes.find((n) => n.opType === 'GridSample')!;
    const bytes = appendAttribute(fixture.bytes, grid.name, { name: 'align_corners', int: 1 });
    expect(bytes.length).toBeGreaterThan(fixture.bytes.length);
    // The IR keeps one attribute per name (the last one), which is why the truth runs the bytes.
    expect(loadModelFromBytes(bytes).graph.nodes.find((n) => n.name === grid.name)!.attrNumber('align_corners')).toBe(1);
    await expect(runBytes(bytes, fixture.feeds)).rejects.toThrow(/align_corners' appeared multiple times/);
    await expect(runBytes(fixture.bytes, fixture.feeds)).resolves.toBeDefined();
  });

  it('docs/testing.md lists exactly the mutation classes', () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'testing.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Mutation classes'), doc.indexOf('### Files'));
    const listed = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(MUTATION_CLASSES.map((c) => c.name));
  });
});
