/**
 * What the built CLI imports: a command loads its own module and what it needs, nothing else.
 * `--help` and `fuse-msda` must not import onnxruntime-node (a 46 MB native library) or the
 * modules of other commands; `verify` does import onnxruntime-node (which shows the probe works).
 * Runs the CLI built by `npm test` with a module-resolution hook that logs every module URL: the
 * unbundled `dist/src/cli/main.js` (one file per module, so the modules can be named) and the
 * bundled bin that the package ships (`dist/cli/main.js`, commands as chunks named after them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = resolve('dist/src/cli/main.js');
const BIN = resolve('dist/cli/main.js');
const MODEL = resolve('examples/models/msda-encoder.onnx');
const dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'hooks.mjs'), [
  "import { appendFileSync } from 'node:fs';",
  'export async function resolve(specifier, context, next) {',
  '  const result = await next(specifier, context);',
  "  appendFileSync(process.env.ONNX_SURGEON_RESOLVE_LOG, result.url + '\\n');",
  '  return result;',
  '}',
].join('\n'));
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);

/** Runs the CLI with `args`; returns its exit status and the module URLs it resolved. */
function modulesOf(name: string, args: string[], main = MAIN): { status: number | null; modules: string[] } {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, main, ...args],
    { encoding: 'utf8', env: { ...process.env, ONNX_SURGEON_RESOLVE_LOG: log }, timeout: 120_000 });
  return { status: run.status, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const repoModule = (modules: string[], path: string): boolean => modules.some((url) => url.includes(`/dist/src/${path}`));
const packageModule = (modules: string[], name: string): boolean => modules.some((url) => url.includes(`/node_modules/${name}/`));

describe.runIf(existsSync(MAIN))('CLI startup imports', () => {
  it('--help: every command definition, no onnxruntime-node', () => {
    const { status, modules } = modulesOf('help', ['--help']);
    expect(status).toBe(0);
    expect(repoModule(modules, 'cli/commands/verify.js')).toBe(true);
    expect(packageModule(modules, 'onnxruntime-node')).toBe(false);
    expect(packageModule(modules, 'protobufjs')).toBe(false);
  });

  it('fuse-msda: its own command only, no onnxruntime-node, verify, inspect or TensorRT code', () => {
    const { status, modules } = modulesOf('fuse', ['fuse-msda', MODEL, '-o', join(dir, 'fused.onnx'), '--quiet']);
    expect(status).toBe(0);
    expect(repoModule(modules, 'cli/commands/fuse-msda.js')).toBe(true);
    for (const other of ['cli/commands/verify.js', 'cli/commands/inspect.js', 'cli/commands/build.js', 'verify/', 'trt/build', 'cli/inspect/']) {
      expect(repoModule(modules, other), other).toBe(false);
    }
    expect(packageModule(modules, 'onnxruntime-node')).toBe(false);
    expect(packageModule(modules, 'protobufjs')).toBe(false);
  });

  it('the bundled bin: the same for --version, --help, fuse-msda and verify', () => {
    const chunk = (modules: string[], name: string): boolean => modules.some((url) => new RegExp(`/dist/cli/${name}-[\\w-]+\\.js$`).test(url));
    const version = modulesOf('bin-version', ['--version'], BIN);
    expect(version.status).toBe(0);
    expect(['fuse-msda', 'verify', 'inspect', 'build'].filter((c) => chunk(version.modules, c))).toEqual([]);
    const help = modulesOf('bin-help', ['--help'], BIN);
    expect(['fuse-msda', 'verify', 'inspect', 'build'].filter((c) => !chunk(help.modules, c))).toEqual([]);
    expect(packageModule(help.modules, 'onnxruntime-node')).toBe(false);
    const fuse = modulesOf('bin-fuse', ['fuse-msda', MODEL, '-o', join(dir, 'bin-fused.onnx'), '--quiet'], BIN);
    expect(fuse.status).toBe(0);
    expect(chunk(fuse.modules, 'fuse-msda')).toBe(true);
    expect(['verify', 'inspect', 'build'].filter((c) => chunk(fuse.modules, c))).toEqual([]);
    expect(packageModule(fuse.modules, 'onnxruntime-node')).toBe(false);
    expect(packageModule(modulesOf('bin-verify', ['verify', MODEL, MODEL, '--quiet'], BIN).modules, 'onnxruntime-node')).toBe(true);
  });

  it('verify: imports onnxruntime-node', () => {
    const { modules } = modulesOf('verify', ['verify', MODEL, MODEL, '--quiet']);
    expect(packageModule(modules, 'onnxruntime-node')).toBe(true);
  });
});
