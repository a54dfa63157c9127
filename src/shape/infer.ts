import { DType, type DTypeCode, type Dim, type Graph, type Node, type Tensor, type Value } from '../ir/index.js';
import { topologicalOrder } from '../ir/toposort.js';
import { DimExpr, type SymbolRange } from './dim-expr.js';
import { foldNode, packedConstant } from './evaluated.js';
import { FactTable } from './fact-table.js';
import {
  MAX_TRACKED_ELEMENTS, type ShapeFacts, type ShapeFactsView, type ValueFacts, constDims, isIntegerDType, newFacts, representable, staticCount,
  staticDims, tensorFromValues, tensorValues,
} from './facts.js';
import type { NDArray } from './ndarray.js';
import { ruleFor } from './op-rules.js';
import { OpContext } from './ops/context.js';
import { RunConstraints } from './run-constraints.js';

/**
 * Options of {@link inferShapes}.
 *
 * @group Shapes
 */
export interface InferShapesOptions {
  /** Values for symbolic input dims (`{ batch: 1 }`): those dims become constants. */
  bindings?: Record<string, number>;
  /**
   * Range of every symbolic dim of a graph input (named or unknown), inclusive; a missing `min`
   * is 0 (a dim is never negative), a missing `max` unbounded. Default `{}`: any size. What a successful run proves is added on top (a Conv reading an
   * input axis needs at least its kernel's span, see below), so the default assumes nothing.
   * A tighter range is an assumption the caller states: `{ max: 2 ** 24 }` lets float casts of
   * sizes and Resize scales on them be exact (float32 holds every integer up to 2^24).
   */
  inputDimRange?: SymbolRange;
  /** Ranges for particular input-dim symbols by name (override {@link inputDimRange}). */
  symbolRanges?: Record<string, SymbolRange>;
  /**
   * Store the inferred dtype/shape on each intermediate `Value.type` (symbolic dims as their
   * text) and list the value in its graph's `value_info`, so a saved model carries them. Known
   * static dims, graph inputs and initializers are never overwritten; graph outputs keep their
   * named dims.
   */
  writeBack?: boolean;
  /**
   * Largest output (in elements) computed by the constant evaluator when every input of a node
   * is constant (default 1024). Larger results stay symbolic.
   */
  maxConstantElements?: number;
}

/** Expressions with more terms than this are not tracked as values (keeps runaway arithmetic linear). */
const MAX_VALUE_TERMS = 64;

/**
 * Inference passes at most. A node that proves a larger minimum for an input dim (see
 * {@link RunConstraints}) stops the pass, which restarts with it; that is usually the first Conv
 * on the image, so a restart costs the few nodes before it. The last pass runs to the end.
 */
const MAX_PASSES = 8;

/** The fact store behind {@link inferShapes}: facts per value, filled in graph order. */
class FactStore implements ShapeFactsView {
  private readonly facts: FactTable;
  private readonly bindings: Record<string, number>;
  private readonly maxConstantElements: number;
  /** Range of each input-dim symbol, by name (filled while seeding the main graph's inputs). */
  private readonly ranges = new Map<string, SymbolRange>();
  private readonly options: InferShapesOptions;
  private readonly constraints: RunConstraints;
  private readonly mainGraph: Graph;
  /** Stop the main graph at the first node that proves a larger minimum (this pass restarts). */
  private readonly stopOnTightening: boolean;
  /** One handler context per subgraph nesting level (see {@link OpContext}), and the current level. */
  private readonly contexts: OpContext[] = [];
  private depth = 0;
  /** Graphs inferred, for write-back. */
  readonly graphs: Graph[] = [];

  constructor(graph: Graph, options: InferShapesOptions, learned: ReadonlyMap<string, bigint>, stopOnTightening: boolean) {
    this.options = options;
    this.mainGraph = graph;
    this.facts = new FactTable(graph);
    this.stopOnTightening = stopOnTightening;
    this.bindings = options.bindings ?? {};
    this.maxConstantElements = options.maxConstantElements ?? 1024;
    for (const v of graph.inputs) {
      v.type?.shape?.forEach((d, axis) => {
        const name = typeof d === 'string' && d !== '' ? d : typeof d === 'number' ? undefined : `unk__${v.name}_${axis}`;
        if (name !== undefined && !this.ranges.has(name)) this.ranges.set(name, this.inputRange(name, learned.get(name)));
      });
    }
    this.constraints = new RunConstraints(graph, new Set(this.ranges.keys()));
  }

