/**
 * Time-boxed fuzz loop: cases from `mutate.ts` run one at a time in a child process (so a hang is
 * stopped, not waited on, and a V8 abort ends only that child), each checked against the contract: a valid result or an
 * `OnnxSurgeonError`, within a time limit, without a memory blow-up. Every failing input is saved
 * under `regressions/` so `regressions.test.ts` replays it forever after.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildProcess, fork } from 'node:child_process';
import { type FuzzCase, type MutationKind, makeCase } from './mutate.js';
import type { CaseOutcome } from './run-case.js';

/** Folder of saved failing inputs (one `<short-hash>.onnx` each). */
export const REGRESSIONS_DIR = join(import.meta.dirname, 'regressions');

/** A case slower than this (twice in a row) fails. */
export const CASE_SLOW_MS = 2000;
/** A case still running after this is a hang: its worker is terminated. */
export const CASE_HANG_MS = 15000;
/** Growth of `arrayBuffers + heapUsed` allowed for one case, beyond 16x its input size. */
export const CASE_MEMORY_SLACK_BYTES = 256 * 2 ** 20;
/** Growth of the process RSS allowed over a whole fuzz run. */
export const RUN_RSS_GROWTH_BYTES = 1536 * 2 ** 20;

/** One broken promise of the contract. */
export interface FuzzFailure {
  seed: number;
  kind: MutationKind | 'regression';
  reason: 'crash' | 'hang' | 'slow' | 'memory' | 'worker-died';
  detail: string;
  /** Where the input was saved. */
  savedAs: string;
}

/** Totals of a fuzz run. */
export interface FuzzRun {
  cases: number;
  /** Outcomes per `status:stage`, e.g. `rejected:load`. */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
  rssGrowthBytes: number;
}

/** Runs cases in a child process, restarting it after a hang or a death of the child itself. */
export class CaseRunner {
  private child: ChildProcess | undefined;
  private nextId = 0;

