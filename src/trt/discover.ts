/**
 * Finds TensorRT (headers, version, the three libraries the builder links) and the CUDA runtime.
 *
 * Order, first match wins:
 * 1. `TENSORRT_ROOT`, else `TRT_ROOT`: when set, it is the only place looked at, and anything
 *    missing there is an error (a user who sets it means it; silently using another TensorRT
 *    would build against the wrong version).
 * 2. `LD_LIBRARY_PATH` entries (and their sibling `include/`): how tar installs are usually selected.
 * 3. The Debian/Ubuntu package layout: `/usr/include/x86_64-linux-gnu`, `/usr/lib/x86_64-linux-gnu`.
 * 4. `/usr/local/TensorRT*` (newest name first), `/opt/tensorrt`.
 * 5. Libraries of a pip-installed `tensorrt` (the `tensorrt_libs` package); wheels have no headers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { ToolchainMissingError } from './toolchain-error.js';
import { findLibrary, libraryMajorVersion, listDirectory } from './library-files.js';
import { parseTensorRtVersionHeader, type TensorRtVersion } from './version-header.js';

/**
 * Headers the builder includes; all must sit in one directory.
 *
 * @group Discovery
 */
export const TENSORRT_HEADERS = ['NvInfer.h', 'NvOnnxParser.h', 'NvInferPlugin.h', 'NvInferVersion.h'] as const;

/**
 * The libraries the builder links, by role, with their `lib<stem>.so*` stems.
 *
 * @group Discovery
 */
export const TENSORRT_LIBRARIES = { nvinfer: 'nvinfer', nvonnxparser: 'nvonnxparser', nvinferPlugin: 'nvinfer_plugin' } as const;

/**
 * A usable TensorRT installation.
 *
 * @group Discovery
 */
export interface TensorRtInstall {
  /** Version read from `NvInferVersion.h`. */
  version: TensorRtVersion;
  /** Directory holding {@link TENSORRT_HEADERS}. */
  includeDir: string;
  /** Exact library files to link. */
  libraries: Record<keyof typeof TENSORRT_LIBRARIES, string>;
  /** Distinct directories of {@link libraries} (recorded as the binary's rpath). */
  libDirs: string[];
  /** Where it was found, for messages: `TENSORRT_ROOT`, `LD_LIBRARY_PATH`, `system`, a path, `pip`. */
  source: string;
}

/**
 * A usable CUDA runtime (headers + `libcudart`).
 *
 * @group Discovery
 */
export interface CudaInstall {
  /** Directory holding `cuda_runtime_api.h`. */
  includeDir: string;
  /** The `libcudart.so*` file to link. */
  cudart: string;
  /** Directory of {@link cudart}. */
  libDir: string;
  /** `CUDART_VERSION` from the header, e.g. `12.4`, when readable. */
  version?: string;
  /** Where it was found: `CUDA_HOME`, `/usr/local/cuda`, `nvcc`, `system`. */
  source: string;
}

/**
 * Knobs for {@link discoverTensorRt} and {@link discoverCuda}; defaults describe a real Linux box.
 *
 * @group Discovery
 */
export interface DiscoveryOptions {
  /** Environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Debian-layout header directories (default `/usr/include/x86_64-linux-gnu`, `/usr/include`). */
  systemIncludeDirs?: readonly string[];
  /** Debian-layout library directories (default `/usr/lib/x86_64-linux-gnu`, `/usr/lib64`, `/usr/lib`). */
  systemLibDirs?: readonly string[];
  /** Directories whose `TensorRT*` children are install roots (default `/usr/local`). */
  tensorRtParents?: readonly string[];
  /** Further install roots (default `/opt/tensorrt`). */
  tensorRtRoots?: readonly string[];
  /** Python used to locate a pip `tensorrt` (default `$ONNX_SURGEON_PYTHON` or `python3`); null skips. */
  python?: string | null;
  /** Time limit of that probe (default 5000 ms). */
  pythonTimeoutMs?: number;
  /** CUDA roots tried after `CUDA_HOME`/`CUDA_PATH` and before `nvcc` (default `/usr/local/cuda`). */
  cudaRoots?: readonly string[];
}

interface SearchGroup {
  origin: string;
  includeDirs: string[];
  libDirs: string[];
}

