/**
 * What one fuzz case does with its bytes: load, fuse, re-encode, reload. The contract under test:
 * every case ends in a valid result or an `OnnxSurgeonError`, never another exception type.
 */

import { OnnxSurgeonError } from '../../src/errors.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { inferShapes } from '../../src/shape/index.js';

/** The stages a case goes through, in order. */
export type CaseStage = 'load' | 'infer' | 'fuse' | 'encode' | 'reload';

/** How one case ended. */
export interface CaseOutcome {
  /**
   * `ok`: every stage passed; `rejected`: an OnnxSurgeonError (fine); `crash`: anything else,
   * including an OnnxSurgeonError of code `internal` (an unexpected exception wrapped on the way).
   */
  status: 'ok' | 'rejected' | 'crash';
  /** The stage that ended it (the last one for `ok`). */
  stage: CaseStage;
  /** Error code of a rejection, or constructor name of a crash. */
  code?: string;
  /** Error message (first line) of a rejection or crash; stack of a crash. */
  message?: string;
  stack?: string;
  /** Largest growth of `arrayBuffers + heapUsed` seen between stages, in bytes. */
  peakGrowthBytes: number;
  /** Sites fused (when the pass ran). */
  fused?: number;
}

/** Options of {@link runCase}. */
export interface RunCaseOptions {
  /** Model path to pretend the bytes came from (resolves external data). */
  path?: string;
}

/**
 * Runs `bytes` through `loadModelFromBytes`, `inferShapes`, `fuseMsda`, `modelToBytes` and a
 * reload of the output. Memory is sampled between stages while the stage's results are alive.
 */
export function runCase(bytes: Uint8Array, options: RunCaseOptions = {}): CaseOutcome {
  const base = memorySample();
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, memorySample() - base);
  };
  let stage: CaseStage = 'load';
  let fused: number | undefined;
  try {
    const model = loadModelFromBytes(bytes, options.path ? { path: options.path } : {});
    sample();
    stage = 'infer';
    inferShapes(model.graph);
    sample();
    stage = 'fuse';
    fused = fuseMsda(model).fused;
    sample();
    stage = 'encode';
    const out = modelToBytes(model);
    sample();
    stage = 'reload';
    loadModelFromBytes(out);
    sample();
    return { status: 'ok', stage, peakGrowthBytes: peak, fused };
  } catch (error) {
    sample();
    // `internal` is what withContext() makes of an unexpected exception: a bug, not a clear error.
    if (error instanceof OnnxSurgeonError && error.code !== 'internal') {
      return { status: 'rejected', stage, code: error.code, message: firstLine(error.message), peakGrowthBytes: peak, ...(fused !== undefined && { fused }) };
    }
    const e = error instanceof Error ? error : new Error(String(error));
    const cause = error instanceof OnnxSurgeonError && error.cause instanceof Error ? error.cause : e;
    return { status: 'crash', stage, code: cause.constructor?.name ?? typeof error, stack: cause.stack ?? '', message: firstLine(e.message), peakGrowthBytes: peak };
  }
}

function memorySample(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
