import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DiscoveryOptions, discoverCuda, discoverTensorRt } from '../../src/trt/discover.js';
import { findLibrary, isLibraryFile, libraryMajorVersion } from '../../src/trt/library-files.js';
import { ToolchainMissingError } from '../../src/trt/toolchain-error.js';
import { parseTensorRtVersionHeader } from '../../src/trt/version-header.js';
import { makeFakeCuda, makeFakeTensorRt, writeScript } from './fake-layouts.js';
import { tempDir } from './models.js';

/** Options that look only inside `sandbox` (never at the real machine). */
function isolated(sandbox: string, env: NodeJS.ProcessEnv = {}, extra: DiscoveryOptions = {}): DiscoveryOptions {
  return {
    env: { PATH: '', ...env },
    systemIncludeDirs: [join(sandbox, 'usr/include/x86_64-linux-gnu'), join(sandbox, 'usr/include')],
    systemLibDirs: [join(sandbox, 'usr/lib/x86_64-linux-gnu')],
    tensorRtParents: [join(sandbox, 'usr/local')],
    tensorRtRoots: [join(sandbox, 'opt/tensorrt')],
    cudaRoots: [join(sandbox, 'usr/local/cuda')],
    python: null,
    ...extra,
  };
}

function missing(work: () => unknown): ToolchainMissingError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolchainMissingError);
    return error as ToolchainMissingError;
  }
  throw new Error('expected ToolchainMissingError');
}

describe('parseTensorRtVersionHeader', () => {
  it('reads direct and indirect (TensorRT >= 10.11) macros', () => {
    expect(parseTensorRtVersionHeader('#define NV_TENSORRT_MAJOR 8\n#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1\n#define NV_TENSORRT_BUILD 6'))
      .toEqual({ major: 8, minor: 6, patch: 1, build: 6, text: '8.6.1.6' });
    expect(parseTensorRtVersionHeader([
      '#define TRT_MAJOR_ENTERPRISE 10', '#define TRT_MINOR_ENTERPRISE 14', '#define TRT_PATCH_ENTERPRISE 1',
      '#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE //!< TensorRT major version.',
      '#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE', '#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE',
    ].join('\n'))).toEqual({ major: 10, minor: 14, patch: 1, text: '10.14.1' });
    expect(parseTensorRtVersionHeader('#define NV_TENSORRT_MAJOR TRT_UNDEFINED\n#define NV_TENSORRT_MINOR 1\n#define NV_TENSORRT_PATCH 0')).toBeUndefined();
  });
});

describe('library files', () => {
  it('matches lib<stem>.so[.N...] exactly (libnvinfer is not libnvinfer_plugin)', () => {
    expect(isLibraryFile('libnvinfer.so.10.3.0', 'nvinfer')).toBe(true);
    expect(isLibraryFile('libnvinfer_plugin.so.10', 'nvinfer')).toBe(false);
    expect(isLibraryFile('libnvinfer.so.10.bak', 'nvinfer')).toBe(false);
    expect(libraryMajorVersion('/x/libnvinfer.so.8.6.1')).toBe(8);
  });

  it('prefers the unversioned name, else the soname', () => {
    const dir = tempDir();
    makeFakeTensorRt(dir, { version: [10, 3, 0], libDir: join(dir, 'a'), libStyle: 'dev' });
    makeFakeTensorRt(dir, { version: [10, 3, 0], libDir: join(dir, 'b'), libStyle: 'soname' });
    expect(findLibrary(join(dir, 'a'), 'nvinfer')).toBe(join(dir, 'a', 'libnvinfer.so'));
    expect(findLibrary(join(dir, 'b'), 'nvinfer')).toBe(join(dir, 'b', 'libnvinfer.so.10'));
  });
});

