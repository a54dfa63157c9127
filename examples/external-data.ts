/**
 * Example: move a model's weights into an external data file and back. Saves with
 * `externalData: { location, sizeThreshold }`, reloads (external tensors are read lazily, only
 * when asked for), and checks every initializer byte for byte against the original.
 *
 * Usage: `node dist/examples/external-data.js [model.onnx [out-folder]]`.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModel, saveModel } from '../src/index.js';
import { bundledModel } from './load-and-inspect.js';

/** What the example measured. */
export interface ExternalDataResult {
  /** Tensors of at least this many bytes went to the data file. */
  sizeThreshold: number;
  initializers: number;
  /** Initializers stored in the data file / inline in the .onnx. */
  external: number;
  inline: number;
  modelFileBytes: number;
  dataFileBytes: number;
  /** Size of the same model saved inline. */
  inlineFileBytes: number;
  /** Every initializer reloaded from external data equals the original, byte for byte. */
  identical: boolean;
  nodesEqual: boolean;
}

/** Saves `argv[0]` with external data into `argv[1]` (or a temp folder), reloads and compares. */
export async function main(argv: readonly string[]): Promise<ExternalDataResult> {
  const file = argv[0] || bundledModel();
  const dir = argv[1] || mkdtempSync(join(tmpdir(), 'onnx-surgeon-external-'));
  const sizeThreshold = 4096;

  const original = await loadModel(file);
  const external = join(dir, 'model.onnx');
  await saveModel(original, external, { externalData: { location: 'model.onnx.data', sizeThreshold } });
  const inline = join(dir, 'model.inline.onnx');
  await saveModel(original, inline, { externalData: 'inline' });

  const reloaded = await loadModel(external);
  const before = new Map(original.graph.initializers.map((v) => [v.name, v.initializer!]));
  let identical = reloaded.graph.initializers.length === before.size;
  for (const value of reloaded.graph.initializers) {
    const a = before.get(value.name);
    const b = value.initializer!;
    // bytes() is where a lazy external tensor is actually read from model.onnx.data.
    identical &&= a !== undefined && a.dtype === b.dtype && a.dims.join() === b.dims.join() && Buffer.from(a.bytes()).equals(Buffer.from(b.bytes()));
  }
  const big = original.graph.initializers.filter((v) => v.initializer!.byteLength >= sizeThreshold).length;
  return {
    sizeThreshold,
    initializers: before.size,
    external: big,
    inline: before.size - big,
    modelFileBytes: statSync(external).size,
    dataFileBytes: statSync(join(dir, 'model.onnx.data')).size,
    inlineFileBytes: statSync(inline).size,
    identical,
    nodesEqual: reloaded.graph.nodes.map((n) => n.opType).join() === original.graph.nodes.map((n) => n.opType).join(),
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const r = await main(process.argv.slice(2));
  console.log(`${r.external} of ${r.initializers} initializers (>= ${r.sizeThreshold} bytes) went to the data file: ` +
    `model ${r.modelFileBytes} bytes + data ${r.dataFileBytes} bytes (inline: ${r.inlineFileBytes} bytes)`);
  console.log(r.identical && r.nodesEqual ? 'reloaded: every weight identical' : 'reloaded: DIFFERENT');
  process.exitCode = r.identical && r.nodesEqual ? 0 : 1;
}
