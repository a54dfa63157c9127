/**
 * Nothing lost on failure: a save that is killed mid-write, or that runs out of disk, leaves the
 * previous output (model file and external data file) byte for byte as it was, no partial file at
 * the target, and the input untouched.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { addChainModel, fileHash, startChild } from './helpers.js';

/** Files in `dir` that are not leftover temp files of an interrupted save. */
function realFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => !/^\..*\.tmp$/.test(f)).sort();
}

/** Kills `child` as soon as a temp file beside `target` has grown past `minBytes`. */
async function killMidWrite(child: ReturnType<typeof startChild>, dir: string, tempPrefix: string, minBytes: number): Promise<{ killedAt: number }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    const temp = readdirSync(dir).find((f) => f.startsWith(tempPrefix) && f.endsWith('.tmp'));
    if (temp) {
      let size = 0;
      try {
        size = statSync(join(dir, temp)).size;
      } catch {
        // Renamed or removed between readdir and stat: keep polling.
      }
      if (size >= minBytes) {
        child.kill('SIGKILL');
        await exited;
        return { killedAt: size };
      }
    }
    if (child.exitCode !== null) throw new Error(`the save finished before it could be killed: ${stderr}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('interrupted saves (SIGKILL mid-write)', () => {
  // Created in beforeAll so a filtered run (-t) that skips this block leaves no folder behind.
  let dir = '';
  let input = '';
  let inputHash = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onnx-kill-'));
    input = join(dir, 'input.onnx');
    // The input: 192 MiB of weights in an external data file (what `convert` streams through).
    await saveModel(addChainModel(192), input, { externalData: {} });
    inputHash = fileHash(input) + fileHash(`${input}.data`);
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('killing an inline save leaves the old target intact and the input untouched', async () => {
    const target = join(dir, 'inline.onnx');
    await saveModel(addChainModel(16), target, { externalData: 'inline' });
    const before = fileHash(target);
    const { killedAt } = await killMidWrite(startChild(['convert', input, target, 'inline']), dir, '.inline.onnx~', 8 * 2 ** 20);
    expect(killedAt).toBeGreaterThanOrEqual(8 * 2 ** 20);
    expect(fileHash(target)).toBe(before);
    expect((await loadModel(target)).graph.initializers).toHaveLength(1);
    expect(fileHash(input) + fileHash(`${input}.data`)).toBe(inputHash);
    expect(realFiles(dir)).toEqual(['inline.onnx', 'input.onnx', 'input.onnx.data']);
  }, 120_000);

  it('killing a save with external data leaves the old model and data file intact', async () => {
    const target = join(dir, 'external.onnx');
    await saveModel(addChainModel(32), target, { externalData: {} });
    const before = [fileHash(target), fileHash(`${target}.data`)];
    await killMidWrite(startChild(['convert', input, target, 'external']), dir, '.external.onnx.data~', 8 * 2 ** 20);
    expect([fileHash(target), fileHash(`${target}.data`)]).toEqual(before);
    const reloaded = await loadModel(target);
    expect(reloaded.graph.initializers[1]!.initializer!.data()[1021]).toBeCloseTo(1 + 1021 / (4 * 2 ** 20), 6);
    expect(fileHash(input) + fileHash(`${input}.data`)).toBe(inputHash);
  }, 120_000);

  it('killing a save over its own input (same path) leaves the input pair intact', async () => {
    const self = join(dir, 'self.onnx');
    await saveModel(addChainModel(128), self, { externalData: {} });
    const before = [fileHash(self), fileHash(`${self}.data`)];
    await killMidWrite(startChild(['convert', self, self, 'external']), dir, '.self.onnx.data~', 8 * 2 ** 20);
    expect([fileHash(self), fileHash(`${self}.data`)]).toEqual(before);
    expect((await loadModel(self)).graph.initializers).toHaveLength(8);
  }, 120_000);
});

/** Mounts a tmpfs of `mib` MiB (we are root in CI containers); undefined when not allowed. */
function mountSmallTmpfs(mib: number): string | undefined {
  const mountPoint = mkdtempSync(join(tmpdir(), 'onnx-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', mountPoint], { stdio: 'ignore' });
    return mountPoint;
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    return undefined;
  }
}

const mountPoint = mountSmallTmpfs(24);

describe.skipIf(!mountPoint)('disk full (24 MiB tmpfs)', () => {
  const dir = join(mountPoint ?? '', 'out');
  afterAll(() => {
    if (!mountPoint) return;
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const expectNoSpace = async (save: Promise<void>): Promise<void> => {
    const error = await save.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    expect((error as OnnxSurgeonError).code).toBe('io');
    expect((error as OnnxSurgeonError).message).toMatch(/no space left on device/);
  };

  it('an inline save that does not fit fails cleanly and keeps the old file', async () => {
    mkdirSync(dir, { recursive: true });
    const target = join(dir, 'model.onnx');
    await saveModel(addChainModel(4, 2), target, { externalData: 'inline' });
    const before = fileHash(target);
    await expectNoSpace(saveModel(addChainModel(32), target, { externalData: 'inline' }));
    expect(fileHash(target)).toBe(before);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });

  it('an external-data save whose data does not fit keeps the old model and data', async () => {
    const target = join(dir, 'ext.onnx');
    await saveModel(addChainModel(4, 2), target, { externalData: {} });
    const before = [fileHash(target), fileHash(`${target}.data`)];
    await expectNoSpace(saveModel(addChainModel(32), target, { externalData: {} }));
    expect([fileHash(target), fileHash(`${target}.data`)]).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['ext.onnx', 'ext.onnx.data', 'model.onnx']);
  });

  it('when the data fits but the model file does not, the old data file is not replaced', async () => {
    // 8 MiB of tensors go external (16 MiB threshold keeps the 2 MiB ones inline)...
    const target = join(dir, 'ext.onnx');
    const before = [fileHash(target), fileHash(`${target}.data`)];
    const model = addChainModel(8, 8);
    // ...plus 12 MiB of small tensors that stay inside the model file, which then cannot be written.
    const small = addChainModel(12, 1);
    for (const v of small.graph.initializers) model.graph.addInitializer(v.initializer!.clone(`small_${v.name}`));
    await expectNoSpace(saveModel(model, target, { externalData: { sizeThreshold: 4 * 2 ** 20 } }));
    expect([fileHash(target), fileHash(`${target}.data`)]).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['ext.onnx', 'ext.onnx.data', 'model.onnx']);
    expect(existsSync(join(dir, 'ext.onnx'))).toBe(true);
  });
});
