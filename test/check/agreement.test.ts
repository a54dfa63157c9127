/**
 * `checkModel` against an independent checker, Python onnx 1.12's
 * `onnx.checker.check_model(full_check=True)`, over every model of ONNX's backend test data
 * (libonnx-testdata), every fixture, and broken copies of the backend models (one defect each).
 * Every disagreement must fall into a class explained below; anything else fails the test.
 *
 * Classes where the two disagree, and why we are right (each one measured, see the counts):
 * - `ir-version`: onnx 1.12 refuses IR versions above 8 ("Your model ir_version is higher than
 *   the checker's"); dynamo exports are IR 10. Re-judged with ir_version set to 8 (they use no
 *   IR 9/10 field), which then must agree or fall into the classes below.
 * - `gridsample-erratum`: onnx 1.12 registers GridSample-16 with the grid typed like X ("grid has
 *   inconsistent type tensor(double)" for TorchScript's float64 grids); ONNX's own docs type the
 *   grid separately (T2: float16/float/double), as exporters and onnxruntime do (op-schema.ts).
 * - broken copies whose graph output nothing computes: onnx 1.12's checker does not look;
 *   onnxruntime refuses them (checked), and so do we.
 * - `schema-after-17`: onnx 1.12 knows no opset above 17, so it judges an opset-18+ node by the
 *   last version it has (Split-18's num_outputs, Resize-18's keep_aspect_ratio_policy,
 *   ReduceMax-18's axes input are "unrecognized"); we count those nodes as not checked.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type CheckReport, checkModel } from '../../src/check/index.js';
import { concatChunks, decodeModel, encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/proto-types.js';
import { loadModel, loadModelFromBytes } from '../../src/serde/index.js';

const TESTDATA = '/usr/share/libonnx-testdata/data';
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const present = fs.existsSync(TESTDATA);
if (!present && process.env.CI) throw new Error(`${TESTDATA} is missing under CI (apt-get install libonnx-testdata)`);

function models(root: string, out: string[] = []): string[] {
  if (!fs.existsSync(root)) return out;
  for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) models(p, out);
    else if (e.name === 'model.onnx') out.push(p);
  }
  return out;
}

/** The Python side: each file's verdict, and for IR > 8 the verdict with ir_version set to 8. */
const JUDGE = `
import json, sys, onnx
def judge(m):
    try:
        onnx.checker.check_model(m, full_check=True)
        return None
    except Exception as e:
        text = str(e).strip()
        return text.splitlines()[0][:400] if text else type(e).__name__
out = {}
for f in json.load(open(sys.argv[1])):
    m = onnx.load(f)
    error = judge(m)
    entry = {"error": error}
    if error and "ir_version is higher" in error:
        m.ir_version = 8
        entry["errorAtIr8"] = judge(m)
    out[f] = entry
print(json.dumps(out))
`;

interface Theirs {
  error: string | null;
  errorAtIr8?: string | null;
}

function judge(files: string[]): Record<string, Theirs> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-agreement-'));
  try {
    fs.writeFileSync(path.join(dir, 'files.json'), JSON.stringify(files));
    const run = spawnSync('/usr/bin/python3', ['-c', JUDGE, path.join(dir, 'files.json')], { encoding: 'utf8', maxBuffer: 256 << 20 });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, Theirs>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Class = 'agree' | 'ir-version' | 'gridsample-erratum' | 'schema-after-17';

/** Why `theirs` says `error` where we found nothing, if it is one of the explained classes. */
function explain(error: string, ours: CheckReport): Class | undefined {
  if (/\(op_type:GridSample[^)]*\): grid has inconsistent type tensor\((double|float16|float)\)/.test(error)) return 'gridsample-erratum';
  const op = /for operator (\w+)/.exec(error)?.[1] ?? /op_type:(\w+)/.exec(error)?.[1];
  const nodeName = /^Node \(([^)]+)\)/.exec(error)?.[1];
  const later = Object.keys(ours.notChecked).filter((k) => k.includes('newer than the schema table')).map((k) => k.split('-')[0]!);
  if (op && later.includes(op)) return 'schema-after-17';
  if (nodeName && later.length && /has input size \d+ not in range/.test(error)) return 'schema-after-17';
  return undefined;
}

/** Compares verdicts; returns the class counts and the unexplained disagreements. */
function compare(files: string[], ours: Map<string, CheckReport>, theirs: Record<string, Theirs>) {
  const counts: Record<string, number> = { 'both valid': 0, 'both invalid': 0, 'ir-version': 0, 'gridsample-erratum': 0, 'schema-after-17': 0 };
  const unexplained: string[] = [];
  for (const file of files) {
    const report = ours.get(file)!;
    const { error, errorAtIr8 } = theirs[file]!;
    if (!report.ok && error) counts['both invalid']!++;
    else if (report.ok && !error) counts['both valid']!++;
    else if (report.ok && error) {
      let cls: Class | undefined;
      if (error.includes('ir_version is higher')) cls = errorAtIr8 ? explain(errorAtIr8, report) : 'ir-version';
      else cls = explain(error, report);
      if (cls && cls !== 'agree') counts[cls]!++;
      else unexplained.push(`${file}: they say ${errorAtIr8 ?? error}`);
    } else {
      unexplained.push(`${file}: we say ${report.problems.filter((p) => p.severity === 'error').map((p) => p.message).join(' | ')}`);
    }
  }
  return { counts, unexplained };
}

