/**
 * A builder run turned into a {@link BuildReport}, or into one error that says what TensorRT said
 * (with ONNX node names where TensorRT 8.6 gives only indices).
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Model } from '../ir/index.js';
import type { BuildReport } from './build.js';
import { BUILDER_PROTOCOL } from './events.js';
import { classifyLayer, fp32Layers } from './layer-precision.js';
import type { BuilderRun } from './run-builder.js';

/** Turns a failed builder run into one error that says what TensorRT said, with node names. */
export function builderFailure(run: BuilderRun, model: Model, file: string, binary: string): OnnxSurgeonError {
  const start = run.events.find((e) => e.event === 'start');
  if (start && start.protocol !== BUILDER_PROTOCOL) {
    return new OnnxSurgeonError('native',
      `the builder ${binary} speaks protocol ${start.protocol}, this onnx-surgeon expects ${BUILDER_PROTOCOL}; delete it to have it rebuilt`);
  }
  const nodes = model.graph.nodes;
  const parseErrors = run.events.flatMap((e) => (e.event === 'parse-error' ? [e] : []));
  const plugins = run.events.find((e) => e.event === 'plugins');
  if (parseErrors.length) {
    const lines = parseErrors.map((e) => {
      // TensorRT 8.6 reports only the node's index in the ONNX graph; map it back to a name.
      const node = e.node_name || (e.node >= 0 && nodes[e.node] ? nodes[e.node]!.label : '');
      const op = e.op || (e.node >= 0 && nodes[e.node] ? nodes[e.node]!.opType : '');
      return `${node ? `node '${node}'${op ? ` (${op})` : ''}: ` : ''}${e.desc}`;
    });
    let detail = `TensorRT's ONNX parser rejected the model: ${lines.join('; ')}`;
    if (plugins && plugins.event === 'plugins' && !plugins.registered_versions.length) {
      detail += `; note: ${plugins.name} is not registered in this TensorRT's plugin registry (libnvinfer_plugin of TensorRT 8.6 or newer has it)`;
    }
    return new OnnxSurgeonError('native', detail, { file });
  }
  const error = [...run.events].reverse().find((e) => e.event === 'error');
  if (error && error.event === 'error') {
    if (error.stage === 'usage') {
      return new OnnxSurgeonError('internal', `the builder rejected the arguments onnx-surgeon gave it: ${error.message}`);
    }
    if (error.stage === 'plugins' && plugins && plugins.event === 'plugins') {
      return new OnnxSurgeonError('native', `${error.message}; this TensorRT registers ${plugins.name} version(s) ` +
        `${plugins.registered_versions.join(', ') || 'none'} (fuse-msda --plugin-version chooses what the model asks for)`, { file });
    }
    const trt = error.tensorrt_error ? ` (TensorRT: ${error.tensorrt_error})` : '';
    return new OnnxSurgeonError('native', `TensorRT build failed at the ${error.stage} step: ${error.message}${trt}`, { file });
  }
  const how = run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode} without reporting an error`;
  const tail = run.stderrTail.slice(-10).join('\n');
  return new OnnxSurgeonError('native', `the TensorRT builder ${how}${tail ? `; its last output:\n${tail}` : ''}`, { file });
}

/** The report of a successful run: `base` completed from the builder's events. */
export function reportFrom(run: BuilderRun, base: Omit<BuildReport, 'engineBytes' | 'tensorrtVersion' | 'layers' | 'fp32Layers' | 'warnings'>): BuildReport {
  const report: BuildReport = { ...base, engineBytes: 0, tensorrtVersion: '', layers: [], fp32Layers: [], warnings: [...base.opsetWarnings.map((w) => w.message)] };
  for (const event of run.events) {
    switch (event.event) {
      case 'start': report.tensorrtVersion = event.tensorrt; break;
      case 'plugins': report.msdaPluginVersions = { ...report.msdaPluginVersions, registered: event.registered_versions }; break;
      case 'layer-pinned': report.precision.pinnedLayers.push(event.layer); break;
      case 'log': if (event.severity === 'warning') report.warnings.push(event.message); break;
      case 'engine-written': report.engineBytes = event.bytes; report.buildSeconds = event.build_seconds; break;
      case 'done': report.engineBytes = event.bytes; break;
      case 'timing-cache-written': report.timingCacheWritten = event.path; break;
      case 'layer-precision': report.layers.push(classifyLayer(event.index, event.info)); break;
      case 'latency':
        report.latency = {
          iterations: event.iterations, warmup: event.warmup, medianMs: event.median_ms, p99Ms: event.p99_ms,
          meanMs: event.mean_ms, minMs: event.min_ms, maxMs: event.max_ms,
        };
        break;
      default: break;
    }
  }
  report.fp32Layers = base.fp16 ? fp32Layers(report.layers) : [];
  return report;
}
