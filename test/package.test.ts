/**
 * The package as its users get it: `npm pack`, then `npm install` of the tarball into an empty
 * app with no environment tweaks (no .npmrc, no npm_* variables, no install flags), then:
 * `npx onnx-surgeon` fuses a bundled model; a consumer program written from the README and docs
 * (test/package/consumer.ts) type-checks under strict settings and runs; `verify` without
 * onnxruntime-node says how to install it (exit 3); with onnxruntime-node installed in the app
 * (from the npm registry, or, offline, the repository's copy) verify passes. Prints the packed
 * and installed sizes. Slow (an install and two compiles), so it runs only in CI or with
 * ONNX_SURGEON_PACK_TEST=1, after `npm run build`.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileStrictConsumer } from '../scripts/strict-consumer.js';
import { ONNXRUNTIME_INSTALL_COMMAND } from '../src/verify/onnxruntime.js';

const enabled = Boolean(process.env['CI'] || process.env['ONNX_SURGEON_PACK_TEST'] === '1');
const repo = resolve('.');
const work = enabled ? mkdtempSync(join(tmpdir(), 'onnx-surgeon-pack-')) : '';
const app = join(work, 'app');
const MB = 1e6;
/** Target for onnx-surgeon and its required dependencies, installed (issue #13). */
const INSTALLED_LIMIT_BYTES = 15 * MB;
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The environment of a user's shell: nothing npm exported to this test run (npm_config_*, ...). */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: userEnv(extra), timeout: 300_000 });
}

const npmWarnings = (output: string): string[] => output.split('\n').filter((line) => /^npm warn/i.test(line));