  /** The declared range of an input-dim symbol (never below 0), raised to what a previous pass proved. */
  private inputRange(name: string, learned: bigint | undefined): SymbolRange {
    const declared = this.options.symbolRanges?.[name] ?? this.options.inputDimRange ?? {};
    let min = declared.min === undefined ? 0n : BigInt(declared.min);
    if (min < 0n) min = 0n;
    if (learned !== undefined && learned > min) min = learned;
    return { ...declared, min };
  }

  /** Lower bounds this pass proved beyond the ranges it started from. */
  tightened(): Map<string, bigint> | undefined {
    let out: Map<string, bigint> | undefined;
    for (const [name, min] of this.constraints.minimums) {
      const have = this.ranges.get(name)?.min;
      if (have === undefined || BigInt(have) < min) (out ??= new Map()).set(name, min);
    }
    return out;
  }

  dtype(v: Value): DTypeCode | undefined {
    return this.lookup(v).dtype;
  }

  shape(v: Value): DimExpr[] | undefined {
    const s = this.lookup(v).shape;
    return s && [...s];
  }

  values(v: Value): DimExpr[] | undefined {
    const values = this.valuesView(v);
    return values && [...values];
  }

  shapeView(v: Value): readonly DimExpr[] | undefined {
    return this.lookup(v).shape;
  }

  valuesView(v: Value): readonly DimExpr[] | undefined {
    const f = this.lookup(v);
    if (!f.values || !f.shape || f.shape.length > 1 || !isIntegerDType(f.dtype)) return undefined;
    return f.values;
  }

  constant(v: Value): Tensor | undefined {
    return this.constantOf(this.lookup(v));
  }

  /**
   * The constant tensor of known facts. One that only has exact values (a shape tensor) gets its
   * tensor on first request: most shape tensors are read as values, never as a tensor.
   */
  constantOf = (f: ValueFacts): Tensor | undefined => {
    if (f.constant) return f.constant;
    if (f.array) return packedConstant(f as ValueFacts & { array: NDArray });
    if (!f.values || f.dtype === undefined) return undefined;
    const dims = staticDims(f.shape);
    const t = dims && tensorFromValues(f.dtype, dims, f.values);
    if (t) f.constant = t;
    return t;
  };

  /** Facts of a value, seeding graph inputs, initializers and never-visited values on first sight. */
  lookup = (v: Value): ValueFacts => {
    let f = this.facts.get(v);
    if (!f) {
      f = this.seed(v);
      this.facts.set(v, f);
    }
    return f;
  };

  /** What is known about a value before any node is inferred: its tensor or its declared type. */
  private seed(v: Value): ValueFacts {
    const init = v.initializer;
    if (init) {
      const f = newFacts(init.dtype, constDims(init.dims));
      // An initializer that is also a graph input is a default the caller may override.
      if (!v.isGraphInput) {
        f.constant = init;
        const values = tensorValues(init);
        if (values) f.values = values;
      }
      return f;
    }
    return this.declared(v);
  }

  /** Facts from a value's declared type: static dims, named symbols, fresh symbols for unknowns. */
  private declared(v: Value): ValueFacts {
    const f = newFacts();
    const type = v.type;
    if (!type) return f;
    if (type.dtype !== DType.UNDEFINED) f.dtype = type.dtype;
    if (type.shape) f.shape = type.shape.map((d, axis) => this.dimFromDeclared(d, v.name, axis));
    return f;
  }

  private dimFromDeclared(d: Dim, valueName: string, axis: number): DimExpr {
    if (typeof d === 'number') return DimExpr.const(d);
    const name = typeof d === 'string' && d !== '' ? d : `unk__${valueName}_${axis}`;
    const bound = this.bindings[name];
    if (bound !== undefined) return DimExpr.const(bound);
    // Input-dim symbols keep their range wherever the name appears (value_info included).
    return DimExpr.symbol(name, this.ranges.get(name));
  }

