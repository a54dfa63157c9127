/**
 * Child processes that judge mutants in parallel. A mutant that makes onnxruntime abort or hang
 * ends its child (the mutant is reported as a crash), and the pool starts another. Jobs go to a
 * child that already loaded their fixture when one is free, so each child generates a fixture's
 * mutants once.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { MutantResult } from './evaluate.js';
import type { BaselineReport } from './runner.js';

/** A job longer than this is a hang (the first job of a fixture also generates its mutants). */
const JOB_TIMEOUT_MS = 120_000;
/** A second child loads a fixture only when at least this many of its jobs are waiting. */
const SHARE_FIXTURE_JOBS = 40;

type Request =
  | { kind: 'list'; fixture: string }
  | { kind: 'baseline'; fixture: string }
  | { kind: 'judge'; fixture: string; id: string };

interface Job {
  request: Request;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Worker {
  child: ChildProcess;
  /** Resolves when the child listens (messages sent before that would be lost). */
  ready: Promise<boolean>;
  fixtures: Set<string>;
  busy: boolean;
}

export class MutantPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Job[] = [];
  private seq = 0;
  private stopped = false;
  /** CPU time (user + system, microseconds) of every child so far, by pid. */
  private readonly cpu = new Map<number, number>();

  constructor(private readonly size: number) {}

  /** Every mutant id of a fixture. */
  list(fixture: string): Promise<{ id: string; mutationClass: string }[]> {
    return this.submit({ kind: 'list', fixture }) as Promise<{ id: string; mutationClass: string }[]>;
  }

  /** The unmutated fixture's fused-vs-original difference. */
  baseline(fixture: string): Promise<BaselineReport> {
    return this.submit({ kind: 'baseline', fixture }) as Promise<BaselineReport>;
  }

  /** Judges one mutant; a child that dies or hangs on it makes it a crash. */
  async judge(fixture: string, id: string, mutationClass: string): Promise<MutantResult> {
    try {
      return await (this.submit({ kind: 'judge', fixture, id }) as Promise<MutantResult>);
    } catch (error) {
      if (!(error instanceof WorkerLost)) throw error;
      return { id, mutationClass, outcome: 'crash', detail: error.message, ms: 0 };
    }
  }

  /** CPU seconds the children used (what the run costs on an idle machine, times the workers). */
  get cpuSeconds(): number {
    return [...this.cpu.values()].reduce((a, b) => a + b, 0) / 1e6;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map(async (w) => {
      if (w.child.exitCode !== null) return;
      const exited = new Promise((resolve) => w.child.once('exit', resolve));
      w.child.kill('SIGKILL');
      await exited;
    }));
    this.workers.length = 0;
  }

  private submit(request: Request): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      void this.dispatch();
    });
  }

  private async dispatch(): Promise<void> {
    while (this.workers.length < this.size) this.workers.push(this.spawn());
    for (const worker of this.workers) {
      if (worker.busy || !this.queue.length) continue;
      const index = this.pick(worker);
      if (index < 0) continue;
      const job = this.queue.splice(index, 1)[0]!;
      worker.busy = true;
      worker.fixtures.add(job.request.fixture);
      void this.run(worker, job);
    }
  }

  /**
   * The next job for a free worker: one of a fixture it has loaded; else one of a fixture no
   * worker has; else one of a fixture with enough jobs left to be worth loading it a second time
   * (a child spends about a second generating a fixture's mutants). -1: wait.
   */
  private pick(worker: Worker): number {
    const loaded = this.queue.findIndex((j) => worker.fixtures.has(j.request.fixture));
    if (loaded >= 0) return loaded;
    const fresh = this.queue.findIndex((j) => !this.workers.some((w) => w.fixtures.has(j.request.fixture)));
    if (fresh >= 0) return fresh;
    const left = new Map<string, number>();
    for (const j of this.queue) left.set(j.request.fixture, (left.get(j.request.fixture) ?? 0) + 1);
    return this.queue.findIndex((j) => left.get(j.request.fixture)! >= SHARE_FIXTURE_JOBS);
  }

  private async run(worker: Worker, job: Job): Promise<void> {
    const seq = this.seq++;
    const child = worker.child;
    const started = await worker.ready;
    const outcome = !started ? { lost: 'worker exited during start-up' } : await new Promise<{ result?: unknown; error?: string; lost?: string }>((resolve) => {
      const timer = setTimeout(() => finish({ lost: `worker hung for ${JOB_TIMEOUT_MS / 1000} s` }), JOB_TIMEOUT_MS);
      const onMessage = (m: { seq?: number; result?: unknown; error?: string; cpu?: { user: number; system: number } }): void => {
        if (m.seq !== seq) return;
        if (m.cpu && child.pid !== undefined) this.cpu.set(child.pid, m.cpu.user + m.cpu.system);
        finish(m);
      };
      const onExit = (code: number | null, signal: string | null): void => finish({ lost: `worker died (code ${code}, signal ${signal})` });
      const finish = (value: { result?: unknown; error?: string; lost?: string }): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(value);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ ...job.request, seq });
    });
    if (outcome.lost) {
      child.kill('SIGKILL');
      this.workers.splice(this.workers.indexOf(worker), 1);
      job.reject(new WorkerLost(outcome.lost));
    } else if (outcome.error !== undefined) {
      worker.busy = false;
      job.reject(new Error(outcome.error));
    } else {
      worker.busy = false;
      job.resolve(outcome.result);
    }
    if (!this.stopped) void this.dispatch();
  }

  private spawn(): Worker {
    const child = fork(new URL('./worker.mjs', import.meta.url), [], {
      execArgv: ['--max-old-space-size=2048'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.resume();
    const ready = new Promise<boolean>((resolve) => {
      const onMessage = (m: { ready?: boolean }): void => {
        if (!m.ready) return;
        child.off('message', onMessage);
        resolve(true);
      };
      child.on('message', onMessage);
      child.once('exit', () => resolve(false));
    });
    return { child, ready, fixtures: new Set(), busy: false };
  }
}

/** The child running a job died or hung. */
class WorkerLost extends Error {}