describe.skipIf(!present)('check agrees with onnx.checker (full_check) where both can judge', () => {
  it('backend test models and fixtures: same verdict, or an explained disagreement', async () => {
    const backend = models(TESTDATA);
    const fixtures = models(FIXTURES);
    expect(backend.length).toBe(1072);
    const files = [...backend, ...fixtures];
    const ours = new Map<string, CheckReport>();
    for (const file of files) ours.set(file, checkModel(await loadModel(file)));
    const theirs = judge(files);

    const onBackend = compare(backend, ours, theirs);
    expect(onBackend.unexplained).toEqual([]);
    // All 1,072 agree: 1,069 valid, 3 invalid for both (Constant-1 outputs int64, which only
    // allows float16/float/double: pytorch-converted/test_PixelShuffle, test_operator_repeat*).
    expect(onBackend.counts).toEqual({ 'both valid': 1069, 'both invalid': 3, 'ir-version': 0, 'gridsample-erratum': 0, 'schema-after-17': 0 });
    for (const file of backend.filter((f) => !ours.get(f)!.ok)) {
      expect(ours.get(file)!.problems.map((p) => p.rule)).toContain('value-type');
      expect(theirs[file]!.error).toMatch(/op_type:Constant\): output has unsupported type tensor\(int64\)/);
    }

    const onFixtures = compare(fixtures, ours, theirs);
    if (process.env['PRINT_AGREEMENT']) console.log(JSON.stringify({ backend: onBackend.counts, fixtures: { total: fixtures.length, ...onFixtures.counts } }));
    expect(onFixtures.unexplained).toEqual([]);
    // Every fixture is valid for us; onnx 1.12 disagrees only for the explained reasons.
    expect(onFixtures.counts['both invalid']).toBe(0);
    expect(onFixtures.counts['ir-version']! + onFixtures.counts['schema-after-17']! + onFixtures.counts['gridsample-erratum']!).toBe(fixtures.length - onFixtures.counts['both valid']!);
    expect(onFixtures.counts['gridsample-erratum']).toBeGreaterThan(10);
    expect(onFixtures.counts['schema-after-17']).toBeGreaterThan(10);
  });

  it('broken copies of the backend models (one defect each): both checkers refuse every one', async () => {
    const sources = models(TESTDATA).filter((_, i) => i % 24 === 0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-mutants-'));
    const files: string[] = [];
    const ours = new Map<string, CheckReport>();
    const expectedRule = new Map<string, string>();
    try {
      for (const [i, source] of sources.entries()) {
        const proto = decodeModel(fs.readFileSync(source));
        for (const [name, mutate, rule] of MUTATIONS) {
          const copy = decodeModel(fs.readFileSync(source));
          if (!mutate(copy, proto)) continue;
          const file = path.join(dir, `${i}-${name}.onnx`);
          const chunks = encodeModel(copy);
          fs.writeFileSync(file, concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0)));
          files.push(file);
          ours.set(file, checkModel(loadModelFromBytes(fs.readFileSync(file))));
          expectedRule.set(file, rule);
        }
      }
      expect(files.length).toBeGreaterThan(150);
      if (process.env['PRINT_AGREEMENT']) console.log(JSON.stringify({ mutants: files.length, sources: sources.length }));
      const theirs = judge(files);
      const missedByUs = files.filter((f) => ours.get(f)!.ok);
      const missedByThem = files.filter((f) => !theirs[f]!.error);
      expect(missedByUs).toEqual([]);
      // onnx 1.12's checker never looks whether a graph output is computed; onnxruntime does, and
      // refuses every such model: there we side with the runtime.
      expect(missedByThem).toEqual(files.filter((f) => f.endsWith('-dangling-output.onnx')));
      for (const f of missedByThem) {
        await expect(ort.InferenceSession.create(fs.readFileSync(f))).rejects.toThrow(/output_nobody_produces/);
      }
      for (const f of files) expect(ours.get(f)!.problems.map((p) => p.rule)).toContain(expectedRule.get(f));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Mutation = readonly [name: string, mutate: (model: ModelProto, original: ModelProto) => boolean, rule: string];

/** One defect each; a mutation that does not apply to a model returns false. */
const MUTATIONS: readonly Mutation[] = [
  ['dangling', (m) => {
    const node = m.graph?.node?.find((n) => n.input?.some((x) => x !== ''));
    if (!node) return false;
    node.input![node.input!.findIndex((x) => x !== '')] = 'tensor_nobody_produces';
    return true;
  }, 'dangling-input'],
  ['duplicate', (m) => {
    const nodes = m.graph?.node ?? [];
    if (nodes.length < 2 || !nodes[0]!.output?.[0] || !nodes[1]!.output?.[0]) return false;
    nodes[1]!.output![0] = nodes[0]!.output![0]!;
    return true;
  }, 'duplicate-definition'],
  ['unknown-op', (m) => {
    const node = m.graph?.node?.find((n) => !n.domain);
    if (!node) return false;
    node.opType = `${node.opType}Xyz`;
    return true;
  }, 'unknown-op'],
  ['unknown-attribute', (m) => {
    const node = m.graph?.node?.find((n) => !n.domain);
    if (!node) return false;
    (node.attribute ??= []).push({ name: 'not_an_attribute_of_it', type: 2, i: 1 });
    return true;
  }, 'attribute-unknown'],
  ['dangling-output', (m) => {
    const output = m.graph?.output?.[0];
    if (!output) return false;
    output.name = 'output_nobody_produces';
    return true;
  }, 'dangling-output'],
  ['too-many-inputs', (m) => {
    const node = m.graph?.node?.find((n) => !n.domain && ['Relu', 'Neg', 'Abs', 'Exp', 'Sigmoid', 'Tanh', 'Sqrt', 'Identity', 'Add', 'Mul', 'Sub', 'Div'].includes(n.opType ?? ''));
    if (!node?.input?.[0]) return false;
    node.input.push(node.input[0], node.input[0]);
    return true;
  }, 'input-count'],
];