/** Bytes of every file below `dir` (what the files take, as npm's unpackedSize counts them). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else if (entry.isFile()) total += lstatSync(path).size;
  }
  return total;
}

function filesBelow(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesBelow(path, out);
    else out.push(path);
  }
  return out;
}

interface PackResult { filename: string; size: number; unpackedSize: number; files: { path: string }[] }

describe.runIf(enabled)('npm package', () => {
  let packed: PackResult;
  let installed: string;

  beforeAll(() => {
    // In the repository, with its .npmrc: npm pack must not warn about this repository's configuration.
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], repo);
    expect(pack.status, pack.stderr).toBe(0);
    expect(npmWarnings(pack.stderr)).toEqual([]);
    packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true, type: 'module' }));
    installed = join(app, 'node_modules/onnx-surgeon');
  }, 300_000);

  it('the tarball: built code, sources for the source maps, LICENSE, repository fields, no tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['dist/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'src/index.ts', 'LICENSE', 'README.md', 'package.json']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(test|dist\/(test|bench|scripts|examples))\//.test(f))).toEqual([]);
    const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      license: 'Apache-2.0',
      repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/) },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
    });
    console.log(`packed: ${(packed.size / MB).toFixed(2)} MB (${packed.files.length} files, ${(packed.unpackedSize / MB).toFixed(2)} MB unpacked)`);
  });

  it('README links work from the registry page: absolute URLs to files that exist, or anchors of its headings', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
    const headings = new Set([...readme.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
    const targets = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(5);
    const base = 'https://github.com/onnx-surgeon/onnx-surgeon/';
    for (const target of targets) {
      if (target.startsWith('#')) {
        expect(headings.has(target.slice(1)), target).toBe(true);
        continue;
      }
      expect(target, 'relative link (does not resolve on the npm registry page)').toMatch(/^https:\/\//);
      const inRepo = target.startsWith(base) ? /^(?:blob|tree)\/main\/([^#?]+)/.exec(target.slice(base.length)) : null;
      if (inRepo) expect(existsSync(join(repo, inRepo[1]!)), target).toBe(true);
    }
  });

  it('installs into an empty app from the npm registry with no warning and no onnxruntime-node, within the size target', () => {
    const install = run('npm', ['install', join(work, packed.filename), '--no-audit', '--no-fund'], app);
    expect(install.status, install.stderr).toBe(0);
    expect(npmWarnings(install.stderr)).toEqual([]);
    expect(existsSync(join(installed, 'dist/src/index.js'))).toBe(true);
    const modules = join(app, 'node_modules');
    const packages = readdirSync(modules).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(modules, n)).map((s) => `${n}/${s}`) : [n]));
    for (const absent of ['onnxruntime-node', 'protobufjs', 'vitest', 'typescript', 'typedoc', 'fast-check', '@types/node']) expect(packages).not.toContain(absent);
    const bytes = treeBytes(modules);
    console.log(`installed without onnxruntime-node: ${(bytes / MB).toFixed(2)} MB, ${packages.length} packages (${packages.join(', ')})`);
    expect(bytes).toBeLessThan(INSTALLED_LIMIT_BYTES);
  });

  it('every source map in the package points at sources the package ships', () => {
    const maps = filesBelow(installed).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(50);
    for (const map of maps) {
      const { sources, sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) expect(existsSync(resolve(dirname(map), sourceRoot, source)), `${relative(installed, map)} -> ${source}`).toBe(true);
    }
  });

  it('npx onnx-surgeon lists the commands and fuses a bundled model', () => {
    for (const file of ['msda-encoder.onnx', 'msda-encoder.inputs.npz', 'msda-encoder.expected.npz']) copyFileSync(join(repo, 'examples/models', file), join(app, file));
    const help = run('npx', ['--no-install', 'onnx-surgeon', '--help'], app);
    expect(help.status, help.stderr).toBe(0);
    for (const command of ['fuse-msda', 'verify', 'inspect', 'validate', 'convert', 'build']) expect(help.stdout).toContain(`  ${command} `);
    const fuse = run('npx', ['--no-install', 'onnx-surgeon', 'fuse-msda', 'msda-encoder.onnx', '-o', 'fused.onnx', '--json'], app);
    expect(fuse.status, fuse.stderr).toBe(0);
    expect(JSON.parse(fuse.stdout)).toMatchObject({ sitesFound: 2, fused: 2 });
    const validate = run('npx', ['--no-install', 'onnx-surgeon', 'validate', 'fused.onnx'], app);
    expect(validate.status, validate.stderr).toBe(0);
  });

  it('is ESM only; CommonJS code gets it with import() (and require() where Node can require ES modules)', () => {
    const dynamic = run('node', ['--input-type=commonjs', '-e', "import('onnx-surgeon').then((m) => console.log(typeof m.loadModel))"], app);
    expect(dynamic.stdout.trim(), dynamic.stderr).toBe('function');
    if (process.features.require_module) {
      const required = run('node', ['--input-type=commonjs', '-e', "console.log(typeof require('onnx-surgeon').fuseMsda)"], app);
      expect(required.stdout.trim(), required.stderr).toBe('function');
    }
  });

  it('the consumer program type-checks under strict settings (no skipLibCheck)', () => {
    copyFileSync(join(repo, 'test/package/consumer.ts'), join(app, 'consumer.ts'));
    const problems = compileStrictConsumer([join(app, 'consumer.ts')], { typeRoots: [join(repo, 'node_modules/@types')], emit: true });
    expect(problems.map((p) => `${relative(app, p.file)}:${p.line}: ${p.message}`)).toEqual([]);
    expect(existsSync(join(app, 'consumer.js'))).toBe(true);
  }, 120_000);

  it('without onnxruntime-node: the consumer fuses, rewrites and edits; verify is one line with the install command, exit 3', () => {
    const consumer = run('node', ['consumer.js', 'msda-encoder.onnx', 'msda-encoder.inputs.npz', 'msda-encoder.expected.npz'], app);
    expect(consumer.status, consumer.stderr).toBe(0);
    const result = JSON.parse(consumer.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ sitesFound: 2, fused: 2, pluginNodes: 2, gemmApplied: 1, ops: ['Gemm', 'Relu'], outputShape: [2, 3] });
    expect(result['verify']).toBe(`error: native error: running a model needs onnxruntime-node, an optional peer dependency that is not installed: ${ONNXRUNTIME_INSTALL_COMMAND}`);
    const verify = run('npx', ['--no-install', 'onnx-surgeon', 'verify', 'msda-encoder.onnx', 'fused.onnx'], app);
    expect(verify.status).toBe(3);
    expect(verify.stdout).toBe('');
    expect(verify.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(ONNXRUNTIME_INSTALL_COMMAND)]);
  });

  it('with onnxruntime-node installed next to it, verify passes', () => {
    const version = (JSON.parse(readFileSync(join(repo, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
    // What docs/getting-started.md tells users; ONNXRUNTIME_NODE_INSTALL=skip keeps npm 10 from
    // running its CUDA download (npm 11 does not run the script anyway).
    const install = run('npm', ['install', `onnxruntime-node@${version}`, '--prefer-offline', '--no-audit', '--no-fund'], app, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    if (install.status !== 0) {
      // Offline with an empty npm cache: the repository's copy, linked in place.
      console.log(`npm could not install onnxruntime-node@${version} (${npmWarnings(install.stderr).length} warnings, exit ${install.status}); linking the repository's copy`);
      symlinkSync(join(repo, 'node_modules/onnxruntime-node'), join(app, 'node_modules/onnxruntime-node'), 'dir');
    }
    const verify = run('npx', ['--no-install', 'onnx-surgeon', 'verify', 'msda-encoder.onnx', 'fused.onnx', '--inputs', 'msda-encoder.inputs.npz', '--expected', 'msda-encoder.expected.npz'], app);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('verify PASS');
    const consumer = run('node', ['consumer.js', 'msda-encoder.onnx', 'msda-encoder.inputs.npz', 'msda-encoder.expected.npz'], app);
    expect(consumer.status, consumer.stderr).toBe(0);
    expect(JSON.parse(consumer.stdout)).toMatchObject({ verify: 'pass' });
  }, 300_000);
});