describe('discoverTensorRt', () => {
  it('TENSORRT_ROOT with a TensorRT 10 tar layout', () => {
    const root = join(tempDir(), 'TensorRT-10.3.0.26');
    makeFakeTensorRt(root, { version: [10, 3, 0] });
    const found = discoverTensorRt(isolated(root, { TENSORRT_ROOT: root }));
    expect(found).toEqual({
      version: { major: 10, minor: 3, patch: 0, build: 6, text: '10.3.0.6' },
      includeDir: join(root, 'include'),
      libraries: {
        nvinfer: join(root, 'lib', 'libnvinfer.so'),
        nvonnxparser: join(root, 'lib', 'libnvonnxparser.so'),
        nvinferPlugin: join(root, 'lib', 'libnvinfer_plugin.so'),
      },
      libDirs: [join(root, 'lib')],
      source: 'TENSORRT_ROOT',
    });
  });

  it('TRT_ROOT with TensorRT 8.6; TENSORRT_ROOT wins when both are set', () => {
    const sandbox = tempDir();
    const trt8 = join(sandbox, 'TensorRT-8.6.1.6');
    const trt10 = join(sandbox, 'TensorRT-10.0.1.6');
    makeFakeTensorRt(trt8, { version: [8, 6, 1] });
    makeFakeTensorRt(trt10, { version: [10, 0, 1], indirectVersion: true });
    const only8 = discoverTensorRt(isolated(sandbox, { TRT_ROOT: trt8 }));
    expect([only8.version.text, only8.source, only8.libraries.nvinfer]).toEqual(['8.6.1.6', 'TRT_ROOT', join(trt8, 'lib', 'libnvinfer.so')]);
    const both = discoverTensorRt(isolated(sandbox, { TRT_ROOT: trt8, TENSORRT_ROOT: trt10 }));
    expect([both.version.text, both.source]).toEqual(['10.0.1.48', 'TENSORRT_ROOT']);
  });

  it('an explicit root that is incomplete is an error, not a fallback', () => {
    const sandbox = tempDir();
    makeFakeTensorRt(join(sandbox, 'usr/local/TensorRT-10.3.0'), { version: [10, 3, 0] });
    const empty = join(sandbox, 'empty');
    const error = missing(() => discoverTensorRt(isolated(sandbox, { TENSORRT_ROOT: empty })));
    expect(error.component).toBe('tensorrt');
    expect(error.message).toBe(
      `native error: TENSORRT_ROOT=${empty}: NvInfer.h, NvOnnxParser.h, NvInferPlugin.h, NvInferVersion.h not found in ${empty}/include. ` +
      'Point TENSORRT_ROOT at the TensorRT folder that holds include/ and lib/ (the unpacked tar package), or unset it to search the usual places. ' +
      `(expected NvInfer.h, NvOnnxParser.h, NvInferPlugin.h, NvInferVersion.h, found no ${empty}/include)`);

    const noParser = join(sandbox, 'no-parser');
    makeFakeTensorRt(noParser, { version: [10, 3, 0], omitLibs: ['nvonnxparser'] });
    expect(missing(() => discoverTensorRt(isolated(sandbox, { TENSORRT_ROOT: noParser }))).message).toBe(
      `native error: TENSORRT_ROOT=${noParser}: libnvonnxparser.so* not found ` +
      `(searched ${noParser}/lib, ${noParser}/lib64, ${noParser}/targets/x86_64-linux/lib). ` +
      'The TensorRT 10.3.0.6 headers are there but the libraries are not; point TENSORRT_ROOT at a complete install.');
  });

  it('finds the Debian package layout', () => {
    const sandbox = tempDir();
    makeFakeTensorRt(sandbox, {
      version: [10, 3, 0], includeDir: join(sandbox, 'usr/include/x86_64-linux-gnu'), libDir: join(sandbox, 'usr/lib/x86_64-linux-gnu'),
    });
    const found = discoverTensorRt(isolated(sandbox));
    expect([found.source, found.includeDir, found.libDirs]).toEqual([
      'system', join(sandbox, 'usr/include/x86_64-linux-gnu'), [join(sandbox, 'usr/lib/x86_64-linux-gnu')]]);
  });

  it('LD_LIBRARY_PATH comes before the system layout; /usr/local/TensorRT* newest first', () => {
    const sandbox = tempDir();
    makeFakeTensorRt(sandbox, { version: [8, 6, 1], includeDir: join(sandbox, 'usr/include/x86_64-linux-gnu'), libDir: join(sandbox, 'usr/lib/x86_64-linux-gnu') });
    const tar = join(sandbox, 'home/me/TensorRT-10.3.0.26');
    makeFakeTensorRt(tar, { version: [10, 3, 0] });
    const viaLd = discoverTensorRt(isolated(sandbox, { LD_LIBRARY_PATH: `/nonexistent:${join(tar, 'lib')}` }));
    expect([viaLd.source, viaLd.version.text, viaLd.libraries.nvinfer]).toEqual(['LD_LIBRARY_PATH', '10.3.0.6', join(tar, 'lib', 'libnvinfer.so')]);

    const local = tempDir();
    makeFakeTensorRt(join(local, 'usr/local/TensorRT-8.6.1.6'), { version: [8, 6, 1] });
    makeFakeTensorRt(join(local, 'usr/local/TensorRT-10.3.0.26'), { version: [10, 3, 0] });
    const newest = discoverTensorRt(isolated(local));
    expect([newest.source, newest.version.text]).toEqual([join(local, 'usr/local/TensorRT-10.3.0.26'), '10.3.0.6']);
  });

  it('takes libraries of a pip-installed tensorrt (found by probing python) with system headers', () => {
    const sandbox = tempDir();
    makeFakeTensorRt(sandbox, { version: [10, 3, 0], includeDir: join(sandbox, 'usr/include/x86_64-linux-gnu'), libDir: null });
    const wheelLibs = join(sandbox, 'site-packages/tensorrt_libs');
    makeFakeTensorRt(join(sandbox, 'unused'), { version: [10, 3, 0], libDir: wheelLibs, libStyle: 'soname' });
    const python = writeScript(join(sandbox, 'python3'), `echo '["${wheelLibs}"]'`);
    const found = discoverTensorRt(isolated(sandbox, {}, { python }));
    expect(found.libraries).toEqual({
      nvinfer: join(wheelLibs, 'libnvinfer.so.10'),
      nvonnxparser: join(wheelLibs, 'libnvonnxparser.so.10'),
      nvinferPlugin: join(wheelLibs, 'libnvinfer_plugin.so.10'),
    });
  });

  it('a python probe that hangs is cut off by its timeout', () => {
    const sandbox = tempDir();
    const python = writeScript(join(sandbox, 'python3'), 'sleep 10');
    const started = Date.now();
    const error = missing(() => discoverTensorRt(isolated(sandbox, {}, { python, pythonTimeoutMs: 300 })));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toContain('TensorRT not found: no folder with NvInfer.h among');
  });

  it('says which header is missing and which library major is wrong', () => {
    const sandbox = tempDir();
    makeFakeTensorRt(sandbox, {
      version: [10, 3, 0], includeDir: join(sandbox, 'usr/include/x86_64-linux-gnu'), libDir: null, omitHeaders: ['NvOnnxParser.h'],
    });
    expect(missing(() => discoverTensorRt(isolated(sandbox))).message).toContain(
      `incomplete TensorRT headers in ${join(sandbox, 'usr/include/x86_64-linux-gnu')}: NvOnnxParser.h missing (NvInfer.h, NvInferPlugin.h, NvInferVersion.h present).`);

    const mixed = tempDir();
    makeFakeTensorRt(mixed, { version: [10, 3, 0], includeDir: join(mixed, 'usr/include/x86_64-linux-gnu'), libDir: join(mixed, 'usr/lib/x86_64-linux-gnu'), libMajor: 8 });
    const message = missing(() => discoverTensorRt(isolated(mixed))).message;
    expect(message).toContain(`found TensorRT 10.3.0.6 headers in ${join(mixed, 'usr/include/x86_64-linux-gnu')}, but libnvinfer.so* not found (only ${join(mixed, 'usr/lib/x86_64-linux-gnu')}/libnvinfer.so is TensorRT 8, headers are 10.3.0.6);`);
    expect(message).toContain('(expected libnvinfer.so.10, libnvonnxparser.so.10, libnvinfer_plugin.so.10)');
  });

  it('refuses TensorRT older than 8.6', () => {
    const root = tempDir();
    makeFakeTensorRt(root, { version: [8, 5, 3] });
    expect(missing(() => discoverTensorRt(isolated(root, { TENSORRT_ROOT: root }))).message).toContain('TensorRT 8.5.3.6 in');
  });

  it('nothing anywhere: names the folders searched and how to fix it', () => {
    const sandbox = tempDir();
    const message = missing(() => discoverTensorRt(isolated(sandbox))).message;
    expect(message).toContain(`TensorRT not found: no folder with NvInfer.h among ${join(sandbox, 'usr/include/x86_64-linux-gnu')}, ${join(sandbox, 'usr/include')}, ${join(sandbox, 'opt/tensorrt/include')}.`);
    expect(message).toContain('export TENSORRT_ROOT=/path/to/TensorRT');
    expect(message).toContain('A pip-installed `tensorrt` brings libraries but no headers.');
  });
});

