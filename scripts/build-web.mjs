// `npm run build:web [-- OUT_DIR]`: the static web page (docs/web.md) into dist/web/index.html.
// One self-contained file: the page's script and style are inlined and allowed by their hashes in
// a Content-Security-Policy that forbids every connection; the worker's code is inlined too and
// started from a blob URL (a worker script file cannot be loaded from file://, a blob can). So the
// page works from any static host and from a file, and makes no network request.
// Bundled with rolldown (already the CLI's bundler): IIFE, minified, for browsers.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const outDir = process.argv[2] ?? join('dist', 'web');

async function bundle(input, plugins = []) {
  const result = await build({ input, platform: 'browser', write: false, plugins, output: { format: 'iife', minify: true }, logLevel: 'warn' });
  const chunks = result.output.filter((o) => o.type === 'chunk');
  if (chunks.length !== 1) throw new Error(`${input}: expected one chunk, got ${chunks.length}`);
  const code = chunks[0].code;
  const nodeImport = /["'`]node:[a-z_/]+["'`]/.exec(code);
  if (nodeImport) throw new Error(`${input}: the browser bundle names ${nodeImport[0]} (a Node API reached the page)`);
  return code;
}

const workerCode = await bundle('web/worker.ts');
const workerSource = {
  name: 'worker-source',
  resolveId: (id) => (id === 'virtual:worker-source' ? '\0worker-source' : null),
  load: (id) => (id === '\0worker-source' ? `export default ${JSON.stringify(workerCode)};` : null),
};
// `</script` inside the inlined code would end the element; `<\/script` means the same in JS.
const script = (await bundle('web/main.ts', [workerSource])).replace(/<\/(script)/gi, '<\\/$1').trim();
const style = readFileSync('web/style.css', 'utf8').trim();
const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'", `script-src ${hash(script)}`, `style-src ${hash(style)}`, 'worker-src blob:', 'img-src blob: data:',
  "connect-src 'none'", "form-action 'none'", "base-uri 'none'",
].join('; ');
const html = readFileSync('web/index.html', 'utf8')
  .replace('__CSP__', csp).replace('__STYLE__', () => style).replace('__SCRIPT__', () => script);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'index.html'), html);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`${join(outDir, 'index.html')}: ${kib(Buffer.byteLength(html))} (script ${kib(Buffer.byteLength(script))}, of which the worker ${kib(Buffer.byteLength(workerCode))})`);
