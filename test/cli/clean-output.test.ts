/**
 * What users see from the shipped bin (`dist/cli/main.js`, a child process, so that native
 * libraries' own writes to the terminal are caught too): on real exports, successes and failures
 * alike, no stack trace, no onnxruntime log line, no colour codes; the per-site table and the
 * listings of dynamic exports within 160 columns; every failure one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MODEL } from './helpers.js';

const BIN = 'dist/cli/main.js';
const dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-clean-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DYNAMIC = 'test/fixtures/msda-v2/hf_dfine_dynhw_dynamo_op18/model.onnx';
const DYNAMIC_BATCH = 'test/fixtures/msda-models/hf_deformable_detr_2stage_dynbatch_dynamo_op18/model.onnx';
const TORCHSCRIPT = 'test/fixtures/msda-extra/enc_ts_op16';
const PARTIAL = 'test/fixtures/msda-extra/partial_border_layer1_ts_op17/model.onnx';

/** A stack frame, onnxruntime's logger (`[E:onnxruntime:...]`, `[W:onnxruntime:...]`), a terminal colour. */
const FOREIGN = /^\s+at |\[[EWIV]:onnxruntime|\x1b\[|^\w*Error: /m;

interface Run { status: number | null; stdout: string; stderr: string }

function cli(...args: string[]): Run {
  const env = { ...process.env };
  delete env['ONNX_SURGEON_DEBUG'];
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function expectClean(run: Run, what: string): void {
  expect(run.stdout, what).not.toMatch(FOREIGN);
  expect(run.stderr, what).not.toMatch(FOREIGN);
}

function expectWithin160(text: string): void {
  for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(160);
}

describe.skipIf(!existsSync(BIN))('CLI output on real exports', () => {
  it('fuse-msda and inspect on dynamic exports: tables within 160 columns, nothing foreign', () => {
    for (const file of [DYNAMIC, DYNAMIC_BATCH]) {
      const dry = cli('fuse-msda', file, '--dry-run');
      expect(dry.status).toBe(0);
      expect(dry.stdout).toMatch(/ fusable /);
      expectWithin160(dry.stdout);
      expectClean(dry, `fuse-msda ${file}`);
      const show = cli('inspect', file, '--show', 'layers,weights,shapes', '--site', '1');
      expect(show.status).toBe(0);
      expect(show.stdout).toMatch(/^layers: \d+ nodes/m);
      expectWithin160(show.stdout);
      expectClean(show, `inspect ${file}`);
    }
  });

  it('a TorchScript export onnxruntime refuses as it is: fused, validated, verified against its repaired copy, nothing foreign', () => {
    const fused = join(dir, 'ts.fused.onnx');
    const fuse = cli('fuse-msda', `${TORCHSCRIPT}/model.onnx`, '-o', fused);
    expect(fuse.status).toBe(0);
    expectClean(fuse, 'fuse-msda');
    const validate = cli('validate', fused);
    expect(validate.status).toBe(0);
    expectClean(validate, 'validate');
    const verify = cli('verify', `${TORCHSCRIPT}/model.onnx`, fused, '--inputs', `${TORCHSCRIPT}/inputs`);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/repaired its own copy/);
    expect(verify.stdout).toMatch(/^verify PASS/m);
    expectClean(verify, 'verify');
  });

  it('failures: one line on stderr, the documented exit code, nothing foreign', () => {
    const notOnnx = join(dir, 'garbage.onnx');
    writeFileSync(notOnnx, 'not a model');
    const failures: [string[], number][] = [
      [['fuse-msda', PARTIAL, '-o', join(dir, 'partial', 'f.onnx'), '--require-all'], 1],
      [['inspect', join(dir, 'missing.onnx')], 2],
      [['fuse-msda', notOnnx, '-o', join(dir, 'out.onnx')], 2],
      [['check', notOnnx], 2],
      [['verify', EXAMPLE_MODEL, notOnnx], 2],
      [['convert', EXAMPLE_MODEL, '-o', EXAMPLE_MODEL], 2],
    ];
    for (const [args, status] of failures) {
      const run = cli(...args);
      expect(run.status, args.join(' ')).toBe(status);
      expect(run.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expectClean(run, args.join(' '));
    }
    expect(existsSync(join(dir, 'partial'))).toBe(false);
  });

  it('convert into new folders says so, and nothing else on stderr', () => {
    const run = cli('convert', EXAMPLE_MODEL, '-o', join(dir, 'a', 'b', 'c.onnx'));
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`created folder ${join(dir, 'a')}/\ncreated folder ${join(dir, 'a', 'b')}/\n`);
    expectClean(run, 'convert');
  });
});
