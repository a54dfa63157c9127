/**
 * The web page at scale: the ~590 MiB, 400-site scale model (bench/lib/msda-chain.ts, 200 copies
 * with large weights) fused in the page (dist/web, headless Chromium) against the CLI on the same
 * file, and how responsive the page stays meanwhile.
 *
 * Usage: `npm run bench:web-scale` (or `node dist/bench/web-scale.js [--copies 200]`)
 *
 * Measured: the CLI's wall time (`onnx-surgeon fuse-msda IN -o OUT`, a fresh process, page cache
 * warm); the page's time from pressing Fuse to the download link (load, fuse, encode: the Blob of
 * parts), then the download written to disk; the page's longest main-thread task (Long Tasks
 * API) and the longest gap between 50 ms timer ticks during the run. The download must be
 * byte-identical to the CLI's output (SHA-256). Targets: page <= 3x the CLI, longest task
 * < 200 ms.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, writeFileAtomic } from '../src/onnx/index.js';
import { buildMsdaChain } from './lib/msda-chain.js';
import { findFixture, timed } from './lib/run.js';
import { buildPage, launchChromium, serveFolder } from './lib/web-page.js';

const MIB = 2 ** 20;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Records, in the page, its longest task and the longest gap between 50 ms ticks. */
const RESPONSIVENESS_PROBE = `
  window.__probe = { longestTask: 0, longestGap: 0, last: 0, running: false };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (window.__probe.running) window.__probe.longestTask = Math.max(window.__probe.longestTask, e.duration);
  }).observe({ type: 'longtask', buffered: true });
  setInterval(() => {
    const now = performance.now(), p = window.__probe;
    if (p.running && p.last) p.longestGap = Math.max(p.longestGap, now - p.last);
    p.last = now;
  }, 50);
`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const copies = Number(args[args.indexOf('--copies') + 1] || 200);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-web-scale-'));
  const browser = await launchChromium();
  if (!browser) throw new Error('needs /usr/bin/chromium (apt-get install chromium)');
  const server = await serveFolder(join(dir, 'site'));
  try {
    buildPage(join(dir, 'site'));
    const source = join(dir, 'scale.onnx');
    writeFileAtomic(source, encodeModel(buildMsdaChain({ copies, largeWeights: true })));
    const fileBytes = statSync(source).size;
    console.log(`model: ${copies} chained copies of enc_listshapes_op17, ${(fileBytes / MIB).toFixed(0)} MiB`);
    timed('sh', ['-c', 'cat "$1" > /dev/null', 'sh', source]); // page cache warm for both

    const cliOut = join(dir, 'scale.fused.onnx');
    const cli = timed(process.execPath, [findFixture(join('dist', 'cli', 'main.js')), 'fuse-msda', source, '-o', cliOut, '--quiet']);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.addInitScript(RESPONSIVENESS_PROBE);
    await page.goto(`${server.origin}/`);
    await page.getByLabel('ONNX model').setInputFiles([source]);
    await page.evaluate(() => { (globalThis as unknown as { __probe: { running: boolean } }).__probe.running = true; });
    const start = Date.now();
    await page.getByRole('button', { name: 'Fuse' }).click();
    const link = page.getByRole('link', { name: 'Download fused model' });
    await link.waitFor({ timeout: 600_000 });
    const pageMs = Date.now() - start;
    const probe = await page.evaluate(() => (globalThis as unknown as { __probe: { longestTask: number; longestGap: number } }).__probe);
    const status = await page.getByRole('status').textContent();
    const downloadStart = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const downloaded = await download.path();
    const downloadMs = Date.now() - downloadStart;
    const identical = (await sha256(downloaded)) === (await sha256(cliOut));
    await context.close();

    console.log(`page: ${status}`);
    console.log('\n| what | time |\n|---|---|');
    console.log(`| CLI: onnx-surgeon fuse-msda (fresh process, load + fuse + save) | ${(cli.ms / 1000).toFixed(2)} s |`);
    console.log(`| page: Fuse pressed -> download link (load + fuse + encode) | ${(pageMs / 1000).toFixed(2)} s |`);
    console.log(`| page: the download written to disk | ${(downloadMs / 1000).toFixed(2)} s |`);
    console.log(`| page: longest main-thread task during the run | ${probe.longestTask.toFixed(0)} ms |`);
    console.log(`| page: longest gap between 50 ms timer ticks | ${probe.longestGap.toFixed(0)} ms |`);
    console.log(`\npage / CLI = ${(pageMs / cli.ms).toFixed(2)}x (target <= 3); with the download = ${((pageMs + downloadMs) / cli.ms).toFixed(2)}x`);
    console.log(`download byte-identical to the CLI's output: ${identical ? 'yes' : 'NO'}`);
    if (!identical) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
