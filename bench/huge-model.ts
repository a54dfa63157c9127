/**
 * Benchmark on a model over protobuf's 2 GiB limit (external data): `convert` (load + save with
 * external data) and `fuse-msda` + save, against `cp` and Python `onnx`, in one run.
 *
 * Usage: `npm run bench:huge` (or `node dist/bench/huge-model.js [--weights 34]`)
 *
 * Generates in a temp folder (removed afterwards) a model whose `--weights` float initializers of
 * 4096x4096 (64 MiB each, 34 by default: 2.1 GiB) feed a MatMul/Add chain, streamed straight to
 * the external data file, plus the whole `enc_listshapes_op17` fixture graph (2 MSDA sites) so
 * fuse-msda has work. Each contender runs in its own child process; wall time and peak RSS
 * (`VmHWM` of each child process, Python's too) are reported with ratios.
 * The point of the peak RSS column: weights pass through in chunks and are never held twice.
 */

import { peakRssBytes } from './lib/peak-rss.js';
import { findFixture, timed } from './lib/run.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataType,
  ExternalDataWriter,
  decodeModel,
  encodeModel,
  externalDataEntries,
  readModelBytes,
  writeFileAtomic,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../src/onnx/index.js';
import { fuseMsda } from '../src/passes/fuse-msda/index.js';
import { loadModel, saveModel } from '../src/serde/index.js';

const PYTHON = '/usr/bin/python3';
const MIB = 2 ** 20;
const SIDE = 4096;
const FIXTURE = findFixture(join('test', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx'));


/** What a child reports. */
interface ChildReport {
  ms: number;
  maxRssBytes: number;
  fused?: number;
}

/** Child mode: `convert` (load + save) or `fuse` (load + fuseMsda + save), external data out. */
async function runChild(mode: string, input: string, output: string): Promise<void> {
  const start = performance.now();
  const model = await loadModel(input);
  const fused = mode === 'fuse' ? fuseMsda(model).fused : undefined;
  await saveModel(model, output, { externalData: {} });
  const report: ChildReport = { ms: performance.now() - start, maxRssBytes: peakRssBytes(), ...(fused !== undefined && { fused }) };
  process.stdout.write(JSON.stringify(report));
}

/**
 * Writes `huge.onnx` + `huge.onnx.data` into `dir`: the fixture graph plus a chain
 * `big_y = ((big_x @ W0 + b0) @ W1 + b1) ...` whose weights are streamed to the data file.
 */
function generate(dir: string, weights: number): { model: string; bytes: number } {
  const fixture = decodeModel(readModelBytes(FIXTURE), { file: FIXTURE });
  const graph = fixture.graph!;
  const writer = new ExternalDataWriter(dir, 'huge.onnx.data');
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const data = new Float32Array(SIDE * SIDE);
  let h = 'big_x';
  for (let i = 0; i < weights; i++) {
    // Cheap, distinct contents per weight (not all zeros, so nothing can be skipped).
    for (let k = 0; k < data.length; k += 257) data[k] = ((i * 7919 + k) % 1000) / 1000 - 0.5;
    const ref = writer.append(new Uint8Array(data.buffer));
    initializers.push({ name: `big_w${i}`, dims: [SIDE, SIDE], dataType: DataType.FLOAT, dataLocation: 1, externalData: externalDataEntries(ref) });
    const bias = new Float32Array(SIDE).fill(i / weights);
    initializers.push({ name: `big_b${i}`, dims: [SIDE], dataType: DataType.FLOAT, rawData: new Uint8Array(bias.buffer) });
    nodes.push({ name: `big_matmul_${i}`, opType: 'MatMul', input: [h, `big_w${i}`], output: [`big_mm${i}`] });
    const next = i === weights - 1 ? 'big_y' : `big_h${i}`;
    nodes.push({ name: `big_add_${i}`, opType: 'Add', input: [`big_mm${i}`, `big_b${i}`], output: [next] });
    h = next;
  }
  writer.finish();
  const tensorType = { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: SIDE }] } };
  const model: ModelProto = {
    ...fixture,
    producerName: 'onnx-surgeon-bench',
    graph: {
      ...graph,
      node: [...(graph.node ?? []), ...nodes],
      initializer: [...(graph.initializer ?? []), ...initializers],
      input: [...(graph.input ?? []), { name: 'big_x', type: { tensorType } }],
      output: [...(graph.output ?? []), { name: 'big_y', type: { tensorType } }],
    },
  };
  const path = join(dir, 'huge.onnx');
  writeFileAtomic(path, encodeModel(model));
  return { model: path, bytes: statSync(path).size + statSync(join(dir, 'huge.onnx.data')).size };
}


