/**
 * Compile-only check of native/src/*.cpp against the test-only stub headers in
 * test/native/fake-tensorrt (TensorRT 10.3 and 8.6 flavours). This proves the C++ is well-formed
 * and uses the version-appropriate API names as the stubs declare them; it is NOT a build against
 * real TensorRT (this project's CI has none). Skipped when g++ is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cmakeCommands } from '../../src/trt/compile.js';
import { findOnPath } from '../../src/trt/discover.js';
import { makeFakeCuda, makeFakeTensorRt } from './fake-layouts.js';

const gxx = findOnPath('g++');
const cmake = findOnPath('cmake');
const STUBS = 'test/native/fake-tensorrt';
const SOURCES = readdirSync('native/src').filter((f) => f.endsWith('.cpp')).sort().map((f) => join('native/src', f));
const FLAGS = ['-std=c++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-Werror=deprecated-declarations', '-I', STUBS];

function syntaxCheck(major: number, files: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(gxx!, [...FLAGS, `-DFAKE_TENSORRT_MAJOR=${major}`, ...files], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Like syntaxCheck, without blocking: the two flavours run side by side. */
function syntaxCheckAsync(major: number, files: readonly string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(gxx!, [...FLAGS, `-DFAKE_TENSORRT_MAJOR=${major}`, ...files]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe.skipIf(!gxx)('native builder compiles (syntax only) against stub headers', () => {
  it('TensorRT 10 and 8.6 flavours: all sources, no warnings', async () => {
    expect(SOURCES.length).toBe(9);
    // TensorRT 10: file by file (also proves each file includes what it uses). 8.6: one unity
    // translation unit, to check the version branches at a fraction of the cost on a 2-core CI.
    const unity = join(mkdtempSync(join(tmpdir(), 'osg-unity-')), 'unity.cpp');
    writeFileSync(unity, SOURCES.map((f) => `#include "${join(process.cwd(), f)}"\n`).join(''));
    const [trt10, trt8] = await Promise.all([syntaxCheckAsync(10, SOURCES), syntaxCheckAsync(8, [unity])]);
    expect(trt10).toEqual({ status: 0, output: '' });
    expect(trt8).toEqual({ status: 0, output: '' });
  });

  it('the stubs tell the versions apart (so the check above means something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osg-syntax-'));
    const probe = (name: string, body: string) => {
      const file = join(dir, name);
      writeFileSync(file, `#include <NvInfer.h>\n#include <NvOnnxParser.h>\nvoid probe(nvinfer1::IBuilder& b, const nvonnxparser::IParserError& e) {\n${body}\n}\n`);
      return [syntaxCheck(10, [file]).status, syntaxCheck(8, [file]).status];
    };
    // kEXPLICIT_BATCH is deprecated in TensorRT 10: only the 8.6 build may use it.
    expect(probe('explicit.cpp', '(void)e; delete b.createNetworkV2(1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH));')).toEqual([1, 0]);
    // IParserError::nodeName() appeared in 9.1.
    expect(probe('nodename.cpp', '(void)b; (void)e.nodeName();')).toEqual([0, 1]);
    // getPluginCreator is deprecated in 10 (getCreator replaces it).
    expect(probe('creator.cpp', '(void)b; (void)e; (void)getPluginRegistry()->getPluginCreator("x", "1", "");')).toEqual([1, 0]);
    // Dims elements are 64-bit in 10, 32-bit in 8.6.
    expect(probe('dims.cpp', '(void)b; (void)e; static_assert(sizeof(nvinfer1::Dims{}.d[0]) == 8, "");')).toEqual([0, 1]);
  });
});

describe.skipIf(!cmake || !gxx)('native/CMakeLists.txt configures', () => {
  it('with the explicit paths the driver passes (fake install: configure only, no build)', () => {
    const root = mkdtempSync(join(tmpdir(), 'osg-cmake-'));
    makeFakeTensorRt(join(root, 'trt'), { version: [10, 3, 0] });
    makeFakeCuda(join(root, 'cuda'));
    const trtLib = join(root, 'trt', 'lib');
    const [configure] = cmakeCommands({
      tensorrt: {
        version: { major: 10, minor: 3, patch: 0, text: '10.3.0' }, includeDir: join(root, 'trt', 'include'), libDirs: [trtLib], source: 'test',
        libraries: { nvinfer: join(trtLib, 'libnvinfer.so'), nvonnxparser: join(trtLib, 'libnvonnxparser.so'), nvinferPlugin: join(trtLib, 'libnvinfer_plugin.so') },
      },
      cuda: { includeDir: join(root, 'cuda', 'include'), cudart: join(root, 'cuda', 'lib64', 'libcudart.so.12'), libDir: join(root, 'cuda', 'lib64'), source: 'test' },
      compiler: { path: gxx!, identity: 'g++' },
      sourceDir: 'native',
      workDir: join(root, 'work'),
    }, cmake!);
    const result = spawnSync(configure!.command, configure!.args, { encoding: 'utf8' });
    expect(result.stderr).not.toContain('CMake Error');
    expect(result.status).toBe(0);
  });
});
