import { cloneModel } from './clone.js';
import { Graph } from './graph.js';

/**
 * A model-local function (ONNX `FunctionProto`). The IR names it and carries its body as it was
 * decoded, so it is written back unchanged; remove or reorder entries freely, but build new ones
 * with the codec (`serdeOrigin` is the message that is written).
 * @group IR
 */
export interface LocalFunction {
  /** Function name: the op type its callers use. */
  readonly name: string;
  /** Domain its callers use. */
  readonly domain: string;
  /** IR 10 overload identifier, if any. */
  readonly overload?: string;
  /** Codec bookkeeping: the decoded `FunctionProto`. */
  readonly serdeOrigin: unknown;
}

/**
 * A whole ONNX model: the main graph plus the header (IR version, opset imports, producer) and
 * the parts the IR carries without modelling (local functions, training info) so nothing is lost.
 *
 * @example
 * ```ts
 * const model = await loadModel('model.onnx');
 * model.onnxOpset;                   // the ONNX-domain opset, e.g. 17
 * model.graph.nodeCount;             // nodes of the main graph
 * model.opsetImports.get('trt');     // other domains' opsets, by domain
 * ```
 * @group IR
 */
export class Model {
  /** ONNX IR version of the file. */
  irVersion: number | bigint = 8;
  /** Opset version per domain (`''` is the ONNX domain), in model order. */
  readonly opsetImports = new Map<string, number>();
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number | bigint;
  docString?: string;
  /** Model metadata (`metadata_props`), in model order. */
  metadataProps?: [string, string][];
  /** The main graph. */
  graph: Graph;
  /** Local functions, carried as decoded (see {@link LocalFunction}). */
  functions: LocalFunction[] = [];
  /** Path of the file this model was loaded from (resolves external data), if any. */
  sourcePath?: string;
  /** Codec bookkeeping for lossless round trips (training info, configuration, unknown fields). */
  serdeOrigin?: unknown;

  constructor(graph: Graph = new Graph()) {
    this.graph = graph;
  }

  /** Opset version of the ONNX domain (`ai.onnx`), or undefined if not imported. */
  get onnxOpset(): number | undefined {
    return this.opsetImports.get('') ?? this.opsetImports.get('ai.onnx');
  }

  /**
   * Raises the ONNX-domain opset import to at least `minimum` (updating whichever spelling the
   * model imports, `''` or `'ai.onnx'`); returns the opset in effect afterwards.
   *
   * @example
   * ```ts
   * model.raiseOnnxOpset(16); // 17 for an opset-17 model, 16 for an opset-13 one
   * ```
   */
  raiseOnnxOpset(minimum: number): number {
    const current = this.onnxOpset;
    if (current !== undefined && current >= minimum) return current;
    const key = this.opsetImports.has('ai.onnx') && !this.opsetImports.has('') ? 'ai.onnx' : '';
    this.opsetImports.set(key, minimum);
    return minimum;
  }

  /**
   * A deep structural copy; tensor bytes are shared (see {@link cloneModel}).
   *
   * @example
   * ```ts
   * const copy = model.clone();
   * copy.graph.cleanup(); // the original is untouched
   * ```
   */
  clone(): Model {
    return cloneModel(this);
  }

  /** Imports `domain` at `version` if the model does not import it yet. */
  ensureOpset(domain: string, version: number): void {
    if (!this.opsetImports.has(domain)) this.opsetImports.set(domain, version);
  }
}
