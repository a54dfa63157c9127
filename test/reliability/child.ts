/**
 * Child-process entry for the reliability tests (run with `node --import test/fuzz/register-ts.mjs`):
 * - `fuse IN OUT inline|external`: load, fuseMsda, save; prints the report as JSON.
 * - `convert IN OUT inline|external`: load and save (the `convert` command's semantics).
 */

import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';

const [mode, input, output, placement] = process.argv.slice(2);
const externalData = placement === 'external' ? { sizeThreshold: 1024 } : ('inline' as const);

const model = await loadModel(input!);
if (mode === 'fuse') {
  const report = fuseMsda(model);
  await saveModel(model, output!, { externalData });
  process.stdout.write(JSON.stringify({ fused: report.fused, nodes: report.nodesAfter }));
} else if (mode === 'convert') {
  process.stdout.write('loaded\n');
  await saveModel(model, output!, { externalData, replaceSource: input === output });
  process.stdout.write('saved\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
