import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import {
  BUILDER_BINARY_NAME, builderCacheKey, builderCacheRoot, builderSources, cmakeCommands, directCompileCommand, ensureBuilder,
  findCompiler, hashBuilderSources,
} from '../../src/trt/compile.js';
import type { CudaInstall, TensorRtInstall } from '../../src/trt/discover.js';
import { ToolchainMissingError } from '../../src/trt/toolchain-error.js';
import { tempDir } from './models.js';
import { writeScript } from './fake-layouts.js';

const tensorrt: TensorRtInstall = {
  version: { major: 10, minor: 3, patch: 0, text: '10.3.0' },
  includeDir: '/opt/trt/include',
  libraries: { nvinfer: '/opt/trt/lib/libnvinfer.so.10', nvonnxparser: '/opt/trt/lib/libnvonnxparser.so.10', nvinferPlugin: '/opt/trt/lib/libnvinfer_plugin.so.10' },
  libDirs: ['/opt/trt/lib'],
  source: 'TENSORRT_ROOT',
};
const cuda: CudaInstall = { includeDir: '/usr/local/cuda/include', cudart: '/usr/local/cuda/lib64/libcudart.so', libDir: '/usr/local/cuda/lib64', source: '/usr/local/cuda' };
const compiler = { path: '/usr/bin/g++', identity: 'g++ (Debian 12.2.0-14) 12.2.0' };

/** A copy of native/ that a test may edit. */
function nativeCopy(): string {
  const dir = join(tempDir(), 'native');
  cpSync(resolve('native'), dir, { recursive: true });
  return dir;
}

/**
 * A stand-in compiler: answers --version, and for a compile writes a placeholder at `-o` and
 * counts its invocations. It compiles nothing; the real C++ is checked by native-syntax.test.ts.
 */
