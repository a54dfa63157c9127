/**
 * Compiles the native builder (native/) on first use with this machine's compiler and caches the
 * binary under `$XDG_CACHE_HOME/onnx-surgeon/trt-builder/` (or `~/.cache/...`), keyed by the
 * TensorRT version, the exact libraries, a hash of the C++ sources and the compiler, so an upgrade
 * of any of them rebuilds and nothing else does. Uses CMake when installed, else one direct
 * compiler command (the sources need nothing CMake-specific).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxSurgeonError } from '../errors.js';
import type { CudaInstall, TensorRtInstall } from './discover.js';
import { findOnPath } from './discover.js';
import { ToolchainMissingError } from './toolchain-error.js';

/**
 * File name of the builder executable.
 *
 * @group Native builder
 */
export const BUILDER_BINARY_NAME = 'onnx-surgeon-trt-builder';

/**
 * A C++ compiler and what identifies it in the cache key.
 *
 * @group Native builder
 */
export interface CompilerInfo {
  /** Executable path. */
  path: string;
  /** First line of `--version` (changes when the compiler is upgraded). */
  identity: string;
}

/**
 * What one compilation needs.
 *
 * @group Native builder
 */
export interface CompilePlan {
  tensorrt: TensorRtInstall;
  cuda: CudaInstall;
  compiler: CompilerInfo;
  /** The `native/` folder. */
  sourceDir: string;
  /** Scratch folder for the build. */
  workDir: string;
}

/**
 * Options of {@link ensureBuilder}.
 *
 * @group Native builder
 */
export interface EnsureBuilderOptions {
  tensorrt: TensorRtInstall;
  cuda: CudaInstall;
  /** Environment (default `process.env`): `CXX`, `PATH`, `XDG_CACHE_HOME`, `HOME`. */
  env?: NodeJS.ProcessEnv;
  /** Cache root override (default {@link builderCacheRoot}). */
  cacheRoot?: string;
  /** `native/` override (default: the one shipped with this package). */
  sourceDir?: string;
  /** Compiler override (default: `$CXX`, then g++, c++, clang++ on PATH). */
  compiler?: string;
  /** `cmake` to use; null forces the direct compiler command (default: cmake if on PATH). */
  cmake?: string | null;
  /** Progress messages ("compiling the TensorRT builder (first use)..."). */
  onProgress?: (message: string) => void;
}

/**
 * The builder binary ready to run.
 *
 * @group Native builder
 */
export interface CompiledBuilder {
  /** Path of the executable. */
  binary: string;
  /** True if it came from the cache. */
  cached: boolean;
  /** The cache key (folder name). */
  cacheKey: string;
}

/**
 * `$XDG_CACHE_HOME/onnx-surgeon` or `~/.cache/onnx-surgeon`.
 *
 * @group Native builder
 */
export function builderCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'onnx-surgeon');
}

/** The `native/` folder shipped with this package (found by walking up from this module). */
export function defaultSourceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native', 'CMakeLists.txt'))) return join(dir, 'native');
    dir = dirname(dir);
  }
  throw new OnnxSurgeonError('internal', 'the native/ builder sources are missing from this installation of onnx-surgeon');
}

/** The `.cpp` files of the builder, sorted (relative to `sourceDir`). */
export function builderSources(sourceDir: string): string[] {
  return readdirSync(join(sourceDir, 'src')).filter((f) => f.endsWith('.cpp')).sort().map((f) => join('src', f));
}

/**
 * SHA-256 over the builder's CMakeLists.txt and every file under src/ (names and contents).
 *
 * @group Native builder
 */
