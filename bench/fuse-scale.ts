/**
 * fuse-msda at scale: a ~600 MB, ~95k-node model with 400 MSDA sites, against `cp` and Python
 * `onnx` load + save of the same file, all measured in one run.
 *
 * Usage: `npm run bench:fuse-scale` (or `node dist/bench/fuse-scale.js [--copies 200] [--cpu-prof DIR]`)
 *
 * The model chains `--copies` copies of the `enc_listshapes_op17` fixture (2 MSDA sites, 461
 * nodes): copy k reads its four feature maps from copy k-1's `memory` output (Slice, Transpose,
 * Reshape glue), has its own randomly perturbed weights, and adds a per-copy [8,1360,64] float
 * initializer through ReduceMean + Add (2.8 MB each) so the file reaches ~600 MB. Generated in a
 * temp folder, removed afterwards. Targets: fuse-msda (load + fuse + save) <= 3x cp, < 0.5x
 * Python load + save, peak RSS <= 1.3x the file.
 */

import { peakRssBytes } from './lib/peak-rss.js';
import { findFixture, pythonLoadSave, timed } from './lib/run.js';
import { seededRandom } from '../src/random.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataType,
  decodeModel,
  encodeModel,
  readModelBytes,
  writeFileAtomic,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/onnx/index.js';
import { fuseMsda } from '../src/passes/fuse-msda/index.js';
import { loadModel, saveModel } from '../src/serde/index.js';

const MIB = 2 ** 20;
const FIXTURE = findFixture(join('test', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx'));
/** Feature maps of the fixture (name, H=W) and where each sits in `memory` [1, 1360, 64]. */
const LEVELS = [
  { name: 'feat0', side: 32, start: 0 },
  { name: 'feat1', side: 16, start: 1024 },
  { name: 'feat2', side: 8, start: 1280 },
  { name: 'feat3', side: 4, start: 1344 },
] as const;
const CHANNELS = 64;
const TOKENS = 1360;
const BIAS_DEPTH = 8;


/** What the child reports. */
interface ChildReport {
  loadMs: number;
  fuseMs: number;
  saveMs: number;
  maxRssBytes: number;
  fused: number;
  sitesFound: number;
  nodesBefore: number;
  nodesAfter: number;
}

/** Child mode: load + fuseMsda + save (inline), timed by phase. */
async function runChild(input: string, output: string): Promise<void> {
  const t0 = performance.now();
  const model = await loadModel(input);
  const t1 = performance.now();
  const report = fuseMsda(model);
  const t2 = performance.now();
  await saveModel(model, output, { externalData: 'inline' });
  const t3 = performance.now();
  const out: ChildReport = {
    loadMs: t1 - t0, fuseMs: t2 - t1, saveMs: t3 - t2, maxRssBytes: peakRssBytes(),
    fused: report.fused, sitesFound: report.sitesFound, nodesBefore: report.nodesBefore, nodesAfter: report.nodesAfter,
  };
  process.stdout.write(JSON.stringify(out));
}

function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) };
}

/** A copy of `tensor` with every element scaled by 1 +- 1% (float weights only). */
function perturbed(tensor: TensorProto, name: string, random: () => number): TensorProto {
  const raw = tensor.rawData;
  const elements = raw ? raw.byteLength / 4 : 0;
  if (tensor.dataType !== DataType.FLOAT || !raw || elements < 16) return { ...tensor, name };
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * (1 + 0.02 * (random() - 0.5));
  return { ...tensor, name, rawData: new Uint8Array(values.buffer) };
}

