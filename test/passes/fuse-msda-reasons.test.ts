/**
 * Every reason fuse-msda gives for leaving a site alone reads as what is wrong with the model
 * (and, for an exporter setting, what to change), never as the prover's or the matcher's inner
 * words: the near-miss exports, and every mutant of a small encoder (the mutation suite's
 * classes: one edit each on the site's path), dry-run fused with their reasons collected.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel, loadModelFromBytes } from '../../src/serde/index.js';
import { MUTATION_CLASSES, generateMutants, readMutationFixture } from '../mutation/generate.js';

/** Words and labels of the matcher and the prover's bookkeeping that mean nothing to a user. */
const JARGON = /predicate|pattern error|\bcaptures?\b|\bbinding\b|already bound|matcher|\batoms?\b|\bpieces\b|root piece|\b(?:loc|w|v):\d|\(dim \d+: [a-z]+\)|reshape boundary|ViewError|undefined|\[object /i;

const nearMisses = readdirSync('test/fixtures/msda-extra').filter((d) => /^(neg|partial)_/.test(d)).map((d) => join('test/fixtures/msda-extra', d, 'model.onnx'));

describe('fuse-msda skip reasons', () => {
  it.each(nearMisses)('%s: each skipped site says what the exporter did and what to re-export with', async (file) => {
    const report = fuseMsda(await loadModel(file), { dryRun: true });
    const skipped = report.sites.filter((s) => s.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const site of skipped) {
      expect(site.reason).not.toMatch(JARGON);
      expect(site.reason).toMatch(/^'[^']+' (samples with|pads with) .+; the plugin .+ \(re-export with (align_corners=False|mode='bilinear'|padding_mode='zeros')\)$/);
    }
  });

  it('every mutant of a small encoder: refusals name what is wrong, in the model\'s words', async () => {
    const fixture = readMutationFixture('enc_dynamo_m2p1d8_op18');
    const mutants = await generateMutants(fixture);
    const reasons = new Map<string, Set<string>>();
    for (const mutant of mutants) {
      const model = loadModelFromBytes(mutant.patchBytes ? mutant.patchBytes(fixture.bytes) : fixture.bytes);
      if (!mutant.patchBytes) mutant.apply(model);
      for (const site of fuseMsda(model, { dryRun: true, allowInvalid: true }).sites) {
        if (site.status !== 'skipped') continue;
        expect(site.reason, mutant.id).toBeTruthy();
        reasons.set(site.reason!, (reasons.get(site.reason!) ?? new Set()).add(mutant.mutationClass));
      }
    }
    // Most classes make some mutant refused; all of them are looked at.
    const classes = new Set([...reasons.values()].flatMap((s) => [...s]));
    expect(classes.size).toBeGreaterThan(MUTATION_CLASSES.length / 2);
    expect(reasons.size).toBeGreaterThan(50);
    const jargon = [...reasons.keys()].filter((r) => JARGON.test(r));
    expect(jargon).toEqual([]);
  });
});
