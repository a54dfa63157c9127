/**
 * Child-process entry for the reliability tests (run with `node --import test/fuzz/register-ts.mjs`):
 * - `fuse IN OUT inline|external`: load, fuseMsda, save; prints the report as JSON.
 * - `convert IN OUT inline|external`: load and save (the `convert` command's semantics).
 * - `slow-exit OUT`: starts an atomic write of OUT, prints `ready TEMP`, and waits; its exit
 *   handlers then take 10 s (as removing a huge temp file from a slow disk may), to show that a
 *   second Ctrl-C ends the process at once.
 */

import { AtomicFile } from '../../src/files/atomic-file.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';

const [mode, input, output, placement] = process.argv.slice(2);
const externalData = placement === 'external' ? { sizeThreshold: 1024 } : ('inline' as const);

if (mode === 'slow-exit') {
  const file = AtomicFile.open(input!);
  file.write(new Uint8Array(1024));
  process.on('exit', () => {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      // Busy: only a signal's default action can end the process now.
    }
  });
  process.stdout.write(`ready ${file.tempPath}\n`);
  setInterval(() => {}, 1000);
} else if (mode === 'fuse') {
  const model = await loadModel(input!);
  const report = fuseMsda(model);
  await saveModel(model, output!, { externalData });
  process.stdout.write(JSON.stringify({ fused: report.fused, nodes: report.nodesAfter }));
} else if (mode === 'convert') {
  const model = await loadModel(input!);
  process.stdout.write('loaded\n');
  await saveModel(model, output!, { externalData, replaceSource: input === output });
  process.stdout.write('saved\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