  /** Infers every node of `graph` (and the subgraphs its If/Loop nodes run). */
  inferGraph = (graph: Graph, inputs?: readonly ValueFacts[]): void => {
    this.graphs.push(graph);
    graph.inputs.forEach((v, i) => {
      const given = inputs?.[i];
      this.facts.set(v, given ? withGiven(this.seed(v), given) : this.seed(v));
    });
    let order: Node[];
    try {
      order = topologicalOrder(graph);
    } catch {
      order = graph.nodes;
    }
    for (let i = 0; i < order.length; i++) {
      this.inferNode(order[i]!);
      if (this.stopOnTightening && graph === this.mainGraph && this.constraints.changed && this.tightened()) return;
      this.constraints.changed = false;
    }
  };

  private inferNode(node: Node): void {
    const rule = ruleFor(node);
    const handler = rule.handler;
    let results: (ValueFacts | undefined)[] = [];
    const ctx = (this.contexts[this.depth] ??= new OpContext(this.lookup, this.inferGraph, this.lookup, this.constantOf));
    ctx.at(node, node.graph === this.mainGraph ? this.require : undefined);
    if (handler) {
      this.depth++;
      try {
        results = handler(ctx);
      } catch {
        // A handler meeting a malformed node knows nothing; inference never fails a caller.
        results = [];
      } finally {
        this.depth--;
      }
    }
    const evaluated = rule.folds ? foldNode(ctx, results, rule.moves, this.constantOf, this.maxConstantElements) : undefined;
    const outputs = node.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!;
      if (!out.name) continue;
      const inferred = evaluated?.[i] ?? results[i] ?? newFacts();
      this.facts.set(out, this.finish(out, inferred));
    }
  }

  /** How a node of the main graph reports what its successful run implies (nodes of subgraphs report nothing). */
  private readonly require = (node: Node, expr: DimExpr): void => this.constraints.require(node, expr);

  /** Fills gaps from the declared type, drops values that do not fit, derives small constants. */
  private finish(v: Value, inferred: ValueFacts): ValueFacts {
    // Completed in place: every output's facts are a new object (see OpHandler), and so are the
    // evaluator's; a copy per value would only make garbage.
    const f = inferred;
    // A handler reading past the end of a malformed node's dims must not leave holes.
    if (f.shape && !allDimExprs(f.shape)) f.shape = undefined;
    if (f.values && !allDimExprs(f.values)) f.values = undefined;
    const declared = v.type ? this.declared(v) : undefined;
    if (f.dtype === undefined && declared?.dtype !== undefined) f.dtype = declared.dtype;
    if (!f.shape && declared?.shape) f.shape = declared.shape;
    else if (f.shape && declared?.shape && declared.shape.length === f.shape.length) {
      // A static dim the model declares is more trustworthy than an opaque symbol of ours.
      f.shape = f.shape.map((d, i) => (!d.isConst() && declared.shape![i]!.isConst() ? declared.shape![i]! : d));
    }
    const count = staticCount(f.shape);
    if (f.values && (count === undefined || count !== f.values.length || count > MAX_TRACKED_ELEMENTS)) f.values = undefined;
    // A value the element type cannot hold exactly (a float past 2^24, an int32 past 2^31) would
    // be rounded or wrapped by the runtime: keep only values provably stored as they are.
    if (f.values && !allTracked(f.values, f.dtype)) f.values = undefined;
    // Exact values also make a constant tensor: built by constantOf() when someone asks for it.
    return f;
  }
}

/** Seed facts of a subgraph input with what its owner knows on top (the members it gives). */
function withGiven(seeded: ValueFacts, given: ValueFacts): ValueFacts {
  if (given.dtype !== undefined) seeded.dtype = given.dtype;
  if (given.shape !== undefined) seeded.shape = given.shape;
  if (given.values !== undefined) seeded.values = given.values;
  if (given.constant !== undefined) seeded.constant = given.constant;
  if (given.array !== undefined) seeded.array = given.array;
  return seeded;
}

/** `every(d => d instanceof DimExpr)` without a closure per call (holes are skipped, as `every` skips them). */
function allDimExprs(dims: readonly (DimExpr | undefined)[]): boolean {
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!(d instanceof DimExpr) && (d !== undefined || i in dims)) return false;
  }
  return true;
}

/** True when every value (holes skipped) is small enough to track and stored exactly by `dtype`. */
function allTracked(values: readonly DimExpr[], dtype: DTypeCode | undefined): boolean {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== undefined && !(x.termCount() <= MAX_VALUE_TERMS && representable(dtype, x))) return false;
  }
  return true;
}

