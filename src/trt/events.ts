/**
 * The builder's stdout protocol: one JSON object per line with an `event` key (written by
 * native/src/json_events.cpp). Parsing is defensive: a line that is not one of these events is
 * returned as `unknown` rather than trusted.
 */

/**
 * A network tensor as the builder describes it (`-1` = dynamic dim).
 *
 * @group Native builder
 */
export interface NetworkTensor {
  name: string;
  dims: number[];
  dtype: string;
}

/**
 * Every event the builder emits (protocol 2). Field names are the builder's.
 *
 * @group Native builder
 */
export type BuilderEvent =
  | { event: 'start'; protocol: number; tensorrt: string; strongly_typed: string; fp16_builder_flag: boolean }
  | { event: 'log'; severity: string; message: string }
  | { event: 'phase'; phase: string }
  | { event: 'plugins'; initialized: boolean; name: string; checked_versions: string[]; registered_versions: string[] }
  | { event: 'precision'; typing: string; fp16_flag: boolean; tf32: boolean; fp32_plugin_layers: string[] }
  | { event: 'layer-pinned'; index: number; layer: string; output: string; matched_by: string; precision: string }
  | { event: 'parse-error'; index: number; code: number; node: number; node_name: string; op: string; desc: string }
  | { event: 'network'; layers: number; inputs: NetworkTensor[]; outputs: NetworkTensor[] }
  | { event: 'timing-cache-loaded'; path: string; existed: boolean; bytes: number }
  | { event: 'timing-cache-written'; path: string; bytes: number }
  | { event: 'engine-written'; engine: string; bytes: number; build_seconds: number }
  | { event: 'layer-precision'; index: number; info: string }
  | { event: 'layer-report-done'; layers: number }
  | { event: 'latency'; iterations: number; warmup: number; median_ms: number; p99_ms: number; mean_ms: number; min_ms: number; max_ms: number }
  | { event: 'error'; stage: string; message: string; tensorrt_error?: string }
  | { event: 'done'; engine: string; bytes: number }
  | { event: 'unknown'; line: string };

/**
 * The builder protocol version this driver speaks.
 *
 * @group Native builder
 */
export const BUILDER_PROTOCOL = 2;

type Json = Record<string, unknown>;

const str = (o: Json, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
// null is how the builder writes a non-finite number (e.g. a statistic of zero samples).
const num = (o: Json, k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : Number.NaN);
const bool = (o: Json, k: string): boolean => o[k] === true;
const strings = (o: Json, k: string): string[] => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);

function tensors(value: unknown): NetworkTensor[] {
  if (!Array.isArray(value)) return [];
  return value.filter((t): t is Json => typeof t === 'object' && t !== null).map((t) => ({
    name: str(t, 'name'),
    dims: Array.isArray(t.dims) ? t.dims.filter((d): d is number => typeof d === 'number') : [],
    dtype: str(t, 'dtype'),
  }));
}

/**
 * Parses one stdout line of the builder.
 *
 * @example
 * ```ts
 * parseBuilderEvent('{"event":"latency","iterations":100,"warmup":20,"median_ms":4.2,"p99_ms":5.1,"mean_ms":4.3,"min_ms":4,"max_ms":6}');
 * ```
 * @group Native builder
 */
export function parseBuilderEvent(line: string): BuilderEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { event: 'unknown', line };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { event: 'unknown', line };
  const o = parsed as Json;
  switch (o.event) {
    case 'start':
      return { event: 'start', protocol: num(o, 'protocol'), tensorrt: str(o, 'tensorrt'), strongly_typed: str(o, 'strongly_typed'), fp16_builder_flag: bool(o, 'fp16_builder_flag') };
    case 'log': return { event: 'log', severity: str(o, 'severity'), message: str(o, 'message') };
    case 'phase': return { event: 'phase', phase: str(o, 'phase') };
    case 'plugins':
      return {
        event: 'plugins', initialized: bool(o, 'initialized'), name: str(o, 'name'),
        checked_versions: strings(o, 'checked_versions'), registered_versions: strings(o, 'registered_versions'),
      };
    case 'precision':
      return { event: 'precision', typing: str(o, 'typing'), fp16_flag: bool(o, 'fp16_flag'), tf32: bool(o, 'tf32'), fp32_plugin_layers: strings(o, 'fp32_plugin_layers') };
    case 'layer-pinned':
      return {
        event: 'layer-pinned', index: num(o, 'index'), layer: str(o, 'layer'), output: str(o, 'output'), matched_by: str(o, 'matched_by'),
        precision: str(o, 'precision'),
      };
    case 'parse-error':
      return { event: 'parse-error', index: num(o, 'index'), code: num(o, 'code'), node: num(o, 'node'), node_name: str(o, 'node_name'), op: str(o, 'op'), desc: str(o, 'desc') };
    case 'network': return { event: 'network', layers: num(o, 'layers'), inputs: tensors(o.inputs), outputs: tensors(o.outputs) };
    case 'timing-cache-loaded': return { event: 'timing-cache-loaded', path: str(o, 'path'), existed: bool(o, 'existed'), bytes: num(o, 'bytes') };
    case 'timing-cache-written': return { event: 'timing-cache-written', path: str(o, 'path'), bytes: num(o, 'bytes') };
    case 'engine-written': return { event: 'engine-written', engine: str(o, 'engine'), bytes: num(o, 'bytes'), build_seconds: num(o, 'build_seconds') };
    case 'layer-precision': return { event: 'layer-precision', index: num(o, 'index'), info: str(o, 'info') };
    case 'layer-report-done': return { event: 'layer-report-done', layers: num(o, 'layers') };
    case 'latency':
      return {
        event: 'latency', iterations: num(o, 'iterations'), warmup: num(o, 'warmup'), median_ms: num(o, 'median_ms'),
        p99_ms: num(o, 'p99_ms'), mean_ms: num(o, 'mean_ms'), min_ms: num(o, 'min_ms'), max_ms: num(o, 'max_ms'),
      };
    case 'error': {
      const trtError = str(o, 'tensorrt_error');
      return trtError
        ? { event: 'error', stage: str(o, 'stage'), message: str(o, 'message'), tensorrt_error: trtError }
        : { event: 'error', stage: str(o, 'stage'), message: str(o, 'message') };
    }
    case 'done': return { event: 'done', engine: str(o, 'engine'), bytes: num(o, 'bytes') };
    default: return { event: 'unknown', line };
  }
}
