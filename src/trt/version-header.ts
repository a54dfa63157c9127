/**
 * Reads the TensorRT version out of `NvInferVersion.h` without a preprocessor. TensorRT up to
 * 10.10 writes `#define NV_TENSORRT_MAJOR 10`; newer 10.x headers go through one level of
 * indirection (`#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE` plus
 * `#define TRT_MAJOR_ENTERPRISE 10`), which naive regexes read as no version at all.
 */

/**
 * A TensorRT version as the headers state it.
 *
 * @group Discovery
 */
export interface TensorRtVersion {
  major: number;
  minor: number;
  patch: number;
  /** Build number, when the header defines it. */
  build?: number;
  /** `major.minor.patch` (plus `.build` when known). */
  text: string;
}

/**
 * Parses the text of `NvInferVersion.h`. Returns undefined when MAJOR/MINOR/PATCH cannot be
 * resolved to numbers.
 *
 * @example
 * ```ts
 * parseTensorRtVersionHeader('#define NV_TENSORRT_MAJOR 8\n#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1');
 * // { major: 8, minor: 6, patch: 1, text: '8.6.1' }
 * ```
 * @group Discovery
 */
export function parseTensorRtVersionHeader(text: string): TensorRtVersion | undefined {
  const defines = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z0-9_]+)/.exec(line);
    if (match) defines.set(match[1]!, match[2]!);
  }
  const resolve = (name: string): number | undefined => {
    let token = defines.get(name);
    // A couple of hops is all NVIDIA uses; the bound also stops self-referencing macros.
    for (let hop = 0; token !== undefined && !/^\d+$/.test(token) && hop < 4; hop++) token = defines.get(token);
    return token !== undefined && /^\d+$/.test(token) ? Number(token) : undefined;
  };
  const major = resolve('NV_TENSORRT_MAJOR');
  const minor = resolve('NV_TENSORRT_MINOR');
  const patch = resolve('NV_TENSORRT_PATCH');
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const build = resolve('NV_TENSORRT_BUILD');
  const base = `${major}.${minor}.${patch}`;
  return build === undefined ? { major, minor, patch, text: base } : { major, minor, patch, build, text: `${base}.${build}` };
}
