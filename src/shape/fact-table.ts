import type { Graph, Value } from '../ir/index.js';
import type { ValueFacts } from './facts.js';

/** Facts by value ordinal for the values of one graph (undefined: not seen yet). */
type Slots = (ValueFacts | undefined)[];

/**
 * The facts of one inference run, by value: an array per graph, indexed by each value's ordinal in
 * its graph (`Value._ordinal`, fixed at creation, never reused). A `Map<Value, ValueFacts>` hashed
 * every value of the model on every read and write (about 100,000 on a detection model, each read
 * by several handlers), and its growing hash table was garbage once the run ended.
 *
 * The arrays belong to the table alone, never to the values: facts go with the store that made
 * them, and several stores over one graph never see each other's. Values made after the table
 * (a pass adding nodes between inference and reading) get ordinals past the end: they read as
 * unseen and are stored by growing the array.
 */
export class FactTable {
  private readonly mainGraph: Graph;
  /** The main graph's slots, sized to its values when the table was made (nearly every lookup). */
  private readonly main: Slots;
  /** Slots of subgraphs (If/Loop bodies) and of values of any other graph a caller asks about. */
  private readonly others = new Map<Graph, Slots>();

  constructor(mainGraph: Graph) {
    this.mainGraph = mainGraph;
    this.main = new Array<ValueFacts | undefined>(mainGraph._valuesCreated).fill(undefined);
  }

  /** Facts stored for `v`, or undefined when none were. */
  get(v: Value): ValueFacts | undefined {
    const graph = v._graph;
    const slots = graph === this.mainGraph ? this.main : this.others.get(graph);
    if (slots === undefined) return undefined;
    const ordinal = v._ordinal;
    return ordinal < slots.length ? slots[ordinal] : undefined;
  }

  /** Stores (or replaces) the facts of `v`. */
  set(v: Value, facts: ValueFacts): void {
    const graph = v._graph;
    let slots = graph === this.mainGraph ? this.main : this.others.get(graph);
    if (slots === undefined) {
      slots = new Array<ValueFacts | undefined>(graph._valuesCreated).fill(undefined);
      this.others.set(graph, slots);
    }
    const ordinal = v._ordinal;
    // Grown by pushing, never by writing past the end: an array written far past its end turns
    // into a dictionary, and every later read of it is a hash lookup again.
    while (slots.length < ordinal) slots.push(undefined);
    slots[ordinal] = facts;
  }
}