describe('discoverCuda', () => {
  it('CUDA_HOME, with the version from CUDART_VERSION', () => {
    const root = join(tempDir(), 'cuda-12.4');
    makeFakeCuda(root, 12040);
    expect(discoverCuda(isolated(root, { CUDA_HOME: root }))).toEqual({
      includeDir: join(root, 'include'), cudart: join(root, 'lib64', 'libcudart.so.12'), libDir: join(root, 'lib64'), version: '12.4', source: 'CUDA_HOME',
    });
  });

  it('falls back to nvcc on PATH', () => {
    const sandbox = tempDir();
    const root = join(sandbox, 'opt/cuda-11.8');
    makeFakeCuda(root, 11080);
    const found = discoverCuda(isolated(sandbox, { PATH: `/nonexistent:${join(root, 'bin')}` }));
    expect([found.source, found.version, found.cudart]).toEqual(['nvcc', '11.8', join(root, 'lib64', 'libcudart.so.11')]);
  });

  it('missing CUDA names what it needs', () => {
    const sandbox = tempDir();
    const error = missing(() => discoverCuda(isolated(sandbox, { CUDA_HOME: join(sandbox, 'nope') })));
    expect(error.component).toBe('cuda');
    expect(error.message).toContain(`CUDA runtime not found: need cuda_runtime_api.h and libcudart.so* (looked in CUDA_HOME=${join(sandbox, 'nope')};`);
  });
});
