/**
 * Example: load a model and look around with the IR: inputs, op histogram, weights, and the
 * GridSample nodes that make up its multi-scale deformable attention.
 *
 * Usage: `node dist/examples/load-and-inspect.js [model.onnx]` (default: the bundled
 * `examples/models/msda-encoder.onnx`).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dtypeName, loadModel } from '../src/index.js';

/** What the example found. */
export interface InspectResult {
  file: string;
  irVersion: number;
  onnxOpset: number | undefined;
  nodes: number;
  /** `name: dtype[dims]` per graph input. */
  inputs: string[];
  /** Op type -> count, most frequent first. */
  ops: Record<string, number>;
  initializers: number;
  initializerBytes: number;
  /** For each GridSample: its name and the ops feeding its two inputs (value map, grid). */
  gridSamples: { name: string; feeds: [string, string]; readers: string[] }[];
}

/** Loads `argv[0]` (or the bundled example) and summarizes it. */
export async function main(argv: readonly string[]): Promise<InspectResult> {
  const file = argv[0] || bundledModel();
  const model = await loadModel(file);
  const graph = model.graph;

  const ops: Record<string, number> = {};
  for (const node of graph.nodesIter()) ops[node.opType] = (ops[node.opType] ?? 0) + 1;

  // Producers and uses are kept by the IR: walking up or down the graph is a property access.
  const gridSamples = graph.nodes.filter((n) => n.opType === 'GridSample').map((n) => ({
    name: n.label,
    feeds: [n.input(0).producer?.opType ?? 'input', n.input(1).producer?.opType ?? 'input'] as [string, string],
    readers: n.output(0).consumers().map((c) => c.opType),
  }));

  return {
    file,
    irVersion: Number(model.irVersion),
    onnxOpset: model.onnxOpset,
    nodes: graph.nodeCount,
    inputs: graph.inputs.filter((v) => !v.initializer).map((v) =>
      `${v.name}: ${v.type ? dtypeName(v.type.dtype) : '?'}[${(v.type?.shape ?? []).map((d) => d ?? '?').join(',')}]`),
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    initializers: graph.initializers.length,
    initializerBytes: graph.initializers.reduce((n, v) => n + (v.initializer?.byteLength ?? 0), 0),
    gridSamples,
  };
}

/** `examples/models/msda-encoder.onnx`, found from `examples/` (tsx/vitest) or `dist/examples/`. */
export function bundledModel(name = 'msda-encoder.onnx'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'examples', 'models', name);
    if (existsSync(candidate)) return candidate;
    const sibling = join(dir, 'models', name);
    if (existsSync(sibling)) return sibling;
    dir = dirname(dir);
  }
  return resolve('examples/models', name);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const result = await main(process.argv.slice(2));
  console.log(`${result.file}: IR ${result.irVersion}, opset ${result.onnxOpset}, ${result.nodes} nodes, ` +
    `${result.initializers} initializers (${result.initializerBytes} bytes)`);
  console.log(`inputs: ${result.inputs.join(', ')}`);
  console.log(`ops: ${Object.entries(result.ops).map(([op, n]) => `${op} ${n}`).join(', ')}`);
  for (const g of result.gridSamples) console.log(`GridSample ${g.name}: value from ${g.feeds[0]}, grid from ${g.feeds[1]}, read by ${g.readers.join(', ')}`);
}
