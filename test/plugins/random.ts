/** Small deterministic helpers for plugin tests (seeded, so failures reproduce). */
import { seededRandom } from '../../src/random.js';

export { seededRandom };

/** Integer in [lo, hi] inclusive. */
export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** One MSDA problem: sizes, plugin-layout data (float32), level tables. */
export interface MsdaCase {
  N: number; M: number; D: number; Lq: number; L: number; P: number;
  levels: [number, number][];
  S: number;
  spatialShapes: Int32Array;
  levelStartIndex: Int32Array;
  value: Float32Array;
  samplingLocations: Float32Array;
  attentionWeights: Float32Array;
}

/**
 * A random MSDA problem whose locations mix uniform values in [-0.3, 1.3] with values that land
 * exactly on pixel centres, pixel borders, the level edges, and just past the validity window.
 */
export function randomMsdaCase(
  random: () => number,
  sizes: { N: number; M: number; D: number; Lq: number; P: number; levels: [number, number][] },
): MsdaCase {
  const { N, M, D, Lq, P, levels } = sizes;
  const L = levels.length;
  const spatialShapes = Int32Array.from(levels.flat());
  const levelStartIndex = new Int32Array(L);
  let S = 0;
  levels.forEach(([H, W], l) => { levelStartIndex[l] = S; S += H * W; });
  const value = Float32Array.from({ length: N * S * M * D }, () => random() * 4 - 2);
  const samplingLocations = new Float32Array(N * Lq * M * L * P * 2);
  for (let i = 0; i < samplingLocations.length; i++) {
    const l = Math.floor(i / (2 * P)) % L;
    const extent = i % 2 === 0 ? levels[l]![1] : levels[l]![0];
    samplingLocations[i] = specialCoordinate(random, extent);
  }
  const attentionWeights = Float32Array.from({ length: N * Lq * M * L * P }, () => random() * 2 - 0.5);
  return { N, M, D, Lq, L, P, levels, S, spatialShapes, levelStartIndex, value, samplingLocations, attentionWeights };
}

function specialCoordinate(random: () => number, extent: number): number {
  const kind = random();
  if (kind < 0.5) return random() * 1.6 - 0.3;
  if (kind < 0.8) return randomInt(random, -3, 2 * extent + 3) / (2 * extent); // centres and borders
  const specials = [0, 1, -0.5 / extent, (extent + 0.5) / extent, -1e-7, 1 + 1e-7, 0.5];
  return specials[randomInt(random, 0, specials.length - 1)]!;
}