const INSTALL_HINT =
  'Install TensorRT 8.6, 10.x or 11.x with its C++ headers (NVIDIA CUDA apt repository: ' +
  '`apt-get install libnvinfer-dev libnvonnxparsers-dev libnvinfer-plugin-dev`, or the TensorRT tar ' +
  'package from https://developer.nvidia.com/tensorrt), then `export TENSORRT_ROOT=/path/to/TensorRT` ' +
  '(the folder holding include/ and lib/). A pip-installed `tensorrt` brings libraries but no headers.';

/**
 * Finds TensorRT or throws {@link ToolchainMissingError} naming the missing file and where it
 * looked.
 *
 * @example
 * ```ts
 * const trt = discoverTensorRt();
 * console.log(trt.version.text, trt.includeDir, trt.libraries.nvinfer);
 * ```
 * @group Discovery
 */
export function discoverTensorRt(options: DiscoveryOptions = {}): TensorRtInstall {
  requireLinux();
  const env = options.env ?? process.env;
  const explicitVariable = env.TENSORRT_ROOT ? 'TENSORRT_ROOT' : env.TRT_ROOT ? 'TRT_ROOT' : undefined;
  if (explicitVariable) return fromExplicitRoot(explicitVariable, env[explicitVariable]!);

  const groups = searchGroups(options, env);
  const headerGroup = groups.find((g) => g.includeDirs.some(hasAllHeaders));
  if (!headerGroup) throw missingHeaders(groups);
  const includeDir = headerGroup.includeDirs.find(hasAllHeaders)!;
  const version = readVersion(includeDir);
  // Libraries from the headers' own install first, so a tar install never mixes with the system one.
  const libGroups = [headerGroup, ...groups.filter((g) => g !== headerGroup)];
  const libDirs = [...new Set(libGroups.flatMap((g) => g.libDirs))];
  const found = pickLibraries(libDirs, version);
  if ('missing' in found) {
    throw new ToolchainMissingError('tensorrt',
      `found TensorRT ${version.text} headers in ${includeDir}, but ${found.missing} ` +
      `(searched ${libDirs.join(', ') || 'no library directories'}). ` +
      'Set TENSORRT_ROOT to an install with both include/ and lib/, or add its lib/ folder to LD_LIBRARY_PATH.',
      { expected: `libnvinfer.so.${version.major}, libnvonnxparser.so.${version.major}, libnvinfer_plugin.so.${version.major}` });
  }
  return { version, includeDir, libraries: found.libraries, libDirs: found.libDirs, source: headerGroup.origin };
}

/**
 * Finds the CUDA runtime headers and `libcudart`, or throws {@link ToolchainMissingError}.
 *
 * @example
 * ```ts
 * const cuda = discoverCuda(); // { includeDir: '/usr/local/cuda/include', cudart: '.../libcudart.so', ... }
 * ```
 * @group Discovery
 */
