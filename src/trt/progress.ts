/**
 * Human-readable progress for a terminal: one short line per builder milestone, TensorRT warnings
 * passed through. Never used for `--json` output (that goes to stdout in one piece at the end).
 */
import type { BuilderEvent } from './events.js';

/** Writes progress lines for builder events to `stream`. */
export function progressPrinter(stream: NodeJS.WritableStream): (event: BuilderEvent) => void {
  const say = (line: string) => stream.write(`${line}\n`);
  return (event) => {
    switch (event.event) {
      case 'start': say(`TensorRT ${event.tensorrt}`); break;
      case 'phase':
        if (event.phase === 'parse') say('parsing ONNX...');
        else if (event.phase === 'build') say('building engine (TensorRT tries many kernels; this can take minutes)...');
        else if (event.phase === 'benchmark') say('benchmarking...');
        break;
      case 'plugins':
        say(event.registered_versions.length
          ? `${event.name} registered, version(s) ${event.registered_versions.join(', ')}`
          : `warning: ${event.name} is not registered in TensorRT's plugin registry (checked versions ${event.checked_versions.join(', ')})`);
        break;
      case 'layer-pinned': say(`pinned to FP32: plugin layer ${event.layer}`); break;
      case 'log': if (event.severity !== 'info' && event.severity !== 'verbose') say(`TensorRT ${event.severity}: ${event.message}`); break;
      case 'parse-error': say(`parse error: node ${event.node_name || `#${event.node}`}${event.op ? ` (${event.op})` : ''}: ${event.desc}`); break;
      case 'engine-written': say(`engine written: ${event.engine} (${(event.bytes / 2 ** 20).toFixed(1)} MiB, built in ${event.build_seconds.toFixed(1)} s)`); break;
      case 'timing-cache-written': say(`timing cache saved: ${event.path}`); break;
      case 'latency': say(`latency: median ${event.median_ms.toFixed(3)} ms, p99 ${event.p99_ms.toFixed(3)} ms over ${event.iterations} runs`); break;
      case 'error': say(`error (${event.stage}): ${event.message}`); break;
      default: break;
    }
  };
}
