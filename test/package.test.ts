/**
 * Packaging: `npm pack`, install the tarball into an empty folder (production dependencies only),
 * and run the installed `onnx-surgeon` bin. Slow (a compile and an install), so it runs only in CI
 * or with ONNX_SURGEON_PACK_TEST=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const enabled = Boolean(process.env['CI'] || process.env['ONNX_SURGEON_PACK_TEST'] === '1');
const repo = resolve('.');
const work = enabled ? mkdtempSync(join(tmpdir(), 'onnx-surgeon-pack-')) : '';
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

describe.runIf(enabled)('npm package', () => {
  let app = '';

  it('packs and installs into an empty folder', () => {
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], repo)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('schemas/onnx.proto');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('dist/test/'))).toBe(false);
    app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', join(work, packed[0]!.filename)], app);
    expect(existsSync(join(app, 'node_modules/onnx-surgeon/dist/src/index.js'))).toBe(true);
    // Production install: no dev dependency came along.
    for (const dev of ['vitest', 'typescript', 'typedoc', 'fast-check']) expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
  });

  it('npx onnx-surgeon --help exits 0 and lists the commands', () => {
    const run = spawnSync('npx', ['--no-install', 'onnx-surgeon', '--help'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    for (const command of ['fuse-msda', 'verify', 'inspect', 'validate', 'convert', 'build']) expect(run.stdout).toContain(`  ${command} `);
  });

  it('the installed bin fuses a model (schema found at run time) and the ESM entry point imports', () => {
    copyFileSync(join(repo, 'examples/models/msda-encoder.onnx'), join(app, 'm.onnx'));
    const bin = join(app, 'node_modules/.bin/onnx-surgeon');
    const fuse = spawnSync(bin, ['fuse-msda', 'm.onnx', '-o', 'f.onnx', '--json'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    expect(fuse.status, fuse.stderr).toBe(0);
    expect(JSON.parse(fuse.stdout)).toMatchObject({ sitesFound: 2, fused: 2 });
    const validate = spawnSync(bin, ['validate', 'f.onnx'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(validate.status, validate.stderr).toBe(0);
    const script = "import { fuseMsda, loadModel } from 'onnx-surgeon'; const m = await loadModel('m.onnx'); console.log(fuseMsda(m, { dryRun: true }).fused);";
    const esm = spawnSync('node', ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(esm.status, esm.stderr).toBe(0);
    expect(esm.stdout.trim()).toBe('2');
    const types = readFileSync(join(app, 'node_modules/onnx-surgeon/dist/src/index.d.ts'), 'utf8');
    expect(types).toContain('fuseMsda');
    expect(readdirSync(join(app, 'node_modules/onnx-surgeon/schemas'))).toContain('onnx.proto');
  });
});
