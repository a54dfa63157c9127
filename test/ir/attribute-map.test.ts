/**
 * AttributeMap against a real Map: the same random operations (set new and present names,
 * delete, clear, get/has/size, keys/values/entries/for...of, forEach with thisArg, iterators
 * stepped while the map changes under them) must give the same observable results, and what
 * it does differently (keys are names, not instanceof Map) is exactly what it says.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { type Attribute, Graph, attr } from '../../src/ir/index.js';
import { AttributeMap } from '../../src/ir/attribute-map.js';
import { seededRandom as random } from '../../src/random.js';

const NAMES = ['axis', 'perm', 'value', 'mode', 'alpha', 'to', 'keepdims', 'group'];
type Kind = 'keys' | 'values' | 'entries' | 'iterator';

/** The same attribute objects go into both maps, so results compare by identity. */
class Twin {
  readonly ours = new AttributeMap();
  readonly real = new Map<string, Attribute>();
  private made = 0;
  /** Open iterator pairs: ours and the real one, created and stepped together. */
  readonly iterators: { ours: Iterator<unknown>; real: Iterator<unknown> }[] = [];

  constructor(private readonly rand: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }

  /** A name present in the map when there is one (half the time), else any name. */
  name(): string {
    const present = [...this.real.keys()];
    return present.length && this.rand() < 0.5 ? this.pick(present) : this.pick(NAMES);
  }

  set(name: string): void {
    const attribute: Attribute = { name, value: attr.int(this.made++) };
    expect(this.ours.set(name, attribute)).toBe(this.ours);
    this.real.set(name, attribute);
  }

  /** One random operation on both maps, and every read compared. */
  step(): void {
    const r = this.rand();
    if (r < 0.3) this.set(this.name());
    else if (r < 0.45) {
      const name = this.name();
      expect(this.ours.delete(name)).toBe(this.real.delete(name));
    } else if (r < 0.47) {
      this.ours.clear();
      this.real.clear();
    } else if (r < 0.57) this.openIterator();
    else if (r < 0.75) this.stepIterator();
    else if (r < 0.78) this.leaveIterator();
    else if (r < 0.85) this.forEachChanging();
    else {
      const name = this.pick(NAMES);
      expect(this.ours.get(name)).toBe(this.real.get(name));
      expect(this.ours.has(name)).toBe(this.real.has(name));
    }
    this.compare();
  }

  /** Everything a reader sees when the maps are not iterated. */
  compare(): void {
    expect(this.ours.size).toBe(this.real.size);
    expect([...this.ours]).toEqual([...this.real]);
    expect([...this.ours.keys()]).toEqual([...this.real.keys()]);
    const oursValues = [...this.ours.values()];
    const realValues = [...this.real.values()];
    expect(oursValues.length).toBe(realValues.length);
    oursValues.forEach((v, i) => expect(v).toBe(realValues[i]));
    for (const name of NAMES) expect(this.ours.get(name)).toBe(this.real.get(name));
    const thisArg = { tag: 'thisArg' };
    const seen = (map: Map<string, Attribute>) => {
      const out: unknown[] = [];
      map.forEach(function (this: unknown, value, key, self) {
        out.push([this, value, key, self === map]);
      }, thisArg);
      return out;
    };
    expect(seen(this.ours)).toEqual(seen(this.real));
  }

  openIterator(): void {
    const kind = this.pick<Kind>(['keys', 'values', 'entries', 'iterator']);
    const make = (m: Map<string, Attribute>): Iterator<unknown> => (kind === 'iterator' ? m[Symbol.iterator]() : m[kind]());
    this.iterators.push({ ours: make(this.ours), real: make(this.real) });
  }

  stepIterator(): void {
    if (!this.iterators.length) return;
    const pair = this.pick(this.iterators);
    const ours = pair.ours.next();
    const real = pair.real.next();
    expect(ours.done).toBe(real.done);
    expect(ours.value).toEqual(real.value);
    if (real.value && typeof real.value === 'object' && !Array.isArray(real.value)) expect(ours.value).toBe(real.value);
  }

  /** A loop left with break: ours is returned (finished), the real one just dropped. */
  leaveIterator(): void {
    if (!this.iterators.length) return;
    const i = Math.floor(this.rand() * this.iterators.length);
    const [pair] = this.iterators.splice(i, 1);
    pair!.ours.return?.();
  }

  /** forEach whose callback sets, deletes or clears: both must visit the same entries. */
  forEachChanging(): void {
    const plan = Array.from({ length: 6 }, () => ({ op: this.rand(), name: this.name() }));
    const visit = (map: Map<string, Attribute>, set: (name: string) => void): string[] => {
      const visited: string[] = [];
      map.forEach((value, key) => {
        visited.push(`${key}=${String(value.value.value)}`);
        const step = plan[visited.length - 1];
        if (!step) return;
        if (step.op < 0.4) set(step.name);
        else if (step.op < 0.9) map.delete(step.name);
        else map.clear();
      });
      return visited;
    };
    // Both maps get the same attribute objects: set them in pairs, ours first, then the real one.
    const made: Attribute[] = [];
    let next = 0;
    const oursVisited = visit(this.ours, (name) => {
      const attribute: Attribute = { name, value: attr.int(this.made++) };
      made.push(attribute);
      this.ours.set(name, attribute);
    });
    const realVisited = visit(this.real, () => {
      const attribute = made[next++]!;
      this.real.set(attribute.name, attribute);
    });
    expect(oursVisited).toEqual(realVisited);
    expect(next).toBe(made.length);
  }
}

