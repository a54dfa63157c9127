/**
 * Interrupted saves leave nothing behind: the real CLI (`convert`, inline and with external data)
 * is sent SIGINT, SIGTERM or SIGHUP at several points (10% to 80%) of writing a 512 MiB model;
 * every time it exits with 128 + the signal number, and the folder holds exactly what it held
 * before: no temp
 * file, no partial output, no folder created for the output, the input untouched. A temp file
 * left by SIGKILL is recognised and removed by the next write into the folder; a live writer's
 * temp file and another host's are not.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_HOST } from '../../src/files/temp-files.js';
import { DType, Model, Tensor } from '../../src/ir/index.js';
import { modelToBytes } from '../../src/serde/index.js';
import { REGISTER_TS, ROOT, startChild } from './helpers.js';

const MiB = 2 ** 20;
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const EXIT_FOR: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** x -> Add(w0) -> ... : 6 weights of 64 MiB and 8 of 16 MiB (512 MiB), all views of one buffer. */
function bigModel(): Model {
  const model = new Model();
  model.opsetImports.set('', 17);
  const g = model.graph;
  const shared = new Float32Array((64 * MiB) / 4);
  for (let k = 0; k < shared.length; k += 4099) shared[k] = k / shared.length;
  const sizes = [...Array<number>(6).fill(64), ...Array<number>(8).fill(16)];
  let x = g.addInput('x', { dtype: DType.FLOAT, shape: [1] });
  sizes.forEach((mib, i) => {
    const data = shared.subarray(0, (mib * MiB) / 4);
    const w = g.addInitializer(Tensor.fromArray(DType.FLOAT, [data.length], data, `w${i}`));
    x = g.addNode({ op: 'Add', inputs: [x, w], name: `add${i}` }).output();
  });
  g.setOutputs([x]);
  return model;
}

/** Entries of `dir` (sorted), recursively, as relative paths. */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix + e.name;
    return e.isDirectory() ? [`${rel}/`, ...listing(join(dir, e.name), `${rel}/`)] : [rel];
  }).sort();
}

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', REGISTER_TS, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The size of the temp file in `folder` whose name starts with `prefix`, or -1. */
function tempSize(folder: string, prefix: string): number {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return -1;
  }
  const temp = names.find((f) => f.startsWith(prefix) && f.endsWith('.tmp'));
  if (!temp) return -1;
  try {
    return statSync(join(folder, temp)).size;
  } catch {
    return -1; // renamed or removed between readdir and stat
  }
}