export function discoverCuda(options: DiscoveryOptions = {}): CudaInstall {
  requireLinux();
  const env = options.env ?? process.env;
  const explicitVariable = env.CUDA_HOME ? 'CUDA_HOME' : env.CUDA_PATH ? 'CUDA_PATH' : undefined;
  const roots: { origin: string; root: string }[] = [];
  if (explicitVariable) {
    roots.push({ origin: explicitVariable, root: env[explicitVariable]! });
  } else {
    for (const root of options.cudaRoots ?? ['/usr/local/cuda']) roots.push({ origin: root, root });
    const nvcc = findOnPath('nvcc', env);
    if (nvcc) roots.push({ origin: 'nvcc', root: dirname(dirname(nvcc)) });
  }
  const groups: SearchGroup[] = roots.map(({ origin, root }) => ({
    origin,
    includeDirs: [join(root, 'include'), join(root, 'targets', 'x86_64-linux', 'include')],
    libDirs: [join(root, 'lib64'), join(root, 'lib'), join(root, 'targets', 'x86_64-linux', 'lib')],
  }));
  if (!explicitVariable) {
    // Debian's nvidia-cuda-toolkit installs into the plain system folders.
    groups.push({
      origin: 'system',
      includeDirs: [...(options.systemIncludeDirs ?? ['/usr/include'])],
      libDirs: [...(options.systemLibDirs ?? ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'])],
    });
  }
  for (const group of groups) {
    const includeDir = group.includeDirs.find((d) => existsSync(join(d, 'cuda_runtime_api.h')));
    if (!includeDir) continue;
    for (const libDir of group.libDirs) {
      const cudart = findLibrary(libDir, 'cudart');
      if (cudart) return { includeDir, cudart, libDir, source: group.origin, ...cudaVersion(includeDir) };
    }
  }
  const where = explicitVariable ? `${explicitVariable}=${env[explicitVariable]}` : groups.map((g) => g.origin).join(', ');
  const searched = groups.flatMap((g) => g.includeDirs).join(', ');
  throw new ToolchainMissingError('cuda',
    `CUDA runtime not found: need cuda_runtime_api.h and libcudart.so* (looked in ${where}; headers searched in ${searched}). ` +
    'Install the CUDA toolkit matching your TensorRT and set CUDA_HOME (e.g. export CUDA_HOME=/usr/local/cuda-12.4).',
    { expected: 'cuda_runtime_api.h + libcudart.so*' });
}

function requireLinux(): void {
  if (process.platform !== 'linux') {
    throw new ToolchainMissingError('platform',
      `onnx-surgeon build supports Linux only (this is ${process.platform}); on Windows use trtexec with the fused ONNX`);
  }
}

function fromExplicitRoot(variable: string, root: string): TensorRtInstall {
  const includeDir = join(root, 'include');
  const missingHeaders = TENSORRT_HEADERS.filter((h) => !existsSync(join(includeDir, h)));
  if (missingHeaders.length) {
    throw new ToolchainMissingError('tensorrt',
      `${variable}=${root}: ${missingHeaders.join(', ')} not found in ${includeDir}. ` +
      `Point ${variable} at the TensorRT folder that holds include/ and lib/ (the unpacked tar package), or unset it to search the usual places.`,
      { expected: TENSORRT_HEADERS.join(', '), found: existsSync(includeDir) ? `${includeDir} without them` : `no ${includeDir}` });
  }
  const version = readVersion(includeDir);
  const libDirs = [join(root, 'lib'), join(root, 'lib64'), join(root, 'targets', 'x86_64-linux', 'lib')];
  const found = pickLibraries(libDirs, version);
  if ('missing' in found) {
    throw new ToolchainMissingError('tensorrt',
      `${variable}=${root}: ${found.missing} (searched ${libDirs.join(', ')}). ` +
      `The TensorRT ${version.text} headers are there but the libraries are not; point ${variable} at a complete install.`);
  }
  return { version, includeDir, libraries: found.libraries, libDirs: found.libDirs, source: variable };
}

function searchGroups(options: DiscoveryOptions, env: NodeJS.ProcessEnv): SearchGroup[] {
  const groups: SearchGroup[] = [];
  for (const entry of (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) {
    groups.push({ origin: 'LD_LIBRARY_PATH', includeDirs: [join(dirname(entry), 'include')], libDirs: [entry] });
  }
  groups.push({
    origin: 'system',
    includeDirs: [...(options.systemIncludeDirs ?? ['/usr/include/x86_64-linux-gnu', '/usr/include'])],
    libDirs: [...(options.systemLibDirs ?? ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'])],
  });
  for (const parent of options.tensorRtParents ?? ['/usr/local']) {
    const children = listDirectory(parent).filter((name) => name.startsWith('TensorRT'));
    // Newest first: version-aware compare of names such as TensorRT-8.6.1.6 and TensorRT-10.3.0.26.
    children.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
    for (const child of children) groups.push(rootGroup(join(parent, child)));
  }
  for (const root of options.tensorRtRoots ?? ['/opt/tensorrt']) groups.push(rootGroup(root));
  const pipDirs = probePipTensorRt(options, env);
  if (pipDirs.length) groups.push({ origin: 'pip', includeDirs: [], libDirs: pipDirs });
  return groups;
}

function rootGroup(root: string): SearchGroup {
  return { origin: root, includeDirs: [join(root, 'include')], libDirs: [join(root, 'lib'), join(root, 'lib64')] };
}

function hasAllHeaders(dir: string): boolean {
  return TENSORRT_HEADERS.every((h) => existsSync(join(dir, h)));
}

function readVersion(includeDir: string): TensorRtVersion {
  const file = join(includeDir, 'NvInferVersion.h');
  const version = parseTensorRtVersionHeader(readFileSync(file, 'utf8'));
  if (!version) {
    throw new ToolchainMissingError('tensorrt', `cannot read the TensorRT version from ${file}`,
      { file, expected: '#define NV_TENSORRT_MAJOR/MINOR/PATCH' });
  }
  if (version.major < 8 || (version.major === 8 && version.minor < 6)) {
    throw new ToolchainMissingError('tensorrt',
      `TensorRT ${version.text} in ${includeDir} is too old: onnx-surgeon build needs 8.6 or newer ` +
      '(name-based I/O, MultiscaleDeformableAttnPlugin_TRT in libnvinfer_plugin)', { expected: '>= 8.6', found: version.text });
  }
  return version;
}

type LibraryPick =
  | { libraries: Record<keyof typeof TENSORRT_LIBRARIES, string>; libDirs: string[] }
  | { missing: string };

/**
 * Takes each library from the first directory that has it with the headers' major version. A
 * library of another major (e.g. TensorRT 8 libs next to TensorRT 10 headers) would link but
 * fail at run time, so it counts as missing, and the message says which version was there.
 */
function pickLibraries(libDirs: readonly string[], version: TensorRtVersion): LibraryPick {
  const libraries: Partial<Record<keyof typeof TENSORRT_LIBRARIES, string>> = {};
  const problems: string[] = [];
  for (const [role, stem] of Object.entries(TENSORRT_LIBRARIES) as [keyof typeof TENSORRT_LIBRARIES, string][]) {
    let wrongMajor: string | undefined;
    for (const dir of libDirs) {
      const file = findLibrary(dir, stem);
      if (!file) continue;
      const major = libraryMajorVersion(file);
      if (major !== undefined && major !== version.major) {
        wrongMajor ??= `${file} is TensorRT ${major}`;
        continue;
      }
      libraries[role] = file;
      break;
    }
    if (!libraries[role]) problems.push(`lib${stem}.so* not found${wrongMajor ? ` (only ${wrongMajor}, headers are ${version.text})` : ''}`);
  }
  if (problems.length) return { missing: problems.join('; ') };
  const complete = libraries as Record<keyof typeof TENSORRT_LIBRARIES, string>;
  return { libraries: complete, libDirs: [...new Set(Object.values(complete).map((f) => dirname(f)))] };
}

function missingHeaders(groups: readonly SearchGroup[]): ToolchainMissingError {
  const dirs = groups.flatMap((g) => g.includeDirs);
  // If some folder has part of the headers, name what it lacks: usually one missing -dev package.
  for (const dir of dirs) {
    const present = TENSORRT_HEADERS.filter((h) => existsSync(join(dir, h)));
    if (present.length) {
      const absent = TENSORRT_HEADERS.filter((h) => !present.includes(h));
      return new ToolchainMissingError('tensorrt',
        `incomplete TensorRT headers in ${dir}: ${absent.join(', ')} missing (${present.join(', ')} present). ${INSTALL_HINT}`,
        { expected: TENSORRT_HEADERS.join(', ') });
    }
  }
  return new ToolchainMissingError('tensorrt',
    `TensorRT not found: no folder with NvInfer.h among ${dirs.join(', ') || '(none)'}. ${INSTALL_HINT}`,
    { expected: TENSORRT_HEADERS.join(', ') });
}

const PIP_PROBE = [
  'import importlib.util, json, os',
  'out = []',
  'for name in ("tensorrt_libs", "tensorrt"):',
  '    try:',
  '        spec = importlib.util.find_spec(name)',
  '    except Exception:',
  '        spec = None',
  '    if spec is not None:',
  '        out += list(spec.submodule_search_locations or []) or [os.path.dirname(spec.origin or "")]',
  'print(json.dumps(out))',
].join('\n');

/**
 * Library folders of a pip `tensorrt`, found with `importlib.util.find_spec` (which locates the
 * packages without importing them, so no CUDA initialization and no long start-up).
 */
function probePipTensorRt(options: DiscoveryOptions, env: NodeJS.ProcessEnv): string[] {
  const python = options.python === undefined ? env.ONNX_SURGEON_PYTHON || 'python3' : options.python;
  if (python === null) return [];
  const result = spawnSync(python, ['-c', PIP_PROBE], {
    encoding: 'utf8', timeout: options.pythonTimeoutMs ?? 5000, env: { ...env }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.status !== 0 || !result.stdout) return [];
  try {
    const dirs: unknown = JSON.parse(result.stdout.trim().split('\n').pop() ?? '[]');
    return Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && d.length > 0) : [];
  } catch {
    return [];
  }
}

function cudaVersion(includeDir: string): { version?: string } {
  try {
    const match = /#define\s+CUDART_VERSION\s+(\d+)/.exec(readFileSync(join(includeDir, 'cuda_runtime_api.h'), 'utf8'));
    if (!match) return {};
    const code = Number(match[1]);
    return { version: `${Math.floor(code / 1000)}.${Math.floor((code % 1000) / 10)}` };
  } catch {
    return {};
  }
}

/** Absolute path of an executable on `PATH`, or undefined. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
