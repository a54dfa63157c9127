/**
 * Readable spellings of symbolic sizes, for tables and pictures. Exporters name input dims
 * `s37` (dynamo) or `unk__x_2` (unnamed), and inference turns a stride-32 backbone's size into
 * `floordiv(s37 + 31, 32)`: exact, but a 4-level spatial-shape column then runs to hundreds of
 * characters. Here those symbols are named after the input dim they come from (`H`, or
 * `pixel_values.H` when several inputs have them), divisions are written `ceil(H/32)`, and each
 * division of one input dim gets a short name (`h32`) that a legend spells out. The canonical
 * form ({@link DimExpr.toString}) stays what JSON reports carry.
 */
import type { Graph } from '../ir/index.js';
import { DimExpr, type DimTermView, type OpaqueDefinition } from './dim-expr.js';

/** Dim names exporters invent: dynamo's `s37`, inference's `unk__x_2`, `x_dim_2`, `dim_0`. */
const MACHINE_NAME = /^(?:s\d+|unk__.*|sym_?\d+|.+_dim_\d+|dim_?\d+|\d+)$/;

/** Role letters of the axes of a rank-r input (image layouts; otherwise `d<axis>`). */
function axisRole(rank: number, axis: number): string {
  if (axis === 0) return 'N';
  const roles: Record<number, string[]> = { 3: ['N', 'L', 'C'], 4: ['N', 'C', 'H', 'W'], 5: ['N', 'C', 'D', 'H', 'W'] };
  return roles[rank]?.[axis] ?? `d${axis}`;
}

/** An input dim symbol renamed after its place. */
interface RenamedSymbol {
  readonly symbol: string;
  readonly name: string;
  readonly input: string;
  readonly axis: number;
}

/**
 * Readable names for the sizes of one graph. Build it once per model and spell every size of a
 * report or picture with it, so the names and the legend agree.
 *
 * @example
 * ```ts
 * const names = DimNames.forGraph(model.graph);       // pixel_values: [s6, 3, s37, s46]
 * const height = inferShapes(model.graph).shape(value)?.[2];
 * if (height) names.format(height);                 // '4*h32' (was 'floordiv(s37 + 31, 32)*4')
 * names.legend();                                   // ['N, H, W: pixel_values dims 0, 2, 3 (s6, s37, s46 in the model)', 'h32 = ceil(H/32)']
 * ```
 */
export class DimNames {
  private readonly renamed: Map<string, RenamedSymbol>;
  private readonly abbreviations = new Map<string, { name: string; spelled: string }>();
  private readonly taken: Set<string>;
  private readonly used = new Set<string>();

  private constructor(renamed: Map<string, RenamedSymbol>, taken: Set<string>) {
    this.renamed = renamed;
    this.taken = taken;
  }

  /** No renaming: symbols print as they are (divisions still as `ceil(h/32)`). */
  static none(): DimNames {
    return new DimNames(new Map(), new Set());
  }

  /**
   * Names the machine-made dim symbols of `graph`'s inputs (`s37` → `H`); names users gave
   * (`batch`, `h0`) are kept. Bare role names when one input has such dims, else `input.H`.
   */
  static forGraph(graph: Graph): DimNames {
    const kept = new Set<string>();
    const found: { symbol: string; input: string; axis: number; rank: number }[] = [];
    for (const input of graph.inputs) {
      if (input.initializer) continue;
      const shape = input.type?.shape;
      shape?.forEach((d, axis) => {
        if (typeof d === 'number') return;
        const symbol = typeof d === 'string' && d !== '' ? d : `unk__${input.name}_${axis}`;
        if (!MACHINE_NAME.test(symbol)) kept.add(symbol);
        else if (!found.some((f) => f.symbol === symbol)) found.push({ symbol, input: input.name, axis, rank: shape.length });
      });
    }
    const inputs = new Set(found.map((f) => f.input));
    const bare = inputs.size === 1 && found.every((f) => !kept.has(axisRole(f.rank, f.axis)));
    const renamed = new Map<string, RenamedSymbol>();
    const taken = new Set(kept);
    for (const f of found) {
      let name = bare ? axisRole(f.rank, f.axis) : `${f.input}.${axisRole(f.rank, f.axis)}`;
      if (taken.has(name)) name = `${f.input}.d${f.axis}`;
      taken.add(name);
      renamed.set(f.symbol, { symbol: f.symbol, name, input: f.input, axis: f.axis });
    }
    return new DimNames(renamed, taken);
  }

  /** The readable text of `expr`. */
  format(expr: DimExpr): string {
    return this.formatTerms(expr.termList(), true);
  }

