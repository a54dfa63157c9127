// Bundles the `onnx-surgeon` bin into dist/cli/ with rolldown (run by `npm run build` after tsc).
// Why: Node 20 spends about 50 ms resolving and linking the ~90 ES modules that `fuse-msda`
// imports one by one, a fifth of a small model's whole run (bench/startup.ts). The commands stay
// separate chunks, imported on demand (src/cli/program.ts). Packages stay external: they are
// installed dependencies, or optional (onnxruntime-node). The library (dist/src) is not bundled.
import { chmodSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { build } from 'rolldown';

await build({
  input: 'src/cli/main.ts',
  platform: 'node',
  external: (id) => !id.startsWith('.') && !isAbsolute(id),
  // The maps point at src/, which the package ships: no second copy of the sources inside them.
  output: { dir: 'dist/cli', format: 'esm', sourcemap: true, sourcemapExcludeSources: true },
  logLevel: 'warn',
});
// `npx onnx-surgeon` in a clone runs the bin file itself (installs set the mode; a clone does
// not), and npx caches links made before the bin moved from the unbundled main.js.
for (const bin of ['dist/cli/main.js', 'dist/src/cli/main.js']) chmodSync(bin, 0o755);
