/**
 * A node's attributes by name: a `Map<string, Attribute>` to every reader and writer, held in a
 * fraction of a Map's memory (see {@link AttributeMap}).
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Attribute } from './attribute.js';

/** Where `util.inspect` (console.log) looks for an object's own way of being shown. */
const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A node's attributes by name, in model order (`Node.attributes`): it behaves as the
 * `Map<string, Attribute>` it is typed as, but holds nothing for a node without attributes, the
 * attribute itself for a node with one and an exact-size array for more, found by a linear
 * search (a node has a handful). A Map with its hash table costs 184 bytes (Node 20), on every
 * node of models where most nodes have no attribute or one (Constant, Reshape, Transpose); this
 * costs 40.
 *
 * As a Map: insertion order; `set` of a present name keeps its place; iterators and `forEach`
 * see what is set, deleted or cleared while they run (a deleted entry leaves a hole until no
 * iteration is open, so places never move under an iterator). Unlike a Map:
 * - it is a Map-compatible view, not `instanceof Map` (`Object.prototype.toString` still names
 *   it `[object Map]`, and `console.log` shows it as a Map);
 * - the key is the attribute's own `name` (the codec writes `attribute.name`, so any other key
 *   would read under one name and save under another): `set` with another key throws;
 * - an iterator left early (`break` calls its `return()`) is finished, as a generator is; one
 *   stepped by hand and dropped before its end keeps deleted entries' holes (memory, not results).
 *
 * @example
 * ```ts
 * const attributes = new AttributeMap();
 * attributes.set('perm', { name: 'perm', value: attr.ints([0, 2, 1]) });
 * attributes.get('perm')?.value; // { kind: 'ints', value: [0, 2, 1] }
 * [...attributes.keys()];        // ['perm']
 * ```
 * @internal Nodes make theirs; the public type is `Map<string, Attribute>`.
 */
export class AttributeMap implements Map<string, Attribute> {
  /**
   * None, the one attribute, or two or more in order. An `undefined` slot is a deleted entry
   * kept while iterations are open; with none open the slots are compact (no holes, and an
   * array only for two or more).
   */
  #entries: Attribute | (Attribute | undefined)[] | undefined = undefined;
  /** Iterators started and not finished: while any is, slots keep their places. */
  #openIterations = 0;

