/**
 * Compile-only check of native/src/*.cpp against the test-only stub headers in
 * test/native/fake-tensorrt, in four flavours: TensorRT 8.6.1, 10.8 (weak typing), 10.13 (weak
 * typing deprecated) and 11.1 (strong typing only). The stubs declare what the builder uses as
 * NVIDIA's real headers of those versions do (checked against them, see the stubs' README), so
 * this proves the C++ is well-formed and takes the right branch per version, with deprecation
 * warnings as errors. It is NOT a build against a real TensorRT (this project's CI has none).
 * Skipped when g++ is not installed.
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
/** The stub flavours, as FAKE_TENSORRT_VERSION values. */
const FLAVOURS = { '8.6.1': 80601, '10.8': 100800, '10.13': 101300, '11.1': 110100 } as const;
type Flavour = keyof typeof FLAVOURS;

function syntaxCheck(flavour: Flavour, files: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(gxx!, [...FLAGS, `-DFAKE_TENSORRT_VERSION=${FLAVOURS[flavour]}`, ...files], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Like syntaxCheck, without blocking: the flavours run side by side. */
function syntaxCheckAsync(flavour: Flavour, files: readonly string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(gxx!, [...FLAGS, `-DFAKE_TENSORRT_VERSION=${FLAVOURS[flavour]}`, ...files]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe.skipIf(!gxx)('native builder compiles (syntax only) against stub headers', () => {
  it('TensorRT 8.6.1, 10.8, 10.13 and 11.1 flavours: all sources, no warnings', async () => {
    expect(SOURCES.length).toBe(10);
    // 10.13: file by file (also proves each file includes what it uses). The others: one unity
    // translation unit each, to check the version branches at a fraction of the cost on a 2-core CI.
    const unity = join(mkdtempSync(join(tmpdir(), 'osg-unity-')), 'unity.cpp');
    writeFileSync(unity, SOURCES.map((f) => `#include "${join(process.cwd(), f)}"\n`).join(''));
    const results = await Promise.all([
      syntaxCheckAsync('10.13', SOURCES), syntaxCheckAsync('8.6.1', [unity]), syntaxCheckAsync('10.8', [unity]), syntaxCheckAsync('11.1', [unity]),
    ]);
    for (const result of results) expect(result).toEqual({ status: 0, output: '' });
  });

  it('the stubs tell the versions apart (so the check above means something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osg-syntax-'));
    const probe = (name: string, body: string): Record<Flavour, boolean> => {
      const file = join(dir, name);
      writeFileSync(file, '#include <NvInfer.h>\n#include <NvOnnxParser.h>\n' +
        `void probe(nvinfer1::IBuilder& b, nvinfer1::IBuilderConfig& c, nvinfer1::ILayer& l, const nvonnxparser::IParserError& e) {\n(void)b; (void)c; (void)l; (void)e;\n${body}\n}\n`);
      const compiles = (flavour: Flavour) => syntaxCheck(flavour, [file]).status === 0;
      return { '8.6.1': compiles('8.6.1'), '10.8': compiles('10.8'), '10.13': compiles('10.13'), '11.1': compiles('11.1') };
    };
    // kEXPLICIT_BATCH: required on 8.6, deprecated in 10, gone in 11.
    expect(probe('explicit.cpp', 'delete b.createNetworkV2(1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH));'))
      .toEqual({ '8.6.1': true, '10.8': false, '10.13': false, '11.1': false });
    // kSTRONGLY_TYPED: 9.1 to 10.x; deprecated in 11 (always strongly typed).
    expect(probe('strong.cpp', 'delete b.createNetworkV2(1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED));'))
      .toEqual({ '8.6.1': false, '10.8': true, '10.13': true, '11.1': false });
    // kFP16: deprecated in 10.12, removed in 11.0.
    expect(probe('fp16.cpp', 'c.setFlag(nvinfer1::BuilderFlag::kFP16);')).toEqual({ '8.6.1': true, '10.8': true, '10.13': false, '11.1': false });
    // Per-layer precision constraints: deprecated in 10.12, removed in 11.0.
    expect(probe('precision.cpp', 'l.setPrecision(nvinfer1::DataType::kFLOAT); l.setOutputType(0, nvinfer1::DataType::kFLOAT);'))
      .toEqual({ '8.6.1': true, '10.8': true, '10.13': false, '11.1': false });
    // IParserError::nodeName() appeared in 9.1.
    expect(probe('nodename.cpp', '(void)e.nodeName();')).toEqual({ '8.6.1': false, '10.8': true, '10.13': true, '11.1': true });
    // getPluginCreator: deprecated in 10 (getCreator replaces it), removed in 11.
    expect(probe('creator.cpp', '(void)getPluginRegistry()->getPluginCreator("x", "1", "");'))
      .toEqual({ '8.6.1': true, '10.8': false, '10.13': false, '11.1': false });
    // Dims elements are 64-bit from 10, 32-bit in 8.6.
    expect(probe('dims.cpp', 'static_assert(sizeof(nvinfer1::Dims{}.d[0]) == 8, "");')).toEqual({ '8.6.1': false, '10.8': true, '10.13': true, '11.1': true });
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
