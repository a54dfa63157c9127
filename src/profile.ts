/**
 * Phase timings for performance work: with `ONNX_SURGEON_PROFILE=1` in the environment, each
 * timed phase prints one line to stderr when it ends (`[profile] decode 123.4 ms`), so a run of
 * the CLI says where its time goes (bench/fuse-scale.ts `--profile` collects them). Off, a phase
 * costs one boolean test. No Node API: the check reads `globalThis.process` when there is one.
 */

const enabled = readEnabled();

function readEnabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const flag = env?.ONNX_SURGEON_PROFILE;
  return flag !== undefined && flag !== '' && flag !== '0';
}

/** True when phase timings are printed (`ONNX_SURGEON_PROFILE` set and not `0`). */
export function profiling(): boolean {
  return enabled;
}

/**
 * Runs `step` and, when profiling, prints how long it took under `name`.
 *
 * @example
 * ```ts
 * const proto = timePhase('decode', () => decodeModel(bytes));
 * ```
 */
export function timePhase<T>(name: string, step: () => T): T {
  if (!enabled) return step();
  const start = performance.now();
  try {
    return step();
  } finally {
    reportPhase(name, performance.now() - start);
  }
}

/** {@link timePhase} for an async step. */
export async function timePhaseAsync<T>(name: string, step: () => Promise<T>): Promise<T> {
  if (!enabled) return step();
  const start = performance.now();
  try {
    return await step();
  } finally {
    reportPhase(name, performance.now() - start);
  }
}

/** Prints one phase line (when profiling); for phases measured by hand. */
export function reportPhase(name: string, ms: number): void {
  if (enabled) console.error(`[profile] ${name} ${ms.toFixed(1)} ms`);
}