const PYTHON_SCRIPT = [
  'import sys, time, resource, onnx',
  't = time.time()',
  'm = onnx.load(sys.argv[1], load_external_data=True)',
  "onnx.save(m, sys.argv[2], save_as_external_data=True, all_tensors_to_one_file=True, location=sys.argv[3], size_threshold=1024)",
  'print((time.time() - t) * 1000, int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]) * 1024)', // VmHWM: ru_maxrss also counts the parent at fork time
].join('\n');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return runChild(args[1]!, args[2]!, args[3]!);
  const weightsAt = args.indexOf('--weights');
  const weights = weightsAt >= 0 ? Number(args[weightsAt + 1]) : 34;
  const dir = mkdtempSync(join(tmpdir(), 'onnx-huge-'));
  const self = fileURLToPath(import.meta.url);
  const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
  try {
    const t0 = performance.now();
    const { model, bytes } = generate(dir, weights);
    console.log(`model: ${weights} x 64 MiB weights + enc_listshapes_op17 (2 MSDA sites), ${mib(bytes)} in huge.onnx + huge.onnx.data (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    timed('sh', ['-c', 'cat "$1" "$1.data" > /dev/null', 'sh', model]); // warm the page cache for everyone

    const rows: { what: string; ms: number; rss?: number; note?: string }[] = [];
    const out = (name: string): string => {
      const sub = join(dir, name);
      mkdirSync(sub, { recursive: true });
      return sub;
    };
    const clean = (name: string): void => rmSync(join(dir, name), { recursive: true, force: true });

    const cpDir = out('cp');
    const cp = timed('sh', ['-c', 'cp "$1" "$2/" && cp "$1.data" "$2/"', 'sh', model, cpDir]);
    rows.push({ what: 'cp (model + data)', ms: cp.ms });
    clean('cp');
    // Our saves fsync (atomic and durable); cp does not, so also time cp followed by a sync.
    const cpSyncDir = out('cp-sync');
    const cpSync = timed('sh', ['-c', 'cp "$1" "$2/" && cp "$1.data" "$2/" && sync "$2"/*', 'sh', model, cpSyncDir]);
    rows.push({ what: 'cp + sync', ms: cpSync.ms });
    clean('cp-sync');

    const convertOut = join(out('convert'), 'converted.onnx');
    const convert = timed(process.execPath, [self, '--child', 'convert', model, convertOut]);
    const convertReport = JSON.parse(convert.stdout) as ChildReport;
    const convertBytes = statSync(convertOut).size + statSync(`${convertOut}.data`).size;
    rows.push({ what: 'onnx-surgeon convert (load + save, external data)', ms: convert.ms, rss: convertReport.maxRssBytes, note: `wrote ${mib(convertBytes)}` });
    clean('convert');

    const fuseOut = join(out('fuse'), 'fused.onnx');
    const fuse = timed(process.execPath, [self, '--child', 'fuse', model, fuseOut]);
    const fuseReport = JSON.parse(fuse.stdout) as ChildReport;
    rows.push({ what: 'onnx-surgeon fuse-msda (load + fuse + save)', ms: fuse.ms, rss: fuseReport.maxRssBytes, note: `${fuseReport.fused} sites fused` });
    if (fuseReport.fused !== 2) throw new Error(`expected 2 fused sites, got ${fuseReport.fused}`);
    clean('fuse');

    let python: { ms: number; rss: number } | undefined;
    try {
      const pyOut = join(out('python'), 'python.onnx');
      const run = timed(PYTHON, ['-c', PYTHON_SCRIPT, model, pyOut, 'python.onnx.data']);
      const [, rss] = run.stdout.trim().split(/\s+/).map(Number);
      python = { ms: run.ms, rss: rss! };
      rows.push({ what: 'python onnx load + save (external data)', ms: run.ms, rss: rss! });
    } catch (error) {
      rows.push({ what: 'python onnx load + save', ms: Number.NaN, note: `failed: ${String(error).split('\n')[0]}` });
    }
    clean('python');

    console.log('\n| what | wall time | peak RSS | note |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.what} | ${Number.isNaN(r.ms) ? '-' : `${(r.ms / 1000).toFixed(2)} s`} | ${r.rss ? mib(r.rss) : '-'} | ${r.note ?? ''} |`);
    console.log('\nratios:');
    console.log(`  convert / cp        = ${(convert.ms / cp.ms).toFixed(2)}x`);
    console.log(`  fuse-msda / cp      = ${(fuse.ms / cp.ms).toFixed(2)}x`);
    console.log(`  convert / (cp+sync) = ${(convert.ms / cpSync.ms).toFixed(2)}x`);
    console.log(`  fuse / (cp+sync)    = ${(fuse.ms / cpSync.ms).toFixed(2)}x`);
    if (python) {
      console.log(`  convert / python    = ${(convert.ms / python.ms).toFixed(2)}x`);
      console.log(`  fuse-msda / python  = ${(fuse.ms / python.ms).toFixed(2)}x`);
    }
    console.log(`  convert peak RSS / model size   = ${(convertReport.maxRssBytes / bytes).toFixed(3)}x`);
    console.log(`  fuse-msda peak RSS / model size = ${(fuseReport.maxRssBytes / bytes).toFixed(3)}x`);
    if (python) console.log(`  python peak RSS / model size    = ${(python.rss / bytes).toFixed(3)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
