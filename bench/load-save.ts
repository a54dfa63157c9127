/**
 * Load/save benchmark of the ONNX codec on a large model, against `cp` and Python `onnx`.
 *
 * Usage: `node dist/bench/load-save.js [--size-mb 512]`
 *
 * Generates (in a temp folder, removed afterwards) a MatMul chain whose float weights in raw_data
 * add up to `--size-mb`, then measures in one run:
 * - `cp` of the file (wall time);
 * - a Node child that reads the file and writes it back without the codec (a plain in-memory copy);
 * - our decode + encode + atomic write, in a child `node` process (wall time, peak RSS);
 * - `/usr/bin/python3 -c "onnx.load; onnx.save"` (wall time, peak RSS).
 * Targets: ours <= 2x cp, well under Python, peak RSS <= 1.3x file size.
 */

import { peakRssBytes } from './lib/peak-rss.js';
import { pythonLoadSave, timed } from './lib/run.js';
import { spawnSync } from 'node:child_process';
import { loadModel, saveModel } from '../src/serde/index.js';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataType,
  decodeModel,
  encodeModel,
  encodedModelSize,
  readModelBytes,
  writeFileAtomic,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../src/onnx/index.js';

const PYTHON = '/usr/bin/python3';
const MIB = 1024 * 1024;

/** What a worker child process reports. */
interface WorkerReport {
  readMs: number;
  decodeMs: number;
  encodeMs: number;
  writeMs: number;
  maxRssBytes: number;
}

/**
 * Child-process mode: load `input`, save to `output`, report timings and peak RSS as JSON.
 * With `rawCopy`, skip the codec (read the bytes, write them back): the I/O floor of any
 * in-memory load/save in Node on this machine.
 */
async function runWorker(input: string, output: string, rawCopy: boolean): Promise<void> {
  const t0 = performance.now();
  if (rawCopy) {
    const bytes = readModelBytes(input);
    const t1 = performance.now();
    writeFileAtomic(output, [bytes]);
    const t2 = performance.now();
    report({ readMs: t1 - t0, decodeMs: 0, encodeMs: 0, writeMs: t2 - t1 });
    return;
  }
  // What a user runs: loadModel (large inline weights are left in the file, read on demand) and
  // saveModel (those weights copied from the source file piece by piece), through the IR.
  const model = await loadModel(input);
  const t1 = performance.now();
  await saveModel(model, output, { externalData: 'inline' });
  const t2 = performance.now();
  report({ readMs: t1 - t0, decodeMs: 0, encodeMs: 0, writeMs: t2 - t1 });
}

function report(times: Omit<WorkerReport, 'maxRssBytes'>): void {
  const result: WorkerReport = { ...times, maxRssBytes: peakRssBytes() };
  process.stdout.write(JSON.stringify(result));
}