/** Builds the chained model (see the module comment). */
function buildModel(copies: number): ModelProto {
  const fixture = decodeModel(readModelBytes(FIXTURE), { file: FIXTURE });
  const graph = fixture.graph!;
  const inputNames = new Set((graph.input ?? []).map((i) => i.name!));
  const random = seededRandom(20240601); // the same weights every run
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [
    int64Tensor('glue/axes1', [1]),
    int64Tensor('glue/perm_unused', [0]),
    ...LEVELS.flatMap((l) => [
      int64Tensor(`glue/${l.name}/start`, [l.start]),
      int64Tensor(`glue/${l.name}/end`, [l.start + l.side * l.side]),
      int64Tensor(`glue/${l.name}/shape`, [1, CHANNELS, l.side, l.side]),
    ]),
  ];
  let previousOutput = '';
  for (let k = 0; k < copies; k++) {
    const prefix = `c${k}`;
    const rename = (name: string): string => {
      if (name === '') return '';
      if (k === 0 && inputNames.has(name)) return name;
      return `${prefix}/${name}`;
    };
    if (k > 0) {
      // Glue: the four feature maps of this copy are slices of the previous copy's memory.
      for (const l of LEVELS) {
        const sliced = `${prefix}/glue/${l.name}/slice`;
        const transposed = `${prefix}/glue/${l.name}/t`;
        nodes.push({ name: `${prefix}/glue/${l.name}/Slice`, opType: 'Slice', input: [previousOutput, `glue/${l.name}/start`, `glue/${l.name}/end`, 'glue/axes1'], output: [sliced] });
        nodes.push({ name: `${prefix}/glue/${l.name}/Transpose`, opType: 'Transpose', input: [sliced], output: [transposed], attribute: [{ name: 'perm', type: 7, ints: [0, 2, 1] }] });
        nodes.push({ name: `${prefix}/glue/${l.name}/Reshape`, opType: 'Reshape', input: [transposed, `glue/${l.name}/shape`], output: [rename(l.name)] });
      }
    }
    for (const t of graph.initializer ?? []) initializers.push(perturbed(t, rename(t.name!), random));
    for (const n of graph.node ?? []) {
      const node: NodeProto = { ...n, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) };
      if (n.name) node.name = rename(n.name);
      if (n.attribute) node.attribute = n.attribute.map((a): AttributeProto => ({ ...a }));
      nodes.push(node);
    }
    // The per-copy bulk: memory += ReduceMean(bias[8, 1360, 64], axis 0).
    const bias = new Float32Array(BIAS_DEPTH * TOKENS * CHANNELS);
    for (let i = 0; i < bias.length; i++) bias[i] = (random() - 0.5) * 1e-3;
    initializers.push({ name: `${prefix}/bulk`, dims: [BIAS_DEPTH, TOKENS, CHANNELS], dataType: DataType.FLOAT, rawData: new Uint8Array(bias.buffer) });
    const memory = rename(graph.output![0]!.name!);
    const out = k === copies - 1 ? 'memory' : `${prefix}/memory_out`;
    nodes.push({ name: `${prefix}/bulk/ReduceMean`, opType: 'ReduceMean', input: [`${prefix}/bulk`], output: [`${prefix}/bulk/mean`], attribute: [{ name: 'axes', type: 7, ints: [0] }, { name: 'keepdims', type: 2, i: 1 }] });
    nodes.push({ name: `${prefix}/bulk/Add`, opType: 'Add', input: [memory, `${prefix}/bulk/mean`], output: [out] });
    previousOutput = out;
  }
  const output: ValueInfoProto = { ...graph.output![0]!, name: 'memory' };
  return {
    ...fixture,
    producerName: 'onnx-surgeon-bench',
    graph: { ...graph, name: 'msda_chain', node: nodes, initializer: initializers.filter((t) => t.name !== 'glue/perm_unused'), output: [output], valueInfo: [] },
  };
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return runChild(args[1]!, args[2]!);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const copies = Number(option('--copies') ?? 200);
  const cpuProf = option('--cpu-prof');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-fuse-scale-'));
  const self = fileURLToPath(import.meta.url);
  const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
  try {
    const source = join(dir, 'scale.onnx');
    const t0 = performance.now();
    const model = buildModel(copies);
    writeFileAtomic(source, encodeModel(model));
    const fileBytes = statSync(source).size;
    console.log(`model: ${copies} chained copies of enc_listshapes_op17, ${model.graph!.node!.length} nodes, ${mib(fileBytes)} (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    timed('sh', ['-c', 'cat "$1" > /dev/null', 'sh', source]); // warm the page cache for everyone
    const cp = timed('cp', [source, join(dir, 'cp.onnx')]);
    rmSync(join(dir, 'cp.onnx'));
    const cpSync = timed('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', source, join(dir, 'cp-sync.onnx')]);
    rmSync(join(dir, 'cp-sync.onnx'));

    const fusedOut = join(dir, 'fused.onnx');
    const nodeArgs = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
    const ours = timed(process.execPath, [...nodeArgs, self, '--child', source, fusedOut]);
    const report = JSON.parse(ours.stdout) as ChildReport;
    rmSync(fusedOut);

    const py = pythonLoadSave(source, join(dir, 'python.onnx'));
    const pythonRss = py.maxRssBytes;
    rmSync(join(dir, 'python.onnx'));

    console.log(`fuse-msda: ${report.fused}/${report.sitesFound} sites fused, ${report.nodesBefore} -> ${report.nodesAfter} nodes`);
    console.log('\n| what | wall time | peak RSS |\n|---|---|---|');
    console.log(`| cp | ${(cp.ms / 1000).toFixed(2)} s | - |`);
    console.log(`| cp + sync | ${(cpSync.ms / 1000).toFixed(2)} s | - |`);
    console.log(`| onnx-surgeon load + fuse-msda + save | ${(ours.ms / 1000).toFixed(2)} s (load ${(report.loadMs / 1000).toFixed(2)}, fuse ${(report.fuseMs / 1000).toFixed(2)}, save ${(report.saveMs / 1000).toFixed(2)}) | ${mib(report.maxRssBytes)} |`);
    console.log(`| python onnx load + save | ${(py.ms / 1000).toFixed(2)} s | ${mib(pythonRss)} |`);
    console.log('\nratios:');
    console.log(`  ours / cp           = ${(ours.ms / cp.ms).toFixed(2)}x  (target <= 3)`);
    console.log(`  ours / (cp + sync)  = ${(ours.ms / cpSync.ms).toFixed(2)}x`);
    console.log(`  ours / python       = ${(ours.ms / py.ms).toFixed(2)}x  (target < 0.5)`);
    console.log(`  peak RSS / file     = ${(report.maxRssBytes / fileBytes).toFixed(2)}x  (target <= 1.3)`);
    console.log(`  python RSS / file   = ${(pythonRss / fileBytes).toFixed(2)}x`);
    if (cpuProf) console.log(`\nCPU profile of the fuse-msda child written to ${cpuProf}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
