/**
 * mulberry32: a tiny, fast, seeded 32-bit PRNG, uniform in [0, 1) and the same on every platform.
 * Random verify inputs, benchmark weights and test data all use it, so a seed reproduces a run.
 *
 * @example
 * ```ts
 * const next = seededRandom(1);
 * next(); // 0.6270739405881613, every time
 * ```
 * @group Inputs
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
