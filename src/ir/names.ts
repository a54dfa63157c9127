/**
 * Model-wide name bookkeeping. ONNX values are SSA and share one namespace across nested graphs,
 * so every graph of a model shares one scope; generated names get a numeric suffix until free.
 * @group Editing
 */
export class NameScope {
  private readonly values = new Set<string>();
  /**
   * Node names taken; built on the first {@link claimNode} from the names the model's nodes have
   * then (`nodeNames`), because only a pass that makes nodes needs it and hashing every name of a
   * large model at load costs more than the rest of the bookkeeping.
   */
  private nodes: Set<string> | undefined;
  private readonly counters = new Map<string, number>();
  private readonly nodeNames: () => Iterable<string>;

  /** `nodeNames` lists the names of every node of the model (all graphs), read when first needed. */
  constructor(nodeNames: () => Iterable<string> = () => []) {
    this.nodeNames = nodeNames;
  }

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
    const nodes = (this.nodes ??= new Set(this.nodeNames()));
    let unique = name;
    let k = 1;
    while (nodes.has(unique)) unique = `${name}_${k++}`;
    nodes.add(unique);
    return unique;
  }

  /**
   * Records the name of a node going into the model (duplicates in input models are tolerated).
   * Before the first {@link claimNode} there is nothing to record: the node's name is read with
   * the others then.
   */
  claimNodeExact(name: string): void {
    this.nodes?.add(name);
  }
}