/** Sends `signal` once the temp file `folder/prefix…` has reached `atBytes`; resolves with how the child ended. */
async function interruptAt(child: ChildProcess, folder: string, prefix: string, atBytes: number, signal: NodeJS.Signals) {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  for (;;) {
    const size = tempSize(folder, prefix);
    if (size >= atBytes) {
      child.kill(signal);
      return { ...(await ended), sentAt: size, stderr: () => stderr };
    }
    if (child.exitCode !== null) throw new Error(`the save ended before ${atBytes} bytes were written: ${stderr}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * A memory-backed folder when one has room (the writes are real, only the disk is skipped: what
 * is tested is what the process leaves behind, and the test stays fast), else the temp folder.
 */
function scratchRoot(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 2 * 1024 * MiB) return '/dev/shm';
  } catch {
    // No /dev/shm here.
  }
  return tmpdir();
}

describe('signals during real saves (512 MiB)', () => {
  let dir = '';
  let input = '';
  let inputBytes = new Uint8Array(0);
  beforeAll(() => {
    dir = mkdtempSync(join(scratchRoot(), 'onnx-signals-'));
    input = join(dir, 'input.onnx');
    inputBytes = modelToBytes(bigModel());
    writeFileSync(input, inputBytes);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

  /** Runs one save per signal at once (each into its own output), interrupting each at `at` bytes of its temp file. */
  async function interruptEach(save: (signal: NodeJS.Signals) => { args: string[]; folder: string; prefix: string }, at: number) {
    const before = listing(dir);
    const inputStat = statSync(input, { bigint: true });
    const ends = await Promise.all(signals.map((signal) => {
      const { args, folder, prefix } = save(signal);
      return interruptAt(startCli(args), folder, prefix, at, signal).then((end) => ({ signal, code: end.code, killedBy: end.signal }));
    }));
    expect(ends).toEqual(signals.map((signal) => ({ signal, code: EXIT_FOR[signal], killedBy: null })));
    expect(listing(dir)).toEqual(before);
    const after = statSync(input, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs, after.ctimeNs]).toEqual([inputStat.ino, inputStat.size, inputStat.mtimeNs, inputStat.ctimeNs]);
  }

  // The last point leaves 100 MiB to write: enough yields for the handler to run even when this
  // process polls late on a loaded machine (a signal after the final rename rightly changes nothing).
  for (const at of [0.1, 0.5, 0.8]) {
    it(`inline save, each signal at ${at * 100}% of 512 MiB: exit 128+n, no temp, no output, no created folder`, async () => {
      // The output goes to a folder the command creates: it must be gone afterwards too.
      await interruptEach((signal) => ({
        args: ['convert', input, '-o', join(dir, `new-${signal}`, 'sub', 'out.onnx'), '--inline'],
        folder: join(dir, `new-${signal}`, 'sub'), prefix: '.out.onnx~',
      }), at * 512 * MiB);
    }, 60_000);
  }

  // 64 MiB weights go external (384 MiB of data, written first), the 16 MiB ones stay in the model (128 MiB).
  for (const [file, at] of [['data', 0.1], ['data', 0.8], ['model', 0.5]] as const) {
    it(`save with external data, each signal at ${at * 100}% of the ${file} file: exit 128+n, nothing left`, async () => {
      await interruptEach((signal) => ({
        args: ['convert', input, '-o', join(dir, `ext-${signal}.onnx`), '--external-data', `ext-${signal}.data`, '--size-threshold', String(32 * MiB)],
        folder: dir, prefix: file === 'data' ? `.ext-${signal}.data~` : `.ext-${signal}.onnx~`,
      }), at * (file === 'data' ? 384 : 128) * MiB);
    }, 60_000);
  }

  it('the input is byte-identical after all of it', () => {
    expect(Buffer.from(inputBytes).equals(readFileSync(input))).toBe(true);
  });

  it('a temp file left by SIGKILL is removed by the next write into the folder; live and foreign ones stay', async () => {
    const folder = join(dir, 'stale');
    mkdirSync(folder);
    const child = startCli(['convert', input, '-o', join(folder, 'out.onnx'), '--inline']);
    const end = await interruptAt(child, folder, '.out.onnx~', 64 * MiB, 'SIGKILL');
    expect(end.signal).toBe('SIGKILL');
    const [left] = readdirSync(folder);
    expect(left).toMatch(new RegExp(`^\\.out\\.onnx~${TEMP_HOST.replace(/\./g, '\\.')}~${child.pid}~[a-z0-9]+\\.tmp$`));
    // A live writer on this host (this test process) and a writer on another host: not stale.
    const live = `.other.onnx~${TEMP_HOST}~${process.pid}~abcdefgh.tmp`;
    const foreign = `.other.onnx~another-host.example~${child.pid}~abcdefgh.tmp`;
    writeFileSync(join(folder, live), 'x');
    writeFileSync(join(folder, foreign), 'x');

    const next = startCli(['convert', join(ROOT, 'examples/models/msda-encoder.onnx'), '-o', join(folder, 'small.onnx')]);
    let stderr = '';
    next.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => next.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/removed 1 stale temp file \(\d+(\.\d+)? MiB\) left by interrupted writes/);
    expect(readdirSync(folder).sort()).toEqual([live, foreign, 'small.onnx'].sort());
    expect(existsSync(join(folder, left!))).toBe(false);
  }, 60_000);
});

describe('a second Ctrl-C', () => {
  it('ends the process at once even while the first one is still cleaning up', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'onnx-second-sigint-'));
    try {
      const child = startChild(['slow-exit', join(folder, 'out.onnx')]);
      const ready = await new Promise<string>((resolve) => child.stdout!.on('data', (d: Buffer) => resolve(d.toString())));
      const temp = ready.trim().split(' ')[1]!;
      expect(existsSync(temp)).toBe(true);
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300)); // the first one removed the temp file and is exiting (10 s)
      const sent = Date.now();
      child.kill('SIGINT');
      const end = await ended;
      expect(end).toEqual({ code: null, signal: 'SIGINT' }); // the default action, not the handler's exit(130)
      expect(Date.now() - sent).toBeLessThan(2000);
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