export function hashBuilderSources(sourceDir: string): string {
  const hash = createHash('sha256');
  const files = ['CMakeLists.txt', ...readdirSync(join(sourceDir, 'src')).sort().map((f) => join('src', f))];
  for (const file of files) {
    hash.update(file).update('\0').update(readFileSync(join(sourceDir, file))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Cache folder name: `trt<version>-<16 hex digits>` over everything the binary depends on.
 *
 * @group Native builder
 */
export function builderCacheKey(tensorrt: TensorRtInstall, cuda: CudaInstall, compiler: CompilerInfo, sourceHash: string): string {
  const hash = createHash('sha256');
  for (const part of [tensorrt.version.text, tensorrt.includeDir, ...Object.values(tensorrt.libraries), cuda.cudart, cuda.includeDir,
    compiler.path, compiler.identity, sourceHash]) {
    hash.update(part).update('\0');
  }
  return `trt${tensorrt.version.text}-${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Finds a C++17 compiler: `compiler` if given, else `$CXX`, else g++, c++, clang++ on PATH.
 * Throws {@link ToolchainMissingError} when there is none.
 * @group Native builder
 */
export async function findCompiler(env: NodeJS.ProcessEnv = process.env, compiler?: string): Promise<CompilerInfo> {
  const candidates = compiler ? [compiler] : env.CXX ? [env.CXX] : ['g++', 'c++', 'clang++'];
  for (const candidate of candidates) {
    const path = candidate.includes('/') ? (existsSync(candidate) ? candidate : undefined) : findOnPath(candidate, env);
    if (!path) continue;
    const output = await run(path, ['--version'], { env }).catch(() => undefined);
    if (output === undefined) continue;
    return { path, identity: output.split('\n')[0]!.trim() };
  }
  throw new ToolchainMissingError('compiler',
    `no C++ compiler found (tried ${candidates.join(', ')}${compiler || env.CXX ? '' : ' on PATH'}); the TensorRT builder is compiled on first use. ` +
    'Install one (Debian/Ubuntu: `apt-get install g++`, optionally `cmake`) or set CXX=/path/to/c++');
}

/**
 * The direct compile-and-link command (used when CMake is not installed).
 *
 * @group Native builder
 */
export function directCompileCommand(plan: CompilePlan): { command: string; args: string[] } {
  const { tensorrt, cuda } = plan;
  const rpathDirs = [...new Set([...tensorrt.libDirs, cuda.libDir])];
  return {
    command: plan.compiler.path,
    args: [
      '-std=c++17', '-O2', '-Wall', '-Wextra',
      // -isystem: NVIDIA's headers warn about their own deprecated types by the hundred; warnings
      // at this project's call sites (deprecated TensorRT API used here) still show.
      '-isystem', tensorrt.includeDir, '-isystem', cuda.includeDir,
      ...builderSources(plan.sourceDir).map((f) => join(plan.sourceDir, f)),
      '-o', join(plan.workDir, BUILDER_BINARY_NAME),
      // Exact files rather than -lnvinfer: pip wheels ship libnvinfer.so.10 without the .so symlink.
      tensorrt.libraries.nvinfer, tensorrt.libraries.nvonnxparser, tensorrt.libraries.nvinferPlugin, cuda.cudart,
      ...rpathDirs.map((d) => `-Wl,-rpath,${d}`),
      '-ldl', '-lpthread',
    ],
  };
}

/**
 * The CMake configure and build commands; the binary lands in `<workDir>/build/`.
 *
 * @group Native builder
 */
export function cmakeCommands(plan: CompilePlan, cmake = 'cmake'): { command: string; args: string[] }[] {
  const buildDir = join(plan.workDir, 'build');
  return [
    {
      command: cmake,
      args: [
        '-S', plan.sourceDir, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release',
        `-DCMAKE_CXX_COMPILER=${plan.compiler.path}`,
        `-DTENSORRT_INCLUDE_DIR=${plan.tensorrt.includeDir}`,
        `-DNVINFER_LIBRARY=${plan.tensorrt.libraries.nvinfer}`,
        `-DNVONNXPARSER_LIBRARY=${plan.tensorrt.libraries.nvonnxparser}`,
        `-DNVINFER_PLUGIN_LIBRARY=${plan.tensorrt.libraries.nvinferPlugin}`,
        `-DCUDA_INCLUDE_DIR=${plan.cuda.includeDir}`,
        `-DCUDART_LIBRARY=${plan.cuda.cudart}`,
      ],
    },
    { command: cmake, args: ['--build', buildDir, '--config', 'Release', '--parallel'] },
  ];
}

/**
 * Returns the cached builder for this TensorRT/CUDA/compiler/source combination, compiling it
 * first if needed. Compilation happens in a private scratch folder and the binary is renamed into
 * place, so concurrent first uses never see a half-written executable.
 *
 * @example
 * ```ts
 * const { binary } = await ensureBuilder({ tensorrt: discoverTensorRt(), cuda: discoverCuda() });
 * ```
 * @group Native builder
 */
export async function ensureBuilder(options: EnsureBuilderOptions): Promise<CompiledBuilder> {
  const env = options.env ?? process.env;
  const sourceDir = options.sourceDir ?? defaultSourceDir();
  const compiler = await findCompiler(env, options.compiler);
  const cacheKey = builderCacheKey(options.tensorrt, options.cuda, compiler, hashBuilderSources(sourceDir));
  const root = join(options.cacheRoot ?? builderCacheRoot(env), 'trt-builder');
  const binary = join(root, cacheKey, BUILDER_BINARY_NAME);
  if (existsSync(binary)) return { binary, cached: true, cacheKey };

  const workDir = join(root, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(workDir, { recursive: true });
  const plan: CompilePlan = { tensorrt: options.tensorrt, cuda: options.cuda, compiler, sourceDir, workDir };
  const cmake = options.cmake === undefined ? findOnPath('cmake', env) : options.cmake ?? undefined;
  options.onProgress?.(`compiling the TensorRT builder for TensorRT ${options.tensorrt.version.text} with ${compiler.identity}` +
    `${cmake ? ' (cmake)' : ''}; cached in ${join(root, cacheKey)}`);
  try {
    let built: string;
    if (cmake) {
      for (const step of cmakeCommands(plan, cmake)) await runCompileStep(step, env);
      built = join(workDir, 'build', BUILDER_BINARY_NAME);
    } else {
      await runCompileStep(directCompileCommand(plan), env);
      built = join(workDir, BUILDER_BINARY_NAME);
    }
    if (!existsSync(built)) {
      throw new OnnxSurgeonError('native', `compiling the TensorRT builder produced no ${BUILDER_BINARY_NAME}`, { file: built });
    }
    await mkdir(dirname(binary), { recursive: true });
    await chmod(built, 0o755);
    await writeFile(join(dirname(binary), 'build-info.json'), JSON.stringify({
      tensorrt: options.tensorrt.version.text, libraries: options.tensorrt.libraries, cuda: options.cuda.cudart,
      compiler: compiler.identity, sourceDir: resolve(sourceDir),
    }, null, 2));
    await rename(built, binary);
    return { binary, cached: false, cacheKey };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function runCompileStep(step: { command: string; args: string[] }, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(step.command, step.args, { env });
  } catch (error) {
    const output = error instanceof CompileFailure ? error.output : String(error);
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new OnnxSurgeonError('native',
      `compiling the TensorRT builder failed (${step.command} exited with an error); last lines:\n${tail}`,
      { expected: 'a C++17 compiler and TensorRT 8.6+ headers that match the libraries' }, { cause: error });
  }
}

class CompileFailure extends Error {
  constructor(readonly output: string) {
    super(output);
  }
}

function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { env: options.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new CompileFailure(`${stdout}\n${stderr}\n${error.message}`));
      else resolvePromise(`${stdout}${stderr}`);
    });
  });
}
