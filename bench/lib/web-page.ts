/**
 * Drives the web page (dist/web/index.html, `npm run build:web`) in Debian's Chromium, headless,
 * through playwright-core: a localhost server for the page, the browser, and "choose the files,
 * press Fuse, download the results". Used by test/web/ and bench/web-scale.ts.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the page into `outDir` (scripts/build-web.mjs); returns its index.html's path. */
export function buildPage(outDir: string): string {
  const run = spawnSync(process.execPath, ['scripts/build-web.mjs', outDir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`build-web failed: ${run.stderr}`);
  return join(outDir, 'index.html');
}

/** A static server of `dir` on 127.0.0.1 (a free port); every request's path is recorded. */
export async function serveFolder(dir: string): Promise<{ origin: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(dir, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${address.port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Headless Chromium, or undefined when it is not installed. */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** What one fuse in the page produced. */
export interface PageFuseResult {
  /** Downloaded files (their paths, valid while the page's context is open) by the name the page gives them. */
  downloads: Map<string, string>;
  /** The CLI-style summary the page shows. */
  summary: string;
  /** Milliseconds from pressing Fuse to the download link. */
  ms: number;
}

/**
 * Chooses `files` in the "ONNX model" input, sets the options, presses "Fuse", waits for
 * "Download fused model" and downloads every offered file.
 */
export async function fuseInPage(page: Page, files: string[], options: { storage?: 'auto' | 'inline'; timeoutMs?: number } = {}): Promise<PageFuseResult> {
  await page.getByLabel('ONNX model').setInputFiles(files);
  if (options.storage) await page.getByLabel('Store weights').selectOption(options.storage);
  const start = Date.now();
  await page.getByRole('button', { name: 'Fuse' }).click();
  const link = page.getByRole('link', { name: 'Download fused model' });
  await link.waitFor({ timeout: options.timeoutMs ?? 60_000 });
  const ms = Date.now() - start;
  const downloads = new Map<string, string>();
  for (const name of ['Download fused model', 'Download external data', 'Download JSON report']) {
    const target = page.getByRole('link', { name });
    if (!(await target.count())) continue;
    const [download] = await Promise.all([page.waitForEvent('download'), target.click()]);
    downloads.set(download.suggestedFilename(), await download.path());
  }
  return { downloads, summary: (await page.locator('#summary').textContent()) ?? '', ms };
}
