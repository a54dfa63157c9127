// Child process that judges mutants (see pool.ts): an onnxruntime abort or a hang ends this
// child, not the test. Imports the TypeScript sources through the fuzz suite's loader, since
// children do not get vitest's transform.
import { register } from 'node:module';

register('../fuzz/ts-loader.mjs', import.meta.url);
const runner = await import('./runner.ts');

process.on('message', async (message) => {
  try {
    let result;
    if (message.kind === 'list') result = await runner.listMutants(message.fixture);
    else if (message.kind === 'baseline') result = await runner.fixtureBaseline(message.fixture);
    else result = await runner.judge(message.fixture, message.id);
    process.send({ seq: message.seq, result, cpu: process.cpuUsage() });
  } catch (error) {
    process.send({ seq: message.seq, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error), cpu: process.cpuUsage() });
  }
});
process.send({ ready: true });
