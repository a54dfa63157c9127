/**
 * Model-wide name bookkeeping. ONNX values are SSA and share one namespace across nested graphs,
 * so every graph of a model shares one scope; generated names get a numeric suffix until free.
 * @group Editing
 */
export class NameScope {
  private readonly values = new Set<string>();
  private readonly nodes = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** True if a value already has this name. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Takes `name` if free, else the first free `name_<k>`; returns the name taken. */
  claim(name: string): string {
    const unique = this.fresh(name);
    this.values.add(unique);
    return unique;
  }

  /** Records a name read from a model (a shadowing subgraph may record it twice). */
  claimExact(name: string): void {
    this.values.add(name);
  }

  /** A free value name based on `base` (not yet taken). Deterministic: depends only on history. */
  fresh(base: string): string {
    if (!this.values.has(base)) return base;
    let k = this.counters.get(base) ?? 1;
    while (this.values.has(`${base}_${k}`)) k++;
    this.counters.set(base, k + 1);
    return `${base}_${k}`;
  }

  /** Gives a value name back. */
  release(name: string): void {
    this.values.delete(name);
  }

  /** Takes a unique node name based on `name`. */
  claimNode(name: string): string {
    let unique = name;
    let k = 1;
    while (this.nodes.has(unique)) unique = `${name}_${k++}`;
    this.nodes.add(unique);
    return unique;
  }

  /** Records a node name read from a model (duplicates in input models are tolerated). */
  claimNodeExact(name: string): void {
    this.nodes.add(name);
  }
}
