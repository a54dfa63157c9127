import { DType, type DTypeCode, Tensor, type Value, attr, float32ToFloat16 } from '../../ir/index.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { buildLayout } from './build-layout.js';
import type { Emitter } from './emitter.js';
import type { RootedView } from './proof-context.js';

/**
 * Builds a plugin input from each level's own elements when one layout cannot serve all levels:
 * level l's tensor `[N, Lq, M, P_l, ...]` is laid out, cast to the plugin's type, padded along
 * the points axis to `P` with `padValue`, and the levels are stacked on a new axis 3
 * (`[N, Lq, M, L, P, ...]`).
 *
 * Padding is exact: the plugin reads nothing for a location outside the feature map (its
 * bilinear sample is skipped, not multiplied), so a padded point with weight 0 at location -1
 * adds exactly 0 to the sum, whatever the value holds (even inf or NaN).
 */
export function buildPerLevel(
  levels: readonly RootedView[],
  points: readonly number[],
  types: { readonly from: DTypeCode; readonly to: DTypeCode },
  padValue: number,
  emitter: Emitter,
  facts: ShapeFacts,
  name: string,
): Value {
  const P = Math.max(...points);
  const parts = levels.map((level, l) => {
    let v = buildLayout(level, emitter, facts, `${name}_l${l}`);
    if (types.from !== types.to) v = emitter.node('Cast', [v], `${name}_l${l}_cast`, { to: attr.int(types.to) });
    const missing = P - points[l]!;
    const rank = level.target.dims.length;
    if (missing > 0) {
      // Pads: begins of every axis, then ends; only the points axis (3) grows at its end.
      const pads = Array.from({ length: 2 * rank }, (_, i) => (i === rank + 3 ? missing : 0));
      const fill = emitter.constant(scalarOf(types.to, padValue), `${name}_l${l}_pad_value`);
      v = emitter.node('Pad', [v, emitter.constant(Tensor.int64(pads), `${name}_l${l}_pads`), fill], `${name}_l${l}_pad`, { mode: attr.string('constant') });
    }
    return emitter.node('Unsqueeze', [v, emitter.constant(Tensor.int64([3]), `${name}_l${l}_axis`)], `${name}_l${l}_level`);
  });
  return emitter.node('Concat', parts, name, { axis: attr.int(3) });
}

/** A scalar constant of a float type (the pad value). */
function scalarOf(dtype: DTypeCode, value: number): Tensor {
  if (dtype === DType.FLOAT16) return Tensor.fromArray(DType.FLOAT16, [], new Uint16Array([float32ToFloat16(value)]));
  return Tensor.float32([value], []);
}