describe('AttributeMap behaves as a Map', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random operations, seed ${seed}: the same results as a Map`, () => {
      const twin = new Twin(random(seed));
      for (let i = 0; i < 1500; i++) twin.step();
      // Every iterator left open finishes the same way.
      for (const pair of twin.iterators) {
        for (;;) {
          const ours = pair.ours.next();
          const real = pair.real.next();
          expect(ours).toEqual(real);
          if (real.done) break;
        }
      }
      twin.compare();
    });
  }

  it('setting a present name keeps its place and takes the new attribute', () => {
    const map = new AttributeMap();
    const axis2 = { name: 'axis', value: attr.int(2) };
    map.set('axis', { name: 'axis', value: attr.int(1) }).set('perm', { name: 'perm', value: attr.ints([1, 0]) }).set('mode', { name: 'mode', value: attr.string('x') });
    map.set('axis', axis2);
    expect([...map.keys()]).toEqual(['axis', 'perm', 'mode']);
    expect(map.get('axis')).toBe(axis2);
    expect(map.size).toBe(3);
    // Deleted and set again, a name goes to the end, as in a Map.
    map.delete('perm');
    map.set('perm', { name: 'perm', value: attr.ints([0, 1]) });
    expect([...map.keys()]).toEqual(['axis', 'mode', 'perm']);
  });

  it('deleting every entry while iterating its keys visits each once, as a Map does', () => {
    const names = ['a', 'b', 'c', 'd'];
    const map = new AttributeMap();
    for (const name of names) map.set(name, { name, value: attr.int(0) });
    const visited: string[] = [];
    for (const name of map.keys()) {
      visited.push(name);
      map.delete(name);
      if (name === 'b') map.set('e', { name: 'e', value: attr.int(1) });
    }
    expect(visited).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(map.size).toBe(0);
    expect(map._slotCount()).toBe(0); // the holes closed when the walk finished
  });

  it('a loop left early finishes its iterator, so the holes it kept close', () => {
    const map = new AttributeMap();
    for (const name of ['a', 'b', 'c']) map.set(name, { name, value: attr.int(0) });
    for (const name of map.keys()) {
      map.delete('b');
      if (name === 'a') break;
    }
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map._slotCount()).toBe(2);
    const iterator = map.values();
    expect(iterator.next().done).toBe(false);
    expect(iterator.return?.()).toEqual({ value: undefined, done: true });
    expect(iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('a finished iterator stays finished when entries are added, as a Map iterator does', () => {
    const map = new AttributeMap();
    const real = new Map<string, Attribute>();
    const ours = map.keys();
    const theirs = real.keys();
    expect(ours.next()).toEqual(theirs.next());
    const axis = { name: 'axis', value: attr.int(0) };
    map.set('axis', axis);
    real.set('axis', axis);
    expect(ours.next()).toEqual(theirs.next());
  });

  it('is shown, tagged and iterated as a Map, but is not instanceof Map', () => {
    const map = new AttributeMap();
    const real = new Map<string, Attribute>();
    for (const m of [map, real]) m.set('perm', { name: 'perm', value: attr.ints([1, 0]) });
    expect(Object.prototype.toString.call(map)).toBe('[object Map]');
    expect(inspect(map)).toBe(inspect(real));
    expect(JSON.stringify(map)).toBe(JSON.stringify(real));
    expect(Object.keys(map)).toEqual([]);
    expect(map instanceof Map).toBe(false);
    const iterator = map.entries();
    expect(Object.prototype.toString.call(iterator)).toBe('[object Map Iterator]');
    expect(iterator[Symbol.iterator]()).toBe(iterator);
    expect(Array.from(map)).toEqual(Array.from(real));
    expect(new Map(map)).toEqual(real);
  });

  it('a key other than the attribute name throws a usage error', () => {
    const map = new AttributeMap();
    const set = () => map.set('axis', { name: 'perm', value: attr.ints([0]) });
    expect(set).toThrow(OnnxSurgeonError);
    expect(set).toThrow(/attribute 'perm' cannot be stored under another name/);
    expect(map.size).toBe(0);
  });

  it("is every node's attributes, and Node's readers see it", () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 1, shape: [2, 3] });
    const node = g.addNode({ op: 'Transpose', inputs: [x], attributes: { perm: attr.ints([1, 0]) } });
    expect(node.attributes).toBeInstanceOf(AttributeMap);
    expect(node.attrInts('perm')).toEqual([1, 0]);
    node.setAttr('perm', attr.ints([0, 1]));
    expect(node.attrInts('perm')).toEqual([0, 1]);
    expect(node.attributes.size).toBe(1);
  });
});
