// Worker thread that runs fuzz cases (see harness.ts): a case that hangs is stopped by terminating
// this worker, which the harness then replaces. Imports the TypeScript sources through
// ts-loader.mjs, since worker threads do not get vitest's transform.
import { register } from 'node:module';
import { parentPort } from 'node:worker_threads';

register('./ts-loader.mjs', import.meta.url);
const { runCase } = await import('./run-case.ts');

parentPort.on('message', (message) => {
  const start = performance.now();
  const outcome = runCase(message.bytes, message.path ? { path: message.path } : {});
  parentPort.postMessage({ id: message.id, outcome, ms: performance.now() - start });
});
parentPort.postMessage({ ready: true });