  /** The readable name of one plain symbol (itself when not renamed). */
  symbol(name: string): string {
    const r = this.renamed.get(name);
    if (!r) return name;
    this.used.add(name);
    return r.name;
  }

  /**
   * What the names used so far stand for: one line per input with renamed dims, then the
   * abbreviations (`h32 = ceil(H/32)`). Empty when nothing was renamed.
   */
  legend(): string[] {
    const lines: string[] = [];
    const byInput = new Map<string, RenamedSymbol[]>();
    for (const r of this.renamed.values()) {
      if (this.used.has(r.symbol)) byInput.set(r.input, [...byInput.get(r.input) ?? [], r]);
    }
    for (const [input, list] of byInput) {
      lines.push(`${list.map((r) => r.name).join(', ')}: ${input} dim${list.length > 1 ? 's' : ''} ${list.map((r) => r.axis).join(', ')} ` +
        `(${list.map((r) => r.symbol).join(', ')} in the model)`);
    }
    const abbreviated = [...this.abbreviations.values()].filter((a) => this.used.has(`#${a.name}`));
    if (abbreviated.length) lines.push(abbreviated.map((a) => `${a.name} = ${a.spelled}`).join(', '));
    return lines;
  }

  private formatTerms(terms: readonly DimTermView[], top: boolean): string {
    if (!terms.length) return '0';
    let out = '';
    terms.forEach((t, i) => {
      const negative = t.coefficient < 0n;
      const magnitude = negative ? -t.coefficient : t.coefficient;
      const factors = t.factors.map((f) => `${this.atom(f.name, f.definition, top)}${f.power > 1 ? `^${f.power}` : ''}`);
      const body = !factors.length ? String(magnitude) : magnitude === 1n ? factors.join('*') : `${magnitude}*${factors.join('*')}`;
      out += i === 0 ? (negative ? `-${body}` : body) : negative ? ` - ${body}` : ` + ${body}`;
    });
    return out;
  }

  /** A symbol: renamed, or an opaque one spelled out (and abbreviated at the top level). */
  private atom(name: string, definition: OpaqueDefinition | undefined, top: boolean): string {
    if (!definition) return this.symbol(name);
    const spelled = this.spell(definition);
    if (!top) return spelled;
    const short = this.abbreviation(name, spelled);
    if (short === undefined) return spelled;
    this.used.add(`#${short}`);
    return short;
  }

  /** `ceil(H/32)`, `floor((H - 1)/2)`, `max(a, b)`, `(a < b)`. */
  private spell(def: OpaqueDefinition): string {
    const [a, b] = def.args as [DimExpr, DimExpr];
    const k = b.constBigInt();
    if (def.op === 'floordiv' && k !== undefined && k > 1n) {
      const c = a.constantTerm();
      if (c === k - 1n) return `ceil(${this.operand(a.sub(DimExpr.const(c)))}/${k})`;
      return `floor(${this.operand(a)}/${k})`;
    }
    const x = this.formatTerms(a.termList(), false);
    const y = this.formatTerms(b.termList(), false);
    switch (def.op) {
      case 'floordiv': return `floor(${this.operand(a)}/${this.operand(b)})`;
      case 'truncdiv': return `trunc(${this.operand(a)}/${this.operand(b)})`;
      case 'less': return `(${x} < ${y})`;
      case 'equal': return `(${x} == ${y})`;
      default: return `${def.op}(${x}, ${y})`;
    }
  }

  private operand(e: DimExpr): string {
    const text = this.formatTerms(e.termList(), false);
    return e.termCount() > 1 ? `(${text})` : text;
  }

  /**
   * A short name for a division of one renamed dim (`ceil(H/32)` → `h32`); other opaque sizes
   * only when long (`e1`, `e2`, ...). Undefined: print it spelled out.
   */
  private abbreviation(key: string, spelled: string): string | undefined {
    const known = this.abbreviations.get(key);
    if (known) return known.name;
    const single = /^(?:ceil|floor)\(([A-Za-z])\/(\d+)\)$/.exec(spelled);
    if (!single && spelled.length <= 16) return undefined;
    let name = single ? `${single[1]!.toLowerCase()}${single[2]}${spelled.startsWith('floor') ? 'f' : ''}` : `e${this.abbreviations.size + 1}`;
    for (let n = 2; this.taken.has(name); n++) name = `${name.replace(/_\d+$/, '')}_${n}`;
    this.taken.add(name);
    this.abbreviations.set(key, { name, spelled });
    return name;
  }
}
