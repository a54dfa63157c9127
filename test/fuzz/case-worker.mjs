// Child process that runs fuzz cases (see harness.ts). A case that hangs is stopped by killing
// this process, and one that aborts V8 itself (a fatal "invalid size" or out-of-memory, which would
// take down a worker thread's whole process) only ends this child; the harness starts another.
// Imports the TypeScript sources through ts-loader.mjs, since children do not get vitest's transform.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
const { runCase } = await import('./run-case.ts');

process.on('message', (message) => {
  const start = performance.now();
  const bytes = new Uint8Array(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
  const outcome = runCase(bytes, message.path ? { path: message.path } : {});
  process.send({ id: message.id, outcome, ms: performance.now() - start });
});
process.send({ ready: true });