function fakeCompiler(dir: string, options: { fail?: boolean } = {}): { path: string; calls: () => number } {
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const path = writeScript(join(dir, 'fake-c++'), [
    'if [ "$1" = "--version" ]; then echo "fakec++ 1.0"; exit 0; fi',
    `echo call >> ${log}`,
    options.fail ? 'echo "native/src/main.cpp:1:10: fatal error: NvInfer.h: No such file or directory" >&2; exit 1' : '',
    'while [ $# -gt 0 ]; do if [ "$1" = "-o" ]; then shift; echo placeholder > "$1"; fi; shift; done',
  ].join('\n'));
  return { path, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}

describe('commands', () => {
  it('direct compile: every source, exact library files, rpath', () => {
    const sourceDir = resolve('native');
    const command = directCompileCommand({ tensorrt, cuda, compiler, sourceDir, workDir: '/tmp/w' });
    expect(command.command).toBe('/usr/bin/g++');
    expect(command.args.slice(0, 8)).toEqual(['-std=c++17', '-O2', '-Wall', '-Wextra', '-isystem', '/opt/trt/include', '-isystem', '/usr/local/cuda/include']);
    expect(command.args.filter((a) => a.endsWith('.cpp'))).toEqual(builderSources(sourceDir).map((f) => join(sourceDir, f)));
    expect(command.args.slice(-10)).toEqual([
      '-o', `/tmp/w/${BUILDER_BINARY_NAME}`,
      '/opt/trt/lib/libnvinfer.so.10', '/opt/trt/lib/libnvonnxparser.so.10', '/opt/trt/lib/libnvinfer_plugin.so.10', '/usr/local/cuda/lib64/libcudart.so',
      '-Wl,-rpath,/opt/trt/lib', '-Wl,-rpath,/usr/local/cuda/lib64', '-ldl', '-lpthread',
    ]);
  });

  it('cmake: configure with the discovered paths, then build', () => {
    const [configure, build] = cmakeCommands({ tensorrt, cuda, compiler, sourceDir: '/pkg/native', workDir: '/tmp/w' });
    expect(configure!.args).toEqual([
      '-S', '/pkg/native', '-B', '/tmp/w/build', '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_CXX_COMPILER=/usr/bin/g++',
      '-DTENSORRT_INCLUDE_DIR=/opt/trt/include', '-DNVINFER_LIBRARY=/opt/trt/lib/libnvinfer.so.10',
      '-DNVONNXPARSER_LIBRARY=/opt/trt/lib/libnvonnxparser.so.10', '-DNVINFER_PLUGIN_LIBRARY=/opt/trt/lib/libnvinfer_plugin.so.10',
      '-DCUDA_INCLUDE_DIR=/usr/local/cuda/include', '-DCUDART_LIBRARY=/usr/local/cuda/lib64/libcudart.so',
    ]);
    expect(build!.args).toEqual(['--build', '/tmp/w/build', '--config', 'Release', '--parallel']);
  });

  it('CMakeLists.txt compiles exactly the sources the direct command does', () => {
    const cmake = readFileSync('native/CMakeLists.txt', 'utf8');
    const listed = [...cmake.matchAll(/^\s+(src\/[a-z_]+\.cpp)\)?$/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(builderSources('native'));
    expect(listed.length).toBe(10);
  });
});

describe('cache key', () => {
  it('changes with TensorRT version, compiler and sources; not otherwise', () => {
    const dir = nativeCopy();
    const hash = hashBuilderSources(dir);
    expect(hashBuilderSources(dir)).toBe(hash);
    const key = builderCacheKey(tensorrt, cuda, compiler, hash);
    expect(key).toMatch(/^trt10\.3\.0-[0-9a-f]{16}$/);
    expect(builderCacheKey(tensorrt, cuda, compiler, hash)).toBe(key);
    expect(builderCacheKey({ ...tensorrt, version: { ...tensorrt.version, text: '10.4.0' } }, cuda, compiler, hash)).not.toBe(key);
    expect(builderCacheKey(tensorrt, cuda, { ...compiler, identity: 'g++ 13.1' }, hash)).not.toBe(key);
    writeFileSync(join(dir, 'src', 'main.cpp'), `${readFileSync(join(dir, 'src', 'main.cpp'), 'utf8')}\n// edit\n`);
    expect(hashBuilderSources(dir)).not.toBe(hash);
  });

  it('cache root follows XDG_CACHE_HOME, else ~/.cache', () => {
    expect(builderCacheRoot({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/me' })).toBe('/x/cache/onnx-surgeon');
    expect(builderCacheRoot({ HOME: '/home/me' })).toBe('/home/me/.cache/onnx-surgeon');
  });
});

describe('ensureBuilder', () => {
  it('compiles once, then serves the cache; a source edit recompiles', async () => {
    const dir = tempDir();
    const sourceDir = nativeCopy();
    const cc = fakeCompiler(dir);
    const options = { tensorrt, cuda, sourceDir, compiler: cc.path, cmake: null, cacheRoot: join(dir, 'cache'), env: { PATH: '' } };
    const first = await ensureBuilder(options);
    expect(first.cached).toBe(false);
    expect(first.binary).toBe(join(dir, 'cache', 'trt-builder', first.cacheKey, BUILDER_BINARY_NAME));
    expect(statSync(first.binary).mode & 0o111).not.toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'cache', 'trt-builder', first.cacheKey, 'build-info.json'), 'utf8')))
      .toMatchObject({ tensorrt: '10.3.0', compiler: 'fakec++ 1.0' });
    const second = await ensureBuilder(options);
    expect([second.cached, second.binary, cc.calls()]).toEqual([true, first.binary, 1]);

    writeFileSync(join(sourceDir, 'src', 'options.cpp'), `${readFileSync(join(sourceDir, 'src', 'options.cpp'), 'utf8')}\n`);
    const third = await ensureBuilder(options);
    expect([third.cached, third.cacheKey === first.cacheKey, cc.calls()]).toEqual([false, false, 2]);
  });

  it('a failing compiler gives its last lines and leaves no cache entry', async () => {
    const dir = tempDir();
    const cc = fakeCompiler(dir, { fail: true });
    const options = { tensorrt, cuda, sourceDir: nativeCopy(), compiler: cc.path, cmake: null, cacheRoot: join(dir, 'cache'), env: { PATH: '' } };
    const error = await ensureBuilder(options).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    expect((error as OnnxSurgeonError).message).toContain('compiling the TensorRT builder failed');
    expect((error as OnnxSurgeonError).message).toContain('fatal error: NvInfer.h: No such file or directory');
    expect(existsSync(join(dir, 'cache', 'trt-builder'))).toBe(true);
    expect(readdirSync(join(dir, 'cache', 'trt-builder'))).toEqual([]);
  });

  it('no compiler: ToolchainMissingError (exit code 3 in the CLI)', async () => {
    const error = await findCompiler({ PATH: '' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ToolchainMissingError);
    expect((error as ToolchainMissingError).component).toBe('compiler');
    expect((error as ToolchainMissingError).message).toBe(
      'native error: no C++ compiler found (tried g++, c++, clang++ on PATH); the TensorRT builder is compiled on first use. ' +
      'Install one (Debian/Ubuntu: `apt-get install g++`, optionally `cmake`) or set CXX=/path/to/c++');
  });
});
