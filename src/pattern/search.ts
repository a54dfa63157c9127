/**
 * One anchored search: binds a pattern to the graph backwards from an anchor node by depth-first
 * search with backtracking. Every choice point (commutative operand order, `oneOf` alternative,
 * multi-output extension, repeat copies) undoes its bindings before trying the next option, so
 * checks can reject one binding and let another succeed. The failure that got furthest is kept.
 */
import { type Graph, type Node, type Tensor, type Value, normalizeDomain } from '../ir/index.js';
import { Captures, emptyCaptureData } from './captures.js';
import { constantMismatch, describeTensor } from './constant.js';
import { type Where, attributeMismatch, describeKey, describeValue, describeWhere, reasonSuffix, refusal } from './describe.js';
import type { FailureKind, MatchAttempt, MatchOptions } from './matcher.js';
import {
  AnyValuePattern, type BindingKey, ConstantPattern, NodeOutputPattern, type NodePattern, OneOfPattern, OptionalPattern,
  type Pattern, RepeatPattern, type ValuePattern, bindingKey,
} from './pattern.js';

/** What one binding key is bound to. */
interface Bound {
  value?: Value | undefined;
  node?: Node;
  tensor?: Tensor;
  choice?: number;
}

type Continuation = () => boolean;

/** One item of a node's input sequence: a value slot, or the block of a repeat's copies. */
type InputItem =
  | { kind: 'value'; pattern: ValuePattern; value: Value | undefined; where: Where }
  | { kind: 'repeat'; repeat: RepeatPattern; values: (Value | undefined)[]; node: Node; first: number };

const CHECK_DEPTH = 1e9;
const UNSAFE_DEPTH = 2e9;
/** Repeats with more copies than this match each copy greedily (see matchCopies). */
const MAX_BACKTRACKED_COPIES = 32;
/** Operand orders tried for commutative ops with more inputs are capped (n! grows fast). */
const MAX_PERMUTED_INPUTS = 5;

/** One anchored search: bindings with an undo trail, and the best failure seen. */
export class Search {
  private readonly bindings = new Map<BindingKey, Bound>();
  private readonly nodeOwner = new Map<Node, NodePattern>();
  /** Matched nodes in the order their inputs finished matching: producers before consumers. */
  private readonly finished: Node[] = [];
  private readonly copies = new Map<RepeatPattern, Map<BindingKey, Bound>[]>();
  private readonly trail: (() => void)[] = [];
  private best: { depth: number; kind: FailureKind; message: string } | undefined;
  private result: Captures | undefined;

  constructor(
    private readonly pattern: Pattern,
    private readonly graph: Graph,
    private readonly anchor: Node,
    private readonly options: MatchOptions,
  ) {}

  run(): MatchAttempt {
    const root = this.pattern.outputs[0]!;
    const value = this.anchorValue(root);
    let ok: boolean;
    try {
      ok = this.matchValue(root, value, { output: 0 }, () => this.matchOtherOutputs(1, () => this.finish()));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // The search recurses once per bound node: a pathological pattern/graph pair can exhaust the stack.
      return { ok: false, failure: { kind: 'structure', message: `the match is too deep to search (${error.message})`, anchor: this.anchor.label } };
    }
    if (ok && this.result) return { ok: true, captures: this.result };
    const best = this.best ?? { kind: 'structure' as const, message: 'no match', depth: 0 };
    return { ok: false, failure: { kind: best.kind, message: best.message, anchor: this.anchor.label } };
  }