/** A chain of MatMul nodes over square float weights totalling about `sizeMiB`. */
function buildModel(sizeMiB: number): ModelProto {
  const side = 1024; // 4 MiB per weight
  const layers = Math.max(1, Math.round((sizeMiB * MIB) / (side * side * 4)));
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  for (let i = 0; i < layers; i++) {
    const weights = new Float32Array(side * side);
    for (let j = 0; j < weights.length; j += 97) weights[j] = (i + 1) * 0.001 * ((j % 13) - 6);
    initializers.push({ name: `w${i}`, dims: [side, side], dataType: DataType.FLOAT, rawData: new Uint8Array(weights.buffer) });
    nodes.push({ name: `matmul_${i}`, opType: 'MatMul', input: [i === 0 ? 'x' : `h${i}`, `w${i}`], output: [i === layers - 1 ? 'y' : `h${i + 1}`] });
  }
  const tensorType = { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: side }] } };
  return {
    irVersion: 8,
    producerName: 'onnx-surgeon-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'matmul_chain',
      node: nodes,
      initializer: initializers,
      input: [{ name: 'x', type: { tensorType } }],
      output: [{ name: 'y', type: { tensorType } }],
    },
  };
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker' || args[0] === '--raw-copy') {
    await runWorker(args[1]!, args[2]!, args[0] === '--raw-copy');
    return;
  }
  const sizeIndex = args.indexOf('--size-mb');
  const sizeMiB = sizeIndex >= 0 ? Number(args[sizeIndex + 1]) : 512;
  const dir = mkdtempSync(join(tmpdir(), 'onnx-bench-'));
  try {
    const source = join(dir, 'model.onnx');
    const model = buildModel(sizeMiB);
    writeFileAtomic(source, encodeModel(model));
    const fileBytes = statSync(source).size;
    if (fileBytes !== encodedModelSize(model)) throw new Error('encodedModelSize disagrees with the written file');
    console.log(`model: ${model.graph!.node!.length} MatMul nodes, ${(fileBytes / MIB).toFixed(1)} MiB (${source})`);

    timed('cp', [source, join(dir, 'warm.onnx')]); // warm the page cache for everyone
    rmSync(join(dir, 'warm.onnx'));
    const cp = timed('cp', [source, join(dir, 'cp.onnx')]);
    // Our save fsyncs (atomic and durable); cp does not, so also time cp followed by sync of the copy.
    const cpSync = timed('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', source, join(dir, 'cp-sync.onnx')]);

    const self = fileURLToPath(import.meta.url);
    const oursOut = join(dir, 'ours.onnx');
    const ours = timed(process.execPath, [self, '--worker', source, oursOut]);
    const oursReport = JSON.parse(ours.stdout) as WorkerReport;
    if (statSync(oursOut).size !== fileBytes) throw new Error('our output differs in size from the input');
    const raw = timed(process.execPath, [self, '--raw-copy', source, join(dir, 'raw.onnx')]);
    const rawReport = JSON.parse(raw.stdout) as WorkerReport;

    let python: { ms: number; maxRssBytes: number } | undefined;
    if (existsSync(PYTHON)) {
      const run = pythonLoadSave(source, join(dir, 'python.onnx'));
      python = { ms: run.ms, maxRssBytes: run.stats!.maxRssBytes };
    }

    const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
    const phases = (r: WorkerReport): string => `load ${r.readMs.toFixed(0)}, save incl. fsync ${r.writeMs.toFixed(0)}`;
    const rows: [string, string, string][] = [
      ['cp', `${cp.ms.toFixed(0)} ms`, '-'],
      ['cp + sync', `${cpSync.ms.toFixed(0)} ms`, '-'],
      ['node read+write, no codec', `${raw.ms.toFixed(0)} ms (${phases(rawReport)})`, mib(rawReport.maxRssBytes)],
      ['onnx-surgeon loadModel+saveModel', `${ours.ms.toFixed(0)} ms (${phases(oursReport)})`, mib(oursReport.maxRssBytes)],
    ];
    if (python) rows.push(['python onnx load+save', `${python.ms.toFixed(0)} ms`, mib(python.maxRssBytes)]);
    console.log('\n| what | wall time | peak RSS |\n|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log('\nratios:');
    console.log(`  ours / cp           = ${(ours.ms / cp.ms).toFixed(2)}x  (target <= 2)`);
    console.log(`  ours / (cp + sync)  = ${(ours.ms / cpSync.ms).toFixed(2)}x`);
    console.log(`  ours / node read+write = ${(ours.ms / raw.ms).toFixed(2)}x  (a plain in-memory copy in Node)`);
    if (python) console.log(`  ours / python       = ${(ours.ms / python.ms).toFixed(2)}x`);
    console.log(`  peak RSS / file     = ${(oursReport.maxRssBytes / fileBytes).toFixed(2)}x  (target <= 1.3)`);
    if (python) console.log(`  python RSS / file   = ${(python.maxRssBytes / fileBytes).toFixed(2)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
