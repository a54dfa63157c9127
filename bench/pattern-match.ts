/**
 * Pattern matcher micro-benchmark: a ~90k-node synthetic graph of attention-like blocks, a
 * 15-node pattern covering one block.
 *
 * Usage: `node dist/bench/pattern-match.js [--blocks 6000] [--runs 5]`
 *
 * Half the blocks match; the other half differ deep inside (Softmax on another axis) so the
 * matcher has to walk most of the block before failing, the expensive case. Measures, best of
 * `--runs` (wall and CPU time): building the op index, `findMatches` (index included), `explain`
 * on the first 200 candidates (tracing on); and once, one `applyRules` pass fusing every matching
 * block.
 * Target: findMatches well under 1 s.
 */
import { performance } from 'node:perf_hooks';
import { DType, Graph, Tensor, type Value, attr } from '../src/ir/index.js';
import { OpIndex, applyRules, explain, findMatches, pattern, rule } from '../src/pattern/index.js';

const NODES_PER_BLOCK = 15;

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One attention-like block; `decoy` blocks put Softmax on axis 0 so the pattern fails late. */
function addBlock(g: Graph, h: Value, i: number, decoy: boolean, weights: Value[]): Value {
  const [wq, wk, wv, scale, bias, axesless] = weights as [Value, Value, Value, Value, Value, Value];
  const name = (s: string): string => `/blocks.${i}/${s}`;
  const q = g.addNode({ op: 'MatMul', inputs: [h, wq], name: name('q') }).output();
  const k = g.addNode({ op: 'MatMul', inputs: [h, wk], name: name('k') }).output();
  const v = g.addNode({ op: 'MatMul', inputs: [h, wv], name: name('v') }).output();
  const kt = g.addNode({ op: 'Transpose', inputs: [k], attributes: { perm: attr.ints([1, 0]) }, name: name('kT') }).output();
  const s = g.addNode({ op: 'MatMul', inputs: [q, kt], name: name('scores') }).output();
  const ss = g.addNode({ op: 'Mul', inputs: [scale, s], name: name('scaled') }).output();
  const p = g.addNode({ op: 'Softmax', inputs: [ss], attributes: { axis: attr.int(decoy ? 0 : -1) }, name: name('softmax') }).output();
  const o = g.addNode({ op: 'MatMul', inputs: [p, v], name: name('context') }).output();
  const ob = g.addNode({ op: 'Add', inputs: [o, bias], name: name('bias') }).output();
  const r = g.addNode({ op: 'Add', inputs: [h, ob], name: name('residual') }).output();
  const mu = g.addNode({ op: 'ReduceMean', inputs: [r], attributes: { axes: attr.ints([-1]) }, name: name('mean') }).output();
  const d = g.addNode({ op: 'Sub', inputs: [r, mu], name: name('centered') }).output();
  const d2 = g.addNode({ op: 'Mul', inputs: [d, d], name: name('squared') }).output();
  const n = g.addNode({ op: 'Add', inputs: [d2, axesless], name: name('eps') }).output();
  return g.addNode({ op: 'Relu', inputs: [n], name: name('out') }).output();
}

/** Per-block weights, as in a real model (tensors shared: only the graph structure matters here). */
function buildGraph(blocks: number): Graph {
  const g = new Graph('bench');
  let h = g.addInput('h', { dtype: DType.FLOAT, shape: [8, 8] });
  const matrix = Tensor.float32(new Array(64).fill(0.01), [8, 8]);
  const vector = Tensor.float32(new Array(8).fill(0.1), [8]);
  const scalar = Tensor.float32([0.125], []);
  for (let i = 0; i < blocks; i++) {
    const w = (t: Tensor, name: string): Value => g.addInitializer(t.clone(), `blocks.${i}.${name}`);
    const weights = [w(matrix, 'wq'), w(matrix, 'wk'), w(matrix, 'wv'), w(scalar, 'scale'), w(vector, 'bias'), w(scalar, 'eps')];
    h = addBlock(g, h, i, i % 2 === 1, weights);
  }
  g.setOutputs([h]);
  return g;
}

const blockPattern = pattern((op, h) => {
  const scores = op.MatMul(op.MatMul(h, op.any('wq')), op.Transpose(op.MatMul(h, op.any('wk')), { perm: [1, 0] }));
  const probs = op.Softmax(op.Mul(scores, op.constant('scale', (t) => t.size === 1)), { axis: -1 });
  const residual = op.Add(h, op.Add(op.MatMul(probs, op.MatMul(h, op.any('wv'))), op.any('bias')));
  const centered = op.Sub(residual, op.ReduceMean(residual));
  return op.Relu(op.Add(op.Mul(centered, centered), op.any('eps')));
}, { name: 'block' });

/** Best of `runs` wall times and CPU times (CPU time is the steadier number on a busy machine). */
function best(runs: number, f: () => void): { wallMs: number; cpuMs: number } {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wallMs = Math.min(wallMs, performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMs = Math.min(cpuMs, (cpu.user + cpu.system) / 1000);
  }
  return { wallMs: round(wallMs), cpuMs: round(cpuMs) };
}

function main(): void {
  const blocks = argument('blocks', 6000);
  const runs = argument('runs', 5);
  const t0 = performance.now();
  const graph = buildGraph(blocks);
  const buildMs = performance.now() - t0;
  let matches = 0;
  const indexMs = best(runs, () => { new OpIndex(graph); });
  const matchMs = best(runs, () => { matches = findMatches(graph, blockPattern).length; });
  const candidates = new OpIndex(graph).candidates(blockPattern.anchorOps()).slice(0, 200);
  let firstReason = '';
  const explainMs = best(runs, () => {
    for (const node of candidates) {
      const attempt = explain(blockPattern, node);
      if (!attempt.ok && !firstReason) firstReason = attempt.failure.message;
    }
  });
  const fuse = rule({
    name: 'fuse-block',
    pattern: blockPattern,
    replace: (b, m) => b.op.Block(m.value('h'), m.value('wq'), m.value('wk'), m.value('wv'), { _domain: 'bench' }),
  });
  const t1 = performance.now();
  const report = applyRules(graph, [fuse], { maxIterations: 1 });
  const rewriteMs = performance.now() - t1;
  const result = {
    nodes: blocks * NODES_PER_BLOCK,
    patternNodes: NODES_PER_BLOCK,
    matches,
    buildGraphMs: round(buildMs),
    opIndex: indexMs,
    findMatches: matchMs,
    explain200: explainMs,
    firstFailure: firstReason,
    applyOnePassMs: round(rewriteMs),
    applied: report.rules[0]!.applied,
    nodesAfter: report.nodesAfter,
  };
  console.log(JSON.stringify(result, null, 2));
  if (matches !== Math.ceil(blocks / 2)) throw new Error(`expected ${Math.ceil(blocks / 2)} matches, found ${matches}`);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

main();