  /** The anchor output the root pattern stands for (output 0 unless the root names another). */
  private anchorValue(root: ValuePattern): Value | undefined {
    const index = root instanceof NodeOutputPattern ? root.index : 0;
    return this.anchor.outputs[index];
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private bind(key: BindingKey, bound: Bound): void {
    this.bindings.set(key, bound);
    this.trail.push(() => this.bindings.delete(key));
  }

  private undo(mark: number): void {
    while (this.trail.length > mark) this.trail.pop()!();
  }

  /**
   * Records a failure (keeping the deepest: bindings made on the path, plus `closeness` to break
   * ties) and returns false. Messages are built lazily, and only when tracing.
   */
  private fail(message: () => string, kind: FailureKind = 'structure', closeness = 0): false {
    const depth = (kind === 'structure' ? this.trail.length : kind === 'check' ? CHECK_DEPTH : UNSAFE_DEPTH) + closeness;
    if (!this.best || depth > this.best.depth) {
      const text = kind === 'structure' && !this.options.trace ? 'structure did not match (use explain() for details)' : message();
      this.best = { depth, kind, message: text };
    }
    return false;
  }

  // ---- values ------------------------------------------------------------------------------

  private matchValue(p: ValuePattern, v: Value | undefined, where: Where, k: Continuation): boolean {
    const key = bindingKey(p);
    const prior = this.bindings.get(key);
    if (prior) {
      if (prior.value === v) return k();
      return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}, but the pattern needs the same value there as ${describeKey(key, p)}, ${describeValue(prior.value)}`);
    }
    const mark = this.trail.length;
    const ok = this.matchValueUnbound(p, key, v, where, k);
    if (!ok) this.undo(mark);
    return ok;
  }

  private matchValueUnbound(p: ValuePattern, key: BindingKey, v: Value | undefined, where: Where, k: Continuation): boolean {
    if (p instanceof OptionalPattern) {
      if (v === undefined) {
        this.bind(key, { value: undefined });
        return k();
      }
      return this.matchValue(p.inner, v, where, () => {
        this.bind(key, { value: v });
        return k();
      });
    }
    if (v === undefined) return this.fail(() => `${describeWhere(where)} is omitted, expected ${p.toString()}`);
    if (p instanceof AnyValuePattern) return this.matchLeaf(p, key, v, where, k);
    if (p instanceof ConstantPattern) return this.matchConstant(p, key, v, where, k);
    if (p instanceof NodeOutputPattern) return this.matchNodeOutput(p, key, v, where, k);
    if (p instanceof OneOfPattern) return this.matchOneOf(p, key, v, where, k);
    return this.fail(() => `unknown pattern kind at ${describeWhere(where)}`);
  }

  private matchLeaf(p: AnyValuePattern, key: BindingKey, v: Value, where: Where, k: Continuation): boolean {
    if (p.leaf === 'input' && !v.isGraphInput) {
      return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}, expected a graph input`);
    }
    if (p.leaf === 'initializer' && !v.initializer) {
      return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}, expected an initializer`);
    }
    if (p.where) {
      const verdict = p.where(v);
      if (verdict !== true) return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}${refusal(verdict, p.toString())}`);
    }
    this.bind(key, { value: v });
    return k();
  }

  private matchConstant(p: ConstantPattern, key: BindingKey, v: Value, where: Where, k: Continuation): boolean {
    const tensor = v.constant();
    if (!tensor) return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}, expected the constant ${p.toString()}`);
    if (p.expected !== undefined) {
      const mismatch = constantMismatch(tensor, p.expected, p.tolerance);
      if (mismatch) return this.fail(() => `${describeWhere(where)} is the constant ${mismatch}, expected ${p.toString()}`);
    }
    if (p.predicate) {
      const verdict = p.predicate(tensor);
      if (verdict !== true) return this.fail(() => `${describeWhere(where)} is the constant ${describeTensor(tensor)}${refusal(verdict, p.toString())}`);
    }
    this.bind(key, { value: v, tensor });
    return k();
  }

  private matchNodeOutput(p: NodeOutputPattern, key: BindingKey, v: Value, where: Where, k: Continuation): boolean {
    const producer = v.producer;
    if (!producer) return this.fail(() => `${describeWhere(where)} is ${describeValue(v)}, expected the output of '${p.node.op}'`);
    if (v.outputIndex !== p.index) {
      return this.fail(() => `${describeWhere(where)} is output ${v.outputIndex} of '${producer.label}', expected output ${p.index} of '${p.node.op}'`);
    }
    return this.matchNode(p.node, producer, where, () => {
      this.bind(key, { value: v });
      return k();
    });
  }

  private matchOneOf(p: OneOfPattern, key: BindingKey, v: Value, where: Where, k: Continuation): boolean {
    for (let i = 0; i < p.alternatives.length; i++) {
      const mark = this.trail.length;
      const ok = this.matchValue(p.alternatives[i]!, v, where, () => {
        this.bind(key, { value: v, choice: i });
        return k();
      });
      if (ok) return true;
      this.undo(mark);
    }
    return false;
  }

  // ---- nodes -------------------------------------------------------------------------------

  private matchNode(np: NodePattern, node: Node, where: Where, k: Continuation): boolean {
    const key = bindingKey(np);
    const prior = this.bindings.get(key);
    if (prior) {
      if (prior.node === node) return k();
      return this.fail(() => `${describeWhere(where)} comes from '${node.label}', but the pattern needs the same node there as ${describeKey(key, np)}, '${prior.node?.label}'`);
    }
    if (node.graph !== this.graph) return this.fail(() => `${describeWhere(where)} comes from '${node.label}' in another graph`);
    if (this.options.exclude?.has(node)) return this.fail(() => `'${node.label}' is already part of another match`);
    const owner = this.nodeOwner.get(node);
    if (owner && owner !== np) return this.fail(() => `'${node.label}' is already matched by another part of the pattern (${owner.op})`);
    if (node.opType !== np.op || normalizeDomain(node.domain) !== np.options.domain) {
      const expected = np.options.domain ? `${np.options.domain}.${np.op}` : np.op;
      const found = node.domain && normalizeDomain(node.domain) ? `${node.domain}.${node.opType}` : node.opType;
      if ('output' in where && where.output === 0) return this.fail(() => `'${node.label}' is '${found}', expected '${expected}'`);
      // A node of the wrong type is a nearer miss than a leaf where a node was expected: on equal
      // depth (the other operand order of a commutative op), this is the message worth showing.
      return this.fail(() => `${describeWhere(where)} is produced by '${found}' ('${node.label}'), expected '${expected}'`, 'structure', 0.5);
    }
    if (np.options.outputCount !== undefined && node.outputs.length !== np.options.outputCount) {
      return this.fail(() => `'${node.label}' has ${node.outputs.length} outputs, expected ${np.options.outputCount}`);
    }
    for (const [name, predicate] of np.attributes) {
      const reason = attributeMismatch(node.attr(name), predicate, node);
      if (reason !== undefined) return this.fail(() => `attribute '${name}' of '${node.label}' ${reason}`);
    }
    if (np.options.exactAttributes) {
      for (const name of node.attributes.keys()) {
        if (!np.attributes.has(name)) return this.fail(() => `'${node.label}' has attribute '${name}', which the pattern does not allow`);
      }
    }
    const mark = this.trail.length;
    this.bind(key, { node });
    if (!owner) {
      this.nodeOwner.set(node, np);
      this.trail.push(() => this.nodeOwner.delete(node));
    }
    const ok = this.matchInputs(np, node, () => {
      if (!owner) {
        this.finished.push(node);
        this.trail.push(() => this.finished.pop());
      }
      return k();
    });
    if (!ok) this.undo(mark);
    return ok;
  }

  private matchInputs(np: NodePattern, node: Node, k: Continuation): boolean {
    const values = node.inputs;
    const repeat = np.repeat;
    if (repeat) {
      const at = np.inputs.indexOf(repeat);
      const fixedAfter = np.inputs.length - at - 1;
      const count = values.length - at - fixedAfter;
      if (count < repeat.min || count > repeat.max) {
        const range = repeat.max === Infinity ? `at least ${repeat.min}` : `${repeat.min}..${repeat.max}`;
        return this.fail(() => `'${node.label}' has ${values.length} inputs, so ${count} copies of the repeat, expected ${range}`);
      }
      const items: InputItem[] = [];
      for (let i = 0; i < at; i++) items.push(valueItem(np.inputs[i] as ValuePattern, values[i], node, i));
      items.push({ kind: 'repeat', repeat, values: values.slice(at, at + count), node, first: at });
      for (let j = 0; j < fixedAfter; j++) {
        const slot = at + count + j;
        items.push(valueItem(np.inputs[at + 1 + j] as ValuePattern, values[slot], node, slot));
      }
      return this.matchItems(items, 0, k);
    }
    const patterns = np.inputs as readonly ValuePattern[];
    if (values.length > patterns.length && !np.options.allowExtraInputs) {
      return this.fail(() => `'${node.label}' has ${values.length} inputs, expected ${patterns.length}`);
    }
    if (!np.options.commutative || patterns.length < 2) {
      return this.matchItems(patterns.map((p, i) => valueItem(p, values[i], node, i)), 0, k);
    }
    // Commutative: pattern operand j may match any graph operand; try each order in turn.
    const n = Math.min(patterns.length, MAX_PERMUTED_INPUTS);
    for (const order of permutations(n)) {
      const mark = this.trail.length;
      const items = patterns.map((p, j) => {
        const slot = j < n ? order[j]! : j;
        return valueItem(p, values[slot], node, slot);
      });
      if (this.matchItems(items, 0, k)) return true;
      this.undo(mark);
    }
    return false;
  }

  private matchItems(items: readonly InputItem[], i: number, k: Continuation): boolean {
    if (i === items.length) return k();
    const item = items[i]!;
    const next = (): boolean => this.matchItems(items, i + 1, k);
    if (item.kind === 'value') return this.matchValue(item.pattern, item.value, item.where, next);
    const mark = this.trail.length;
    this.copies.set(item.repeat, []);
    this.trail.push(() => this.copies.delete(item.repeat));
    const ok = this.matchCopies(item, 0, next);
    if (!ok) this.undo(mark);
    return ok;
  }

  /**
   * Matches copy `c` of a repeat body, then closes the copy (see {@link closeCopy}) and goes on
   * with the next one inside the continuation, so a later copy (or the check) that fails can make
   * an earlier copy try another binding. Past {@link MAX_BACKTRACKED_COPIES} copies the nesting
   * would exhaust the stack; there each copy keeps the first binding that matches.
   */
  private matchCopies(item: Extract<InputItem, { kind: 'repeat' }>, c: number, k: Continuation): boolean {
    if (item.values.length > MAX_BACKTRACKED_COPIES) return this.matchCopiesGreedily(item, k);
    if (c === item.values.length) return k();
    return this.matchValue(item.repeat.body, item.values[c], { node: item.node, index: item.first + c }, () => {
      this.closeCopy(item.repeat);
      return this.matchCopies(item, c + 1, k);
    });
  }

  private matchCopiesGreedily(item: Extract<InputItem, { kind: 'repeat' }>, k: Continuation): boolean {
    const mark = this.trail.length;
    for (let c = 0; c < item.values.length; c++) {
      const ok = this.matchValue(item.repeat.body, item.values[c], { node: item.node, index: item.first + c }, () => {
        this.closeCopy(item.repeat);
        return true;
      });
      if (!ok) {
        this.undo(mark);
        return false;
      }
    }
    if (k()) return true;
    this.undo(mark);
    return false;
  }

  /** Snapshots the per-copy bindings of a finished copy and clears them so the next copy binds afresh. */
  private closeCopy(repeat: RepeatPattern): void {
    const snapshot = new Map<BindingKey, Bound>();
    for (const key of repeat.localKeys) {
      const bound = this.bindings.get(key);
      if (bound) snapshot.set(key, bound);
    }
    for (const [key, bound] of snapshot) {
      this.bindings.delete(key);
      this.trail.push(() => this.bindings.set(key, bound));
    }
    const list = this.copies.get(repeat)!;
    list.push(snapshot);
    this.trail.push(() => list.pop());
  }

  // ---- extra outputs and the final gate ----------------------------------------------------

  /**
   * Pattern outputs after the first: already bound by the backward search, or found forward as a
   * consumer of a value the search bound (e.g. a second branch reading the same input).
   */
  private matchOtherOutputs(r: number, k: Continuation): boolean {
    const outputs = this.pattern.outputs;
    if (r === outputs.length) return k();
    const p = outputs[r]!;
    const next = (): boolean => this.matchOtherOutputs(r + 1, k);
    if (this.bindings.has(bindingKey(p))) return next();
    if (!(p instanceof NodeOutputPattern)) return this.fail(() => `pattern output ${r} (${p.toString()}) is not connected to the matched part`);
    const boundNode = this.bindings.get(bindingKey(p.node))?.node;
    if (boundNode) return this.matchValue(p, boundNode.outputs[p.index], { output: r }, next);
    for (const input of p.node.inputs) {
      if (input instanceof RepeatPattern) continue;
      const known = this.bindings.get(bindingKey(input))?.value;
      if (!known) continue;
      for (const consumer of known.consumers()) {
        if (consumer.opType !== p.node.op) continue;
        const mark = this.trail.length;
        if (this.matchValue(p, consumer.outputs[p.index], { output: r }, next)) return true;
        this.undo(mark);
      }
      return this.fail(() => `no consumer of '${known.name}' matches pattern output ${r} (${p.toString()})`);
    }
    return this.fail(() => `pattern output ${r} (${p.toString()}) is not connected to the matched part`);
  }

  private finish(): boolean {
    const captures = this.buildCaptures();
    if (this.options.check) {
      const verdict = this.options.check(captures);
      if (verdict !== true) return this.fail(() => `check failed${reasonSuffix(verdict)}`, 'check');
    }
    if (this.options.accept) {
      const verdict = this.options.accept(captures);
      if (verdict !== true) return this.fail(() => (typeof verdict === 'string' ? verdict : 'refused by the rewriter'), 'unsafe');
    }
    this.result = captures;
    return true;
  }

  private buildCaptures(): Captures {
    const data = emptyCaptureData();
    const put = (key: BindingKey, bound: Bound): void => {
      if (typeof key !== 'string') return;
      const name = key.slice(2);
      if (key.startsWith('n:')) {
        if (bound.node) data.nodes.set(name, bound.node);
        return;
      }
      data.values.set(name, bound.value);
      if (bound.tensor) data.tensors.set(name, bound.tensor);
      if (bound.choice !== undefined) data.choices.set(name, bound.choice);
    };
    for (const [key, bound] of this.bindings) put(key, bound);
    for (const [repeat, snapshots] of this.copies) {
      if (repeat.captureName !== undefined) data.counts.set(repeat.captureName, snapshots.length);
      for (const key of repeat.localKeys) {
        if (typeof key !== 'string') continue;
        const name = key.slice(2);
        if (key.startsWith('n:')) {
          data.nodeLists.set(name, snapshots.map((s) => s.get(key)?.node).filter((n): n is Node => n !== undefined));
        } else {
          data.valueLists.set(name, snapshots.map((s) => s.get(key)?.value));
          const tensors = snapshots.map((s) => s.get(key)?.tensor).filter((t): t is Tensor => t !== undefined);
          if (tensors.length) data.tensorLists.set(name, tensors);
        }
      }
    }
    const nodes = [...this.finished];
    const outputs = this.pattern.outputs.map((p) => this.bindings.get(bindingKey(p))!.value!);
    return new Captures(data, nodes, outputs, this.anchor);
  }
}

function valueItem(pattern: ValuePattern, value: Value | undefined, node: Node, index: number): InputItem {
  return { kind: 'value', pattern, value, where: { node, index } };
}

/** All orders of 0..n-1, identity first (so the written order is tried before swaps). */
const permutationCache = new Map<number, number[][]>();
function permutations(n: number): number[][] {
  const cached = permutationCache.get(n);
  if (cached) return cached;
  const out: number[][] = [];
  const walk = (prefix: number[], rest: number[]): void => {
    if (!rest.length) { out.push(prefix); return; }
    rest.forEach((x, i) => walk([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  walk([], Array.from({ length: n }, (_, i) => i));
  permutationCache.set(n, out);
  return out;
}
