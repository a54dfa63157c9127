/**
 * `onnx-surgeon/web` is isomorphic: bundled for browsers it names no Node module, and in Chromium
 * (no Node built-ins, no Buffer) it loads the example from bytes, checks and fuses it, and encodes
 * exactly the bytes the CLI writes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../../bench/lib/web-page.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'models', 'msda-encoder.onnx');
const work = mkdtempSync(join(tmpdir(), 'onnx-surgeon-web-entry-'));
let browser: Browser | undefined;
let bundle = '';

beforeAll(async () => {
  const result = await build({ input: join(ROOT, 'src', 'web', 'index.ts'), platform: 'browser', write: false, output: { format: 'esm' }, logLevel: 'warn' });
  bundle = result.output.filter((o) => o.type === 'chunk').map((o) => o.code).join('\n');
  browser = await launchChromium();
  if (!browser && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs in the page: imports the bundle, then bytes -> checkModel -> fuseMsda -> modelToParts. */
const IN_BROWSER = `(async () => {
  const web = await import(URL.createObjectURL(new Blob([globalThis.bundleCode], { type: 'text/javascript' })));
  const bytes = Uint8Array.from(atob(globalThis.modelBase64), (c) => c.charCodeAt(0));
  const model = web.modelFromBytes(bytes, { file: 'msda-encoder.onnx' });
  const check = web.checkModel(model);
  const report = web.fuseMsda(model);
  const parts = web.modelToParts(model, 'fused.onnx');
  const out = new Uint8Array(await new Blob(parts.model).arrayBuffer());
  let binary = '';
  for (const b of out) binary += String.fromCharCode(b);
  return { hasBuffer: 'Buffer' in globalThis, hasProcess: 'process' in globalThis, errors: check.errors, fused: report.fused, data: parts.data === undefined, output: btoa(binary) };
})()`;

describe('onnx-surgeon/web', () => {
  it('bundles for browsers without any Node module', () => {
    expect(bundle.length).toBeGreaterThan(100_000);
    expect(bundle.match(/["'`]node:[a-z_/]+["'`]/g) ?? []).toEqual([]);
    expect(bundle).not.toMatch(/\bfrom\s+["'](fs|path|os|crypto|zlib|child_process)["']/);
  });

  it("the page's sources type-check against the DOM (web/tsconfig.json)", () => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'web', 'tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs in Chromium: bytes -> check -> fuse -> the CLI\'s bytes', async (t) => {
    if (!browser) return t.skip();
    const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'fuse-msda', EXAMPLE, '-o', join(work, 'fused.onnx'), '--quiet'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const page = await browser.newPage();
    await page.evaluate(([code, model]) => Object.assign(globalThis, { bundleCode: code, modelBase64: model }), [bundle, readFileSync(EXAMPLE).toString('base64')]);
    // A string, not a function: the test runner would rewrite a dynamic import() in a function.
    const outcome = await page.evaluate(IN_BROWSER) as { hasBuffer: boolean; hasProcess: boolean; errors: number; fused: number; data: boolean; output: string };
    expect(outcome.hasBuffer).toBe(false);
    expect(outcome.hasProcess).toBe(false);
    expect(outcome.errors).toBe(0);
    expect(outcome.fused).toBe(2);
    expect(outcome.data).toBe(true);
    expect(Buffer.from(outcome.output, 'base64').equals(readFileSync(join(work, 'fused.onnx')))).toBe(true);
    await page.close();
  });
});
