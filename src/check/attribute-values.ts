/**
 * Allowed values of enumerated attributes. ONNX's schemas type attributes but state their values
 * only in prose, so this table is written by hand from the operator docs (docs/Operators.md and
 * docs/Changelog.md of github.com/onnx/onnx), for the attributes whose value a runtime refuses or
 * misreads: string modes and 0/1 flags. Each entry applies from its `since` version of the
 * operator up to the next entry's.
 */
import { DataType } from '../onnx/dtypes.js';

/** Allowed values of one attribute for a range of operator versions. */
interface AllowedValues {
  /** First operator version (schema `since`) the values apply to. */
  readonly since: number;
  readonly values: readonly (string | number)[];
  /** What to tell a user who wrote one of the keys (a value of another version). */
  readonly hints?: Readonly<Record<string, string>>;
}

const FLAG = [0, 1];
const AUTO_PAD = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
const DIRECTION = ['forward', 'reverse', 'bidirectional'];

/** op -> attribute -> allowed values by version (ai.onnx domain). */
const TABLE: Readonly<Record<string, Readonly<Record<string, readonly AllowedValues[]>>>> = {
  GridSample: {
    mode: [
      { since: 16, values: ['bilinear', 'nearest', 'bicubic'], hints: { linear: "'linear' is GridSample-20's name (opset 20); below opset 20 it is 'bilinear'", cubic: "'cubic' is GridSample-20's name (opset 20); below opset 20 it is 'bicubic'" } },
      { since: 20, values: ['linear', 'nearest', 'cubic'], hints: { bilinear: "from opset 20 'bilinear' is spelled 'linear'", bicubic: "from opset 20 'bicubic' is spelled 'cubic'" } },
    ],
    padding_mode: [{ since: 16, values: ['zeros', 'border', 'reflection'] }],
    align_corners: [{ since: 16, values: FLAG }],
  },
  Resize: {
    mode: [{ since: 10, values: ['nearest', 'linear', 'cubic'] }],
    coordinate_transformation_mode: [
      { since: 11, values: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'] },
      { since: 13, values: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'] },
      { since: 19, values: ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'] },
    ],
    keep_aspect_ratio_policy: [{ since: 18, values: ['stretch', 'not_larger', 'not_smaller'] }],
    nearest_mode: [{ since: 11, values: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] }],
    exclude_outside: [{ since: 11, values: FLAG }],
  },
  Upsample: { mode: [{ since: 7, values: ['nearest', 'linear'] }] },
  Pad: {
    mode: [{ since: 2, values: ['constant', 'reflect', 'edge'] }, { since: 19, values: ['constant', 'reflect', 'edge', 'wrap'] }],
  },
  DepthToSpace: { mode: [{ since: 11, values: ['DCR', 'CRD'] }] },
  Conv: { auto_pad: [{ since: 1, values: AUTO_PAD }] },
  ConvTranspose: { auto_pad: [{ since: 1, values: AUTO_PAD }] },
  ConvInteger: { auto_pad: [{ since: 10, values: AUTO_PAD }] },
  QLinearConv: { auto_pad: [{ since: 10, values: AUTO_PAD }] },
  AveragePool: { auto_pad: [{ since: 1, values: AUTO_PAD }], ceil_mode: [{ since: 10, values: FLAG }], count_include_pad: [{ since: 7, values: FLAG }] },
  MaxPool: { auto_pad: [{ since: 1, values: AUTO_PAD }], ceil_mode: [{ since: 10, values: FLAG }], storage_order: [{ since: 8, values: FLAG }] },
  LpPool: { auto_pad: [{ since: 1, values: AUTO_PAD }] },
  RNN: { direction: [{ since: 1, values: DIRECTION }] },
  GRU: { direction: [{ since: 1, values: DIRECTION }] },
  LSTM: { direction: [{ since: 1, values: DIRECTION }] },
  RoiAlign: { mode: [{ since: 10, values: ['avg', 'max'] }], coordinate_transformation_mode: [{ since: 16, values: ['half_pixel', 'output_half_pixel'] }] },
  ScatterElements: { reduction: [{ since: 16, values: ['none', 'add', 'mul'] }, { since: 18, values: ['none', 'add', 'mul', 'max', 'min'] }] },
  ScatterND: { reduction: [{ since: 16, values: ['none', 'add', 'mul'] }, { since: 18, values: ['none', 'add', 'mul', 'max', 'min'] }] },
  Gelu: { approximate: [{ since: 20, values: ['none', 'tanh'] }] },
  CumSum: { exclusive: [{ since: 11, values: FLAG }], reverse: [{ since: 11, values: FLAG }] },
  Gemm: { transA: [{ since: 1, values: FLAG }], transB: [{ since: 1, values: FLAG }] },
};

/** Attributes whose value is an element type code (TensorProto.DataType). */
const DTYPE_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  Cast: ['to'], EyeLike: ['dtype'], RandomNormal: ['dtype'], RandomUniform: ['dtype'], RandomNormalLike: ['dtype'],
  RandomUniformLike: ['dtype'], Multinomial: ['dtype'], Bernoulli: ['dtype'],
};

const KNOWN_DTYPES = new Set<number>(Object.values(DataType).filter((c) => c !== DataType.UNDEFINED));

/**
 * Why `value` is not an allowed value of attribute `name` of `op` version `since` (ai.onnx), or
 * undefined when it is allowed or the table says nothing about it.
 *
 * @example
 * ```ts
 * attributeValueProblem('GridSample', 16, 'mode', 'linear'); // { expected: "one of 'bilinear', ...", hint: ... }
 * ```
 */
export function attributeValueProblem(op: string, since: number, name: string, value: string | number): { expected: string; hint?: string } | undefined {
  if (DTYPE_ATTRIBUTES[op]?.includes(name)) {
    return typeof value === 'number' && KNOWN_DTYPES.has(value) ? undefined : { expected: 'an element type code (TensorProto.DataType)' };
  }
  const ranges = TABLE[op]?.[name];
  if (!ranges) return undefined;
  const range = [...ranges].reverse().find((r) => r.since <= since);
  // A value of the wrong kind (a string for a flag) is the attribute-type rule's to report.
  if (!range || range.values.includes(value) || typeof range.values[0] !== typeof value) return undefined;
  const expected = `one of ${range.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`;
  const hint = typeof value === 'string' ? range.hints?.[value] : undefined;
  return hint ? { expected, hint } : { expected };
}
