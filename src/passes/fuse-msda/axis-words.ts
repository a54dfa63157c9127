/**
 * The words for the axis labels the proofs track, so that a reason names what a user sees in
 * the model ("axis 3 of the sampling locations", "heads") and never a label the proof made up
 * (`loc:3`, `m`).
 */

/** The semantic axes of the plugin's inputs (see prove-samples.ts, prove-locations.ts). */
const SEMANTIC_AXES: Readonly<Record<string, string>> = {
  n: 'batch', m: 'heads', d: 'channels', q: 'queries', l: 'levels', p: 'points', c: 'x/y coordinates', lp: 'levels and points',
};

/** The tags of root tensors' axes (`rootAxes('loc', ...)` labels `loc:0`, `loc:1`, ...). */
const ROOT_TENSORS: Readonly<Record<string, string>> = {
  loc: 'the sampling locations', w: 'the attention weights', v: 'the value',
};

/** `loc:3` → `axis 3 of the sampling locations`, `m` → `heads`; an unknown label as it is. */
export function axisWords(label: string): string {
  const root = /^(\w+):(\d+)$/.exec(label);
  const tensor = root ? ROOT_TENSORS[root[1]!] : undefined;
  if (root && tensor) return `axis ${root[2]} of ${tensor}`;
  return SEMANTIC_AXES[label] ?? label;
}

/** Several semantic axes merged in one dimension: `batch and heads`, `batch, heads and queries`. */
export function axesWords(labels: readonly string[]): string {
  const words = labels.map(axisWords);
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
