import { DType, type DTypeCode } from '../../ir/index.js';
import { typeName } from './value-types.js';
import { doubleRoundingIsInnocuous, holdsEveryValue, isFloatType } from '../../ir/exact-casts.js';
import type { Step } from './paths.js';

/**
 * What the elements of a tensor on the sampling-grid path hold, in terms of the sampling
 * locations `loc` the plugin will read. The plugin's grid is `2*loc - 1`; exporters write it as
 * `Mul(loc, 2)` then `Sub(., 1)` (or `Add(loc, loc)`, `Add(., -1)`), in the locations' type or a
 * wider one. Each step is checked to give, bit for bit and for every value `loc` can hold, what
 * that canonical form gives; "the constants fold to 2 and -1 in real numbers" is not enough
 * (`x + 1e8 - 1e8` is not `x` in float32).
 *
 * - `loc`: exactly the locations (`valueSet` is the type whose values they are).
 * - `twice`: exactly `fl(2*loc)` in `dtype` (2*loc, or ±inf where that overflows `dtype`).
 * - `grid`: exactly `fl_C(2*loc - 1)` for the type `C = computedIn`, held in `dtype`.
 */
export type GridStage = 'loc' | 'twice' | 'grid';

export interface GridState {
  readonly stage: GridStage;
  /** The element type the tensor has here. */
  readonly dtype: DTypeCode;
  /** The narrowest type holding every value the tensor can have here. */
  readonly valueSet: DTypeCode;
  /** For `grid`: the type `2*loc - 1` was rounded in. */
  readonly computedIn?: DTypeCode;
  /** The type of the locations themselves (what the plugin reads). */
  readonly locType: DTypeCode;
}

/** The state at the locations tensor itself. */
export function locationsState(dtype: DTypeCode): GridState {
  return { stage: 'loc', dtype, valueSet: dtype, locType: dtype };
}

/**
 * The state after `step`, given the type of the step's data input, or the reason the step is not
 * exact (a string, in the user's words).
 */
export function gridStep(state: GridState, step: Step, options: GridOptions = {}): GridState | string {
  const label = `'${step.node.label}'`;
  switch (step.kind) {
    case 'layout':
      return state;
    case 'cast':
      return castStep(state, step.to, label, options);
    case 'double':
      if (state.stage !== 'loc') return `${label} doubles a tensor that is not the sampling locations themselves`;
      return { ...state, stage: 'twice', valueSet: state.dtype };
    case 'scalar':
      return scalarStep(state, step, label);
  }
}

/** Options of {@link gridOf}. */
export interface GridOptions {
  /**
   * Accept a grid computed in float64 from float64 locations and rounded once to a narrower
   * float (see prove-locations.ts: the TorchScript float64 locations the plugin reads rounded).
   */
  readonly roundFloat64Grid?: boolean;
}

function castStep(state: GridState, to: DTypeCode, label: string, options: GridOptions): GridState | string {
  if (!isFloatType(to)) return `${label} casts the sampling grid to ${typeName(to)}, which rounds it`;
  if (holdsEveryValue(to, state.valueSet)) {
    // A cast back to a narrower type is exact when every value still fits (nothing was rounded in between).
    if (state.stage === 'twice' && to !== state.dtype) return `${label} casts 2*loc before the -1: it may overflow in one type and not the other`;
    return { ...state, dtype: to };
  }
  // Rounding the wide result of the one rounding step (the -1) is the same as doing that step in
  // the narrow type, when double rounding is innocuous and the locations fit the narrow type.
  if (state.stage === 'grid' && doubleRoundingIsInnocuous(state.computedIn!, to) && holdsEveryValue(to, state.locType)) {
    return { ...state, dtype: to, valueSet: to, computedIn: to };
  }
  if (options.roundFloat64Grid && state.stage === 'grid' && state.locType === DType.DOUBLE && state.computedIn === DType.DOUBLE && isFloatType(to)) {
    return { ...state, dtype: to, valueSet: to, computedIn: to };
  }
  return `${label} casts ${state.stage === 'loc' ? 'the sampling locations' : 'the sampling grid'} from ${typeName(state.dtype)} to ${typeName(to)}, which rounds ${state.stage === 'loc' ? 'them' : 'it'}`;
}

function scalarStep(state: GridState, step: Extract<Step, { kind: 'scalar' }>, label: string): GridState | string {
  const { op, constant: c, dataFirst } = step;
  // x*1, x/1 and x-0 are x bit for bit; x+0 is x except that -0 becomes +0, which samples the same.
  if (dataFirst && (((op === 'Mul' || op === 'Div') && c === 1) || ((op === 'Add' || op === 'Sub') && c === 0))) return state;
  if (!dataFirst && ((op === 'Mul' && c === 1) || (op === 'Add' && c === 0))) return state;
  // x*2 and x/0.5 round to the same value (2x, or the same infinity).
  const doubles = (op === 'Mul' && c === 2) || (op === 'Div' && dataFirst && c === 0.5);
  if (doubles) {
    if (state.stage !== 'loc') return `${label} multiplies by 2 a tensor that is already ${state.stage === 'twice' ? '2*loc' : 'the grid'}; the plugin's grid is 2*loc-1`;
    return { ...state, stage: 'twice', valueSet: state.dtype };
  }
  // t - 1 and t + (-1) are the same IEEE operation.
  const minusOne = (op === 'Sub' && dataFirst && c === 1) || (op === 'Add' && c === -1);
  if (minusOne) {
    if (state.stage !== 'twice') return `${label} subtracts 1 from ${state.stage === 'loc' ? 'the sampling locations before doubling them' : 'the grid a second time'}; the plugin's grid is 2*loc-1`;
    return { ...state, stage: 'grid', valueSet: state.dtype, computedIn: state.dtype };
  }
  const expression = dataFirst ? `x ${symbol(op)} ${c}` : `${c} ${symbol(op)} x`;
  return `${label} computes ${expression} on the sampling ${state.stage === 'loc' ? 'locations' : 'grid'}; the plugin's grid is exactly 2*loc-1`;
}

function symbol(op: string): string {
  return op === 'Mul' ? '*' : op === 'Div' ? '/' : op === 'Add' ? '+' : '-';
}

/** Runs the steps from the locations to one level's grid; the final state, or the first reason. */
export function gridOf(locationsType: DTypeCode, steps: readonly Step[], options: GridOptions = {}): GridState | string {
  let state = locationsState(locationsType);
  for (const step of steps) {
    const next = gridStep(state, step, options);
    if (typeof next === 'string') return next;
    state = next;
  }
  return state;
}
