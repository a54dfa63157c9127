/**
 * The web page (docs/web.md) in a real browser: Debian's Chromium, headless, through playwright-core.
 * It is built, served on 127.0.0.1 and given real models; what it downloads must be byte for byte
 * what `onnx-surgeon fuse-msda` writes for the same input and options, and it may make no request
 * but to the local server. Also: it works from file://, its JavaScript stays within its budget,
 * and (ONNX_SURGEON_WEB_SCREENSHOT=path) the screenshot in docs/ is taken here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, buildPage, fuseInPage, launchChromium, serveFolder } from '../../bench/lib/web-page.js';

/** The page's JavaScript (inlined, minified, uncompressed) may not exceed this many bytes. */
const SCRIPT_BUDGET_BYTES = 400_000;
const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const EXAMPLE = join(ROOT, 'examples', 'models', 'msda-encoder.onnx');
const DETR = join(ROOT, 'test', 'fixtures', 'msda-models', 'hf_deformable_detr_l5_ts_op17', 'model.onnx');

const work = mkdtempSync(join(tmpdir(), 'onnx-surgeon-web-'));
let browser: Browser | undefined;
let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
let indexHtml = '';

beforeAll(async () => {
  indexHtml = buildPage(join(work, 'site'));
  browser = await launchChromium();
  if (!browser && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  server = await serveFolder(join(work, 'site'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the CLI in `dir` (so the report names the files as the page does); returns its stdout. */
function cli(dir: string, args: string[]): string {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`onnx-surgeon ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** A folder holding a copy of `files` (by their base names). */
function folderWith(name: string, files: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(file, join(dir, file.split('/').pop()!));
  return dir;
}

/** A page with every request recorded; anything not from the local server fails the test. */
async function openPage(url: string): Promise<{ page: Page; context: BrowserContext; foreign: string[] }> {
  const context = await browser!.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!(server && url.startsWith(`${server.origin}/`)) && !url.startsWith('blob:') && !url.startsWith('data:') && !url.startsWith('file:')) foreign.push(url);
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  expect(errors).toEqual([]);
  return { page, context, foreign };
}

const bytes = (path: string): Buffer => readFileSync(path);

describe('web page', () => {
  it('fuses the bundled example exactly as the CLI does (model, report, summary), asking nothing of the network', async (t) => {
    if (!browser) return t.skip();
    const dir = folderWith('example', [EXAMPLE]);
    const stdout = cli(dir, ['fuse-msda', 'msda-encoder.onnx', '-o', 'msda-encoder.fused.onnx', '--report', 'msda-encoder.fused.report.json']);
    const { page, context, foreign } = await openPage(`${server!.origin}/`);
    expect(await page.getByText('Your model never leaves this computer.').isVisible()).toBe(true);
    const result = await fuseInPage(page, [join(dir, 'msda-encoder.onnx')]);
    expect([...result.downloads.keys()]).toEqual(['msda-encoder.fused.onnx', 'msda-encoder.fused.report.json']);
    expect(bytes(result.downloads.get('msda-encoder.fused.onnx')!).equals(bytes(join(dir, 'msda-encoder.fused.onnx')))).toBe(true);
    expect(bytes(result.downloads.get('msda-encoder.fused.report.json')!).toString()).toBe(bytes(join(dir, 'msda-encoder.fused.report.json')).toString());
    expect(result.summary).toBe(stdout);
    // The site table and a picture of the first site, before and after.
    const rows = await page.locator('table').first().locator('tbody tr').count();
    expect(rows).toBe(JSON.parse(bytes(join(dir, 'msda-encoder.fused.report.json')).toString()).fused);
    await expect.poll(() => page.locator('.pictures img').count()).toBe(2);
    expect(foreign).toEqual([]);
    expect(server!.requests).toEqual(['/']);
    await context.close();
  });

  it('fuses a Deformable DETR export with external data: the .onnx and its data file as the CLI writes them', async (t) => {
    if (!browser) return t.skip();
    const dir = folderWith('detr', [DETR]);
    cli(dir, ['convert', 'model.onnx', '-o', 'detr.onnx', '--external-data', 'detr.onnx.data']);
    cli(dir, ['fuse-msda', 'detr.onnx', '-o', 'detr.fused.onnx']);
    cli(dir, ['fuse-msda', 'detr.onnx', '-o', 'inline.onnx', '--inline']);
    const { page, context, foreign } = await openPage(`${server!.origin}/`);
    // Without its data file: refused at once, saying which file is missing.
    await page.getByLabel('ONNX model').setInputFiles([join(dir, 'detr.onnx')]);
    await page.getByRole('button', { name: 'Fuse' }).click();
    await expect.poll(() => page.getByRole('status').textContent())
      .toBe("external-data error: detr.onnx: the model keeps tensors in 'detr.onnx.data', which was not chosen (expected the data files chosen together with the .onnx file)");
    const result = await fuseInPage(page, [join(dir, 'detr.onnx'), join(dir, 'detr.onnx.data')]);
    expect([...result.downloads.keys()]).toEqual(['detr.fused.onnx', 'detr.fused.onnx.data', 'detr.fused.report.json']);
    expect(bytes(result.downloads.get('detr.fused.onnx')!).equals(bytes(join(dir, 'detr.fused.onnx')))).toBe(true);
    expect(bytes(result.downloads.get('detr.fused.onnx.data')!).equals(bytes(join(dir, 'detr.fused.onnx.data')))).toBe(true);
    const report = JSON.parse(bytes(result.downloads.get('detr.fused.report.json')!).toString()) as { fused: number; sitesFound: number };
    expect(report.fused).toBeGreaterThan(0);
    expect(report.fused).toBe(report.sitesFound);
    await expect.poll(() => page.locator('.pictures img').count()).toBe(2);
    const screenshot = process.env.ONNX_SURGEON_WEB_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: resolve(ROOT, screenshot), fullPage: true });
    // The same model with its weights inline (--inline): one file, the CLI's bytes.
    const inline = await fuseInPage(page, [join(dir, 'detr.onnx'), join(dir, 'detr.onnx.data')], { storage: 'inline' });
    expect([...inline.downloads.keys()]).toEqual(['detr.fused.onnx', 'detr.fused.report.json']);
    expect(bytes(inline.downloads.get('detr.fused.onnx')!).equals(bytes(join(dir, 'inline.onnx')))).toBe(true);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('works from file://, with a dropped file, from the keyboard, and says why a model cannot be fused', async (t) => {
    if (!browser) return t.skip();
    const notModel = join(ROOT, 'examples', 'models', 'msda-encoder.inputs.npz');
    const dir = folderWith('file', [EXAMPLE, notModel]);
    cli(dir, ['fuse-msda', 'msda-encoder.onnx', '-o', 'msda-encoder.fused.onnx']);
    const refused = spawnSync(process.execPath, [CLI, 'fuse-msda', 'msda-encoder.inputs.npz', '-o', 'out.onnx'], { cwd: dir, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    const { page, context, foreign } = await openPage(pathToFileURL(indexHtml).href);
    const result = await fuseInPage(page, [join(dir, 'msda-encoder.onnx')]);
    expect(bytes(result.downloads.get('msda-encoder.fused.onnx')!).equals(bytes(join(dir, 'msda-encoder.fused.onnx')))).toBe(true);
    // Dropped instead of chosen: the same model, the same bytes.
    const dropped = await page.evaluateHandle((base64) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'msda-encoder.onnx'));
      return transfer;
    }, readFileSync(EXAMPLE).toString('base64'));
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
    expect(await page.locator('#chosen').textContent()).toBe('Model: msda-encoder.onnx (413.1 KiB)');
    await page.getByRole('button', { name: 'Fuse' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Done in /);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download fused model' }).click()]);
    expect(bytes(await download.path()).equals(bytes(join(dir, 'msda-encoder.fused.onnx')))).toBe(true);
    // A file that is not a model, chosen and fused from the keyboard: the CLI's error line.
    await page.getByLabel('ONNX model').setInputFiles([join(dir, 'msda-encoder.inputs.npz')]);
    await page.getByLabel('ONNX model').focus();
    const tabs: string[] = [];
    while (tabs.length < 8 && tabs.at(-1) !== 'fuse') {
      await page.keyboard.press('Tab');
      tabs.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(tabs).toEqual(['storage', 'plugin-version', 'exact-precision', 'fuse']);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toBe(refused.stderr.trim());
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('keeps its JavaScript within the budget and imports no Node API', () => {
    const html = readFileSync(indexHtml, 'utf8');
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const scriptBytes = Buffer.byteLength(scripts[0]!);
    expect(scriptBytes).toBeGreaterThan(100_000); // the whole pass is in there
    expect(scriptBytes).toBeLessThanOrEqual(SCRIPT_BUDGET_BYTES);
    expect(html).not.toMatch(/["'`]node:[a-z_]+/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; [^"]*connect-src 'none'/);
    expect(readdirSync(join(work, 'site'))).toEqual(['index.html']);
  });
});