  /** Starts the child (it loads the sources: about a second once transpiled files are cached). */
  async start(): Promise<void> {
    const child = fork(new URL('./case-worker.mjs', import.meta.url), [], {
      // A runaway JS heap ends the child (reported as worker-died), never the test process.
      execArgv: ['--max-old-space-size=2048'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.resume();
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }): void => {
        if (!m.ready) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null): void => reject(new Error(`fuzz case runner exited during start-up (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    this.child = child;
  }

  /** Runs one case; `timeout` when it exceeded `limitMs` (the child is then replaced). */
  async run(bytes: Uint8Array, limitMs = CASE_HANG_MS, path?: string): Promise<{ outcome: CaseOutcome; ms: number } | { timeout: true } | { died: string }> {
    if (!this.child) await this.start();
    const child = this.child!;
    const id = this.nextId++;
    const result = await new Promise<{ outcome: CaseOutcome; ms: number } | { timeout: true } | { died: string }>((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        resolve({ timeout: true });
      }, limitMs);
      const onMessage = (m: { id: number; outcome: CaseOutcome; ms: number }): void => {
        if (m.id !== id) return;
        cleanup();
        resolve({ outcome: m.outcome, ms: m.ms });
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        resolve({ died: `case runner exited (code ${code}, signal ${signal})` });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id, bytes, path });
    });
    if (!('outcome' in result)) {
      this.child = undefined;
      child.kill('SIGKILL');
    }
    return result;
  }

  /** Stops the child. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/**
 * Checks one input against the contract. Returns the failure (input saved) or the outcome key.
 * A slow case is run a second time before it counts, so a busy CI machine does not fail it.
 */
export async function checkCase(runner: CaseRunner, bytes: Uint8Array, seed: number, kind: FuzzFailure['kind'], path?: string): Promise<{ key: string; failure?: FuzzFailure }> {
  let result = await runner.run(bytes, CASE_HANG_MS, path);
  if ('outcome' in result && result.ms > CASE_SLOW_MS) result = await runner.run(bytes, CASE_HANG_MS, path);
  const fail = (reason: FuzzFailure['reason'], detail: string): { key: string; failure: FuzzFailure } => ({
    key: `failure:${reason}`,
    failure: { seed, kind, reason, detail, savedAs: saveRegression(bytes) },
  });
  if ('timeout' in result) return fail('hang', `no result after ${CASE_HANG_MS} ms`);
  if ('died' in result) return fail('worker-died', result.died);
  const { outcome, ms } = result;
  if (outcome.status === 'crash') return fail('crash', `${outcome.stage}: ${outcome.code}: ${outcome.message}\n${outcome.stack ?? ''}`);
  if (ms > CASE_SLOW_MS) return fail('slow', `${ms.toFixed(0)} ms (limit ${CASE_SLOW_MS}), ended ${outcome.status} at ${outcome.stage}`);
  const memoryLimit = CASE_MEMORY_SLACK_BYTES + 16 * bytes.byteLength;
  if (outcome.peakGrowthBytes > memoryLimit) {
    return fail('memory', `grew ${(outcome.peakGrowthBytes / 2 ** 20).toFixed(0)} MiB (limit ${(memoryLimit / 2 ** 20).toFixed(0)} MiB) at ${outcome.stage}`);
  }
  return { key: `${outcome.status}:${outcome.stage}` };
}

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  corpus: readonly Uint8Array[];
  /** Wall-clock budget of the loop (worker start-up not included). */
  seconds: number;
  /** First seed; cases use `firstSeed, firstSeed + 1, ...`. */
  firstSeed: number;
  /** Restrict to these kinds (picked by seed), default all. */
  kinds?: readonly MutationKind[];
  /** Stop after this many cases even if time is left. */
  maxCases?: number;
}

/** Runs seeded cases until the time budget is spent. Deterministic sequence for a given first seed. */
export async function fuzz(options: FuzzOptions): Promise<FuzzRun> {
  const runner = new CaseRunner();
  await runner.start();
  const run: FuzzRun = { cases: 0, outcomes: {}, failures: [], rssGrowthBytes: 0 };
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const deadline = performance.now() + options.seconds * 1000;
  try {
    for (let seed = options.firstSeed; performance.now() < deadline && run.cases < (options.maxCases ?? Infinity); seed++) {
      const kind = options.kinds ? options.kinds[seed % options.kinds.length] : undefined;
      const fuzzCase: FuzzCase = makeCase(seed, options.corpus, kind);
      const { key, failure } = await checkCase(runner, fuzzCase.bytes, seed, fuzzCase.kind);
      run.cases++;
      run.outcomes[key] = (run.outcomes[key] ?? 0) + 1;
      if (failure) run.failures.push(failure);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
  } finally {
    await runner.stop();
  }
  run.rssGrowthBytes = rssPeak - rssStart;
  return run;
}

/** Saves a failing input as `regressions/<short-hash>.onnx` (once) and returns its path. */
export function saveRegression(bytes: Uint8Array): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  mkdirSync(REGRESSIONS_DIR, { recursive: true });
  const path = join(REGRESSIONS_DIR, `${hash}.onnx`);
  if (!existsSync(path)) writeFileSync(path, bytes);
  return path;
}

/** The fixture models the mutations start from. */
export function loadCorpus(): Uint8Array[] {
  const root = join(import.meta.dirname, '..', 'fixtures', 'msda');
  const names = ['enc_listshapes_op17', 'enc_listshapes_dynamic_op17', 'enc_listshapes_dynamo_op18', 'hf_mask2former_op17', 'hf_rtdetr_op17', 'hf_deformable_detr_twostage_refine_op17'];
  return names.map((n) => new Uint8Array(readFileSync(join(root, n, 'model.onnx'))));
}

/** Total fuzz budget in seconds (`FUZZ_SECONDS`, default 60), shared by the fuzz test files. */
export function fuzzSeconds(): number {
  const fromEnv = Number(process.env.FUZZ_SECONDS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60;
}

/** First seed (`FUZZ_SEED`, default 1): CI runs the same cases every time unless told otherwise. */
export function fuzzFirstSeed(offset: number): number {
  const fromEnv = Number(process.env.FUZZ_SEED);
  return (Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1) + offset;
}

/** One readable block per failure, with the seed and how to replay it. */
export function describeFailures(failures: readonly FuzzFailure[]): string {
  return failures
    .map((f) => `seed ${f.seed} (${f.kind}) ${f.reason}: ${f.detail.split('\n').slice(0, 6).join('\n    ')}\n    saved as ${f.savedAs}; replay: FUZZ_SEED=${f.seed} or npx vitest run test/fuzz/regressions.test.ts`)
    .join('\n');
}