/**
 * Infers the dtype, symbolic shape and (for small integer tensors) symbolic element values of
 * every value of `graph`, following opset 13–21 semantics. Graph input dims become constants
 * (numbers), symbols (`dim_param` strings, or their `bindings`), or fresh symbols
 * `unk__<value>_<axis>` (unknown dims). Nodes whose inputs are all constant are evaluated on the
 * CPU when small. Never throws: what cannot be inferred is simply unknown.
 *
 * What is inferred holds for every run onnxruntime completes with input dims in their ranges
 * ({@link InferShapesOptions.inputDimRange}, default any size):
 * - Integer arithmetic is onnxruntime's: `Div` truncates toward zero, `Mod` takes the divisor's
 *   sign (fmod=0) or the dividend's (fmod=1). A truncating division becomes a floor division only
 *   where the bounds prove its operands' signs; then nested floors and Conv/Pool sizes share one
 *   canonical form (see {@link DimExpr}). Symbolic int64 arithmetic is assumed not to wrap.
 * - A node of the main graph that feeds an output and that onnxruntime refuses to run on too
 *   small an input (a Conv whose window does not fit, a pooling of an empty axis) proves a lower
 *   bound on the input dim it reads; inference restarts with it once found (so `h - 1 >= 0` for
 *   an image that goes through a Conv stem).
 * - A tracked value survives only where its type stores it exactly: int32 and smaller types
 *   within their range, float32 for integers up to 2^24, float64 up to 2^53 (Resize sizes from
 *   scales alike). Floor/Ceil/Cast of a float quotient of integers is that integer division when
 *   the float division provably rounds it right. Comparisons, Where and logic on sizes are 0/1
 *   expressions, decided where the bounds decide them.
 *
 * @example
 * ```ts
 * const facts = inferShapes(model.graph);
 * const reshape = model.graph.nodes.find((n) => n.opType === 'Reshape')!;
 * facts.values(reshape.input(1))?.map(String); // ['batch*8', '8', 'h0*w0', '32']
 * facts.shape(reshape.output())?.map(String);  // same dims
 * inferShapes(model.graph, { bindings: { batch: 1 }, writeBack: true }); // value_info filled in
 * ```
 * @group Shapes
 */
export function inferShapes(graph: Graph, options: InferShapesOptions = {}): ShapeFacts {
  let learned = new Map<string, bigint>();
  let store: FactStore;
  for (let pass = 1; ; pass++) {
    store = new FactStore(graph, options, learned, pass < MAX_PASSES);
    store.inferGraph(graph);
    const tighter = pass < MAX_PASSES ? store.tightened() : undefined;
    if (!tighter) break;
    learned = new Map([...learned, ...tighter]);
  }
  if (options.writeBack) for (const g of store.graphs) writeBackGraph(g, store);
  return store;
}

/** Stores inferred types on the values of one graph (see {@link InferShapesOptions.writeBack}). */
function writeBackGraph(graph: Graph, facts: ShapeFactsView): void {
  const listed = new Set(graph.valueInfoOrder);
  const list = (v: Value): void => {
    // Listed in value_info from now on, so a saved model carries what was inferred.
    if (!v.isGraphOutput && !listed.has(v)) {
      listed.add(v);
      graph.valueInfoOrder.push(v);
    }
  };
  for (const v of graph.values()) {
    if (v.initializer || v.isGraphInput || v.opaqueType !== undefined) continue;
    const dtype = facts.dtype(v);
    // Read, never kept: the dims are turned into new Dim arrays below.
    const shape = facts.shapeView(v);
    const existing = v.type;
    const knownDtype = existing && existing.dtype !== DType.UNDEFINED ? existing.dtype : dtype;
    if (knownDtype === undefined || !v.name) continue;
    if (!shape) {
      if (!existing) v.type = { dtype: knownDtype };
      else if (existing.dtype === DType.UNDEFINED) v.type = { ...existing, dtype: knownDtype };
      list(v);
      continue;
    }
    const ours: Dim[] = shape.map((d) => d.constValue() ?? d.toString());
    const old = existing?.shape;
    let merged: Dim[];
    if (!old) merged = ours;
    else if (old.length !== ours.length) merged = old;
    else {
      merged = old.map((d, i) => {
        if (typeof d === 'number') return d;
        if (typeof d === 'string' && d !== '' && v.isGraphOutput && typeof ours[i] !== 'number') return d;
        return ours[i]!;
      });
    }
    v.type = { dtype: knownDtype, shape: merged };
    list(v);
  }
}