  get size(): number {
    const entries = this.#entries;
    if (entries === undefined) return 0;
    if (!Array.isArray(entries)) return 1;
    if (this.#openIterations === 0) return entries.length;
    let count = 0;
    for (const attribute of entries) if (attribute !== undefined) count++;
    return count;
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  get(name: string): Attribute | undefined {
    const slot = this.slotOf(name);
    return slot < 0 ? undefined : this._slot(slot);
  }

  has(name: string): boolean {
    return this.slotOf(name) >= 0;
  }

  /** Sets `attribute` under its own name (a present name keeps its place); another key throws. */
  set(name: string, attribute: Attribute): this {
    if (attribute.name !== name) {
      throw new OnnxSurgeonError('usage', `attribute '${attribute.name}' cannot be stored under another name: a node's attributes are keyed by their own names`, { expected: name, found: attribute.name });
    }
    const entries = this.#entries;
    if (entries === undefined) this.#entries = attribute;
    else if (!Array.isArray(entries)) this.#entries = entries.name === name ? attribute : [entries, attribute];
    else {
      const slot = this.slotOf(name);
      if (slot >= 0) entries[slot] = attribute;
      // A copy of the exact size: push would leave room for 16 more on every such node.
      else this.#entries = entries.concat(attribute);
    }
    return this;
  }

  delete(name: string): boolean {
    const slot = this.slotOf(name);
    if (slot < 0) return false;
    const entries = this.#entries;
    if (this.#openIterations > 0) {
      if (Array.isArray(entries)) entries[slot] = undefined;
      else this.#entries = [undefined];
    } else if (Array.isArray(entries)) {
      entries.splice(slot, 1);
      this.#entries = compact(entries);
    } else {
      this.#entries = undefined;
    }
    return true;
  }

  clear(): void {
    const entries = this.#entries;
    if (this.#openIterations === 0) this.#entries = undefined;
    else if (Array.isArray(entries)) entries.fill(undefined);
    else if (entries !== undefined) this.#entries = [undefined];
  }

  forEach(callback: (attribute: Attribute, name: string, map: Map<string, Attribute>) => void, thisArg?: unknown): void {
    for (const attribute of this.values()) callback.call(thisArg, attribute, attribute.name, this);
  }

  keys(): MapIterator<string> {
    return new AttributeMapIterator(this, nameOf);
  }

  values(): MapIterator<Attribute> {
    return new AttributeMapIterator(this, itself);
  }

  entries(): MapIterator<[string, Attribute]> {
    return new AttributeMapIterator(this, entryOf);
  }

  [Symbol.iterator](): MapIterator<[string, Attribute]> {
    return this.entries();
  }

  /** Shown as the Map it stands for. */
  [inspectCustom](): Map<string, Attribute> {
    return new Map(this);
  }

  /** @internal Slots an iterator walks: entries and holes. */
  _slotCount(): number {
    const entries = this.#entries;
    return entries === undefined ? 0 : Array.isArray(entries) ? entries.length : 1;
  }

  /** @internal The attribute in `slot`; undefined for a hole. */
  _slot(slot: number): Attribute | undefined {
    const entries = this.#entries;
    return Array.isArray(entries) ? entries[slot] : slot === 0 ? entries : undefined;
  }

  /** @internal An iterator took its first step: slots keep their places until it finishes. */
  _openIteration(): void {
    this.#openIterations++;
  }

  /** @internal An iterator finished; the last one to finish closes the holes. */
  _closeIteration(): void {
    if (--this.#openIterations > 0) return;
    const entries = this.#entries;
    if (Array.isArray(entries) && entries.includes(undefined)) this.#entries = compact(entries.filter((a) => a !== undefined));
  }

  /** The slot holding `name`, or -1. (Not `#private`: a private method costs every instance a brand field.) */
  private slotOf(name: string): number {
    const entries = this.#entries;
    if (entries === undefined) return -1;
    if (!Array.isArray(entries)) return entries.name === name ? 0 : -1;
    for (let slot = 0; slot < entries.length; slot++) if (entries[slot]?.name === name) return slot;
    return -1;
  }
}

/** Entries without holes as held: none, the one, or the array of two or more. */
function compact(entries: (Attribute | undefined)[]): Attribute | (Attribute | undefined)[] | undefined {
  return entries.length === 0 ? undefined : entries.length === 1 ? entries[0] : entries;
}

const nameOf = (attribute: Attribute): string => attribute.name;
const itself = (attribute: Attribute): Attribute => attribute;
const entryOf = (attribute: Attribute): [string, Attribute] => [attribute.name, attribute];

/**
 * What every built-in iterator inherits: `[Symbol.iterator]` returning itself and, where the
 * runtime has them, the iterator helpers (`map`, `filter`, `toArray`) and `[Symbol.dispose]`.
 */
const iteratorPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

/** The members a Map iterator inherits, which this one inherits the same way (iteratorPrototype). */
interface AttributeMapIterator<T> extends MapIterator<T> {}

/**
 * A live walk over an {@link AttributeMap}'s slots, as a Map iterator walks its table: it sees
 * entries set after it started and skips those deleted before it reaches them.
 */
class AttributeMapIterator<T> {
  /** Undefined once finished: a finished iterator stays finished, as a Map iterator does. */
  #map: AttributeMap | undefined;
  #slot = 0;
  #started = false;
  readonly #project: (attribute: Attribute) => T;

  constructor(map: AttributeMap, project: (attribute: Attribute) => T) {
    this.#map = map;
    this.#project = project;
  }

  get [Symbol.toStringTag](): string {
    return 'Map Iterator';
  }

  next(): IteratorResult<T, undefined> {
    const map = this.#map;
    if (map === undefined) return { value: undefined, done: true };
    for (let slot = this.#slot, count = map._slotCount(); slot < count; slot++) {
      const attribute = map._slot(slot);
      if (attribute === undefined) continue;
      if (!this.#started) {
        this.#started = true;
        map._openIteration();
      }
      this.#slot = slot + 1;
      return { value: this.#project(attribute), done: false };
    }
    return this.return();
  }

  /** Finishes the walk (`break` out of `for...of` calls it), so the map may close its holes. */
  return(): IteratorResult<T, undefined> {
    const map = this.#map;
    this.#map = undefined;
    if (map !== undefined && this.#started) map._closeIteration();
    return { value: undefined, done: true };
  }
}
Object.setPrototypeOf(AttributeMapIterator.prototype, iteratorPrototype);
