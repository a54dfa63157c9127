/**
 * Runs the native builder as a child process and streams its JSON-lines stdout as typed events.
 * stderr is kept (last lines) for error messages; it is where the builder's own usage text and
 * anything a library prints outside the protocol end up.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { OnnxSurgeonError } from '../errors.js';
import { type BuilderEvent, parseBuilderEvent } from './events.js';

/**
 * How the builder process ended, with everything it said.
 *
 * @group Native builder
 */
export interface BuilderRun {
  /** Exit status (null when killed by a signal). */
  exitCode: number | null;
  /** Signal that killed it, if any. */
  signal: NodeJS.Signals | null;
  /** All events in order (lines that were not events appear as `unknown`). */
  events: BuilderEvent[];
  /** Last lines of stderr. */
  stderrTail: string[];
}

/**
 * Options of {@link runBuilder}.
 *
 * @group Native builder
 */
export interface RunBuilderOptions {
  /** Called for every event as it arrives. */
  onEvent?: (event: BuilderEvent) => void;
  /** Environment of the child (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Aborts the build (the child gets SIGTERM). */
  signal?: AbortSignal;
}

const STDERR_LINES_KEPT = 40;

/**
 * Spawns `binary args` and resolves when it exits. Rejects only when it cannot be started.
 *
 * @example
 * ```ts
 * const run = await runBuilder('/path/onnx-surgeon-trt-builder', ['--onnx', 'm.onnx', '--engine', 'm.engine']);
 * ```
 * @group Native builder
 */
export function runBuilder(binary: string, args: readonly string[], options: RunBuilderOptions = {}): Promise<BuilderRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const events: BuilderEvent[] = [];
    const stderrTail: string[] = [];
    let stdoutClosed = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => {
      // 'close' of readline and 'exit' of the child come in either order; wait for both.
      if (stdoutClosed && exit) resolvePromise({ exitCode: exit.code, signal: exit.signal, events, stderrTail });
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.trim()) return;
      const event = parseBuilderEvent(line);
      events.push(event);
      options.onEvent?.(event);
    }).on('close', () => {
      stdoutClosed = true;
      finish();
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
    });
    child.on('error', (error) => {
      reject(new OnnxSurgeonError('native', `cannot run the TensorRT builder ${binary}: ${error.message}`, { file: binary }, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      finish();
    });
  });
}
