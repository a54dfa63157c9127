/**
 * Fake TensorRT / CUDA installations in a temp folder: real header *names* (with a real
 * NvInferVersion.h) and empty library files. Enough for discovery, never for linking.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How to lay out a fake TensorRT. */
export interface FakeTensorRt {
  version: [number, number, number];
  /** Header folder (default `<root>/include`). */
  includeDir?: string;
  /** Library folder (default `<root>/lib`); null: no libraries. */
  libDir?: string | null;
  /** `dev`: libnvinfer.so -> plus versioned files; `soname`: only libnvinfer.so.<major> (pip wheels). */
  libStyle?: 'dev' | 'soname';
  /** Major in the library file names, when it should differ from the headers. */
  libMajor?: number;
  /** Headers to leave out. */
  omitHeaders?: string[];
  /** Library stems to leave out (`nvonnxparser`, ...). */
  omitLibs?: string[];
  /** Write the 10.11+ indirect version macros (`NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE`). */
  indirectVersion?: boolean;
}

/** Writes a fake TensorRT under `root` and returns its include and lib folders. */
export function makeFakeTensorRt(root: string, fake: FakeTensorRt): { includeDir: string; libDir: string | null } {
  const includeDir = fake.includeDir ?? join(root, 'include');
  const libDir = fake.libDir === undefined ? join(root, 'lib') : fake.libDir;
  mkdirSync(includeDir, { recursive: true });
  const [major, minor, patch] = fake.version;
  const versionHeader = fake.indirectVersion
    ? `#define TRT_MAJOR_ENTERPRISE ${major}\n#define TRT_MINOR_ENTERPRISE ${minor}\n#define TRT_PATCH_ENTERPRISE ${patch}\n` +
      '#define TRT_BUILD_ENTERPRISE 48\n#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE //!< major\n' +
      '#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n#define NV_TENSORRT_BUILD TRT_BUILD_ENTERPRISE\n'
    : `#ifndef NV_INFER_VERSION_H\n#define NV_INFER_VERSION_H\n#define NV_TENSORRT_MAJOR ${major} //!< TensorRT major version.\n` +
      `#define NV_TENSORRT_MINOR ${minor}\n#define NV_TENSORRT_PATCH ${patch}\n#define NV_TENSORRT_BUILD 6\n#endif\n`;
  const headers: Record<string, string> = {
    'NvInfer.h': '// fake\n', 'NvOnnxParser.h': '// fake\n', 'NvInferPlugin.h': '// fake\n', 'NvInferVersion.h': versionHeader,
  };
  for (const [name, text] of Object.entries(headers)) {
    if (!fake.omitHeaders?.includes(name)) writeFileSync(join(includeDir, name), text);
  }
  if (libDir) {
    mkdirSync(libDir, { recursive: true });
    const libMajor = fake.libMajor ?? major;
    for (const stem of ['nvinfer', 'nvonnxparser', 'nvinfer_plugin']) {
      if (fake.omitLibs?.includes(stem)) continue;
      writeFileSync(join(libDir, `lib${stem}.so.${libMajor}`), '');
      if ((fake.libStyle ?? 'dev') === 'dev') {
        writeFileSync(join(libDir, `lib${stem}.so.${libMajor}.${minor}.${patch}`), '');
        writeFileSync(join(libDir, `lib${stem}.so`), '');
      }
    }
  }
  return { includeDir, libDir };
}

/** Writes a fake CUDA toolkit (cuda_runtime_api.h with CUDART_VERSION, lib64/libcudart.so.<major>). */
export function makeFakeCuda(root: string, cudartVersion = 12040): void {
  mkdirSync(join(root, 'include'), { recursive: true });
  mkdirSync(join(root, 'lib64'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'include', 'cuda_runtime_api.h'), `#define CUDART_VERSION ${cudartVersion}\n`);
  writeFileSync(join(root, 'lib64', `libcudart.so.${Math.floor(cudartVersion / 1000)}`), '');
  writeFileSync(join(root, 'bin', 'nvcc'), '#!/bin/sh\necho fake nvcc\n');
  chmodSync(join(root, 'bin', 'nvcc'), 0o755);
}

/** An executable shell script at `file`. */
export function writeScript(file: string, body: string): string {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
