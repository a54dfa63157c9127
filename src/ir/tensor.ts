import { OnnxSurgeonError } from '../errors.js';
import { type StorageArrayConstructor, dataTypeInfo } from '../onnx/dtypes.js';
import { bfloat16ToFloat32, float16ToFloat32 } from './float16.js';
import { readsAsNumbers, tensorNumbers } from './tensor-numbers.js';
import { DType, type DTypeCode, dtypeByteLength, dtypeName, elementCount } from './types.js';

/**
 * The typed array the IR hands out for each element type (float16/bfloat16 as raw bits).
 *
 * @group Types and data
 */
export type TensorArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/**
 * Where a tensor's bytes live. `lazy` covers external data files and protobuf typed fields: the
 * bytes are produced only when someone asks (STYLE.md: tensors are lazy, weights are views).
 * @group Types and data
 */
export type TensorStorage =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'strings'; values: Uint8Array[] }
  | { kind: 'lazy'; byteLength: number; describe: string; load: () => Uint8Array };

/**
 * Options for {@link Tensor} construction.
 *
 * @group Types and data
 */
export interface TensorInit {
  name?: string;
  dtype: DTypeCode;
  dims: readonly number[];
  storage: TensorStorage;
  docString?: string;
}

const NO_DIMS: readonly number[] = Object.freeze([]);

/**
 * A constant tensor: element type, static dims, and lazily available little-endian bytes.
 *
 * @example
 * ```ts
 * const t = Tensor.fromArray(DType.INT32, [2], new Int32Array([32, 32]));
 * t.toNumbers(); // [32, 32]
 * ```
 * @group IR
 */
export class Tensor {
  /** Name (for initializers, the value name; for attribute tensors usually empty). */
  name: string;
  /** Element type code. */
  readonly dtype: DTypeCode;
  /** Static dimensions. */
  readonly dims: readonly number[];
  /** Optional documentation string carried from the model. */
  docString?: string;
  /**
   * Codec bookkeeping: the message this tensor was decoded from (for a tensor of a loaded node's
   * attribute, where that message lies in the file's bytes), re-emitted unchanged (fields a newer
   * ONNX added included) as long as the tensor is not replaced. The IR never looks inside.
   */
  serdeOrigin?: unknown;
  private storage: TensorStorage;

  constructor(init: TensorInit) {
    this.name = init.name ?? '';
    this.dtype = init.dtype;
    // Scalars (most constants of an exported model) share one frozen empty list.
    this.dims = init.dims.length === 0 ? NO_DIMS : Object.freeze([...init.dims]);
    this.storage = init.storage;
    if (init.docString !== undefined) this.docString = init.docString;
  }

  /**
   * Wraps a typed array (no copy). `dims` defaults to a 1-D shape of the array's length.
   *
   * @example
   * ```ts
   * const halfs = Tensor.fromArray(DType.FLOAT16, [2], new Uint16Array([0x3c00, 0xc000]));
   * halfs.toNumbers(); // [1, -2]
   * ```
   */
  static fromArray(dtype: DTypeCode, dims: readonly number[] | undefined, data: TensorArray, name = ''): Tensor {
    const shape = dims ?? [data.length];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const expected = dtypeByteLength(dtype, elementCount(shape));
    if (bytes.byteLength !== expected) {
      throw new OnnxSurgeonError('shape', `tensor data does not match its dims`, {
        tensor: name, expected: `${expected} bytes for ${dtypeName(dtype)}[${shape.join(',')}]`, found: `${bytes.byteLength} bytes`,
      });
    }
    return new Tensor({ name, dtype, dims: shape, storage: { kind: 'bytes', bytes } });
  }

  /** A scalar or 1-D int64 tensor from plain numbers (the usual shape-tensor constant). */
  static int64(values: readonly (number | bigint)[], dims?: readonly number[], name = ''): Tensor {
    return Tensor.fromArray(DType.INT64, dims ?? [values.length], BigInt64Array.from(values, (v) => BigInt(v)), name);
  }

  /** A 1-D (or given-dims) int32 tensor from plain numbers. */
  static int32(values: readonly number[], dims?: readonly number[], name = ''): Tensor {
    return Tensor.fromArray(DType.INT32, dims ?? [values.length], Int32Array.from(values), name);
  }

  /**
   * A float32 tensor from plain numbers.
   *
   * @example
   * ```ts
   * const bias = Tensor.float32([0.5, -0.5], [2], 'bias');
   * bias.dims;        // [2]
   * bias.toNumbers(); // [0.5, -0.5]
   * ```
   */
  static float32(values: readonly number[], dims?: readonly number[], name = ''): Tensor {
    return Tensor.fromArray(DType.FLOAT, dims ?? [values.length], Float32Array.from(values), name);
  }

  /** Number of elements. */
  get size(): number {
    return elementCount(this.dims);
  }

  /** Size of the data in bytes, known without loading it. */
  get byteLength(): number {
    switch (this.storage.kind) {
      case 'bytes': return this.storage.bytes.byteLength;
      case 'lazy': return this.storage.byteLength;
      case 'strings': return this.storage.values.reduce((n, s) => n + s.byteLength, 0);
    }
  }

  /** True until the bytes of a lazily stored tensor have been read. */
  get isLazy(): boolean {
    return this.storage.kind === 'lazy';
  }

  /** Where the bytes come from, for messages (`external file x.data @ 1024`, `inline`, ...). */
  get storageDescription(): string {
    return this.storage.kind === 'lazy' ? this.storage.describe : 'inline';
  }

  /** Little-endian raw bytes (loads lazy storage; string tensors have no raw form). */
  bytes(): Uint8Array {
    const s = this.storage;
    if (s.kind === 'bytes') return s.bytes;
    if (s.kind === 'strings') {
      throw new OnnxSurgeonError('shape', 'string tensors have no raw byte form', { tensor: this.name });
    }
    const loaded = s.load();
    if (loaded.byteLength !== s.byteLength) {
      throw new OnnxSurgeonError('external-data', `tensor data is ${loaded.byteLength} bytes`, {
        tensor: this.name, expected: `${s.byteLength} bytes (${dtypeName(this.dtype)}[${this.dims.join(',')}])`, found: `${loaded.byteLength}`,
      });
    }
    return loaded;
  }

  /** String elements (only for string tensors). */
  strings(): Uint8Array[] {
    if (this.storage.kind !== 'strings') {
      throw new OnnxSurgeonError('shape', 'not a string tensor', { tensor: this.name, found: dtypeName(this.dtype) });
    }
    return this.storage.values;
  }

  /**
   * Elements as the natural typed array of the dtype (float16/bfloat16 as raw `Uint16Array`
   * bits; 8-bit floats and 4-bit types as raw bytes). Shares memory with the storage when the
   * bytes are suitably aligned, copies otherwise.
   */
  data(): TensorArray {
    const bytes = this.bytes();
    const Ctor = typedArrayFor(this.dtype);
    if (!Ctor) return bytes;
    const width = Ctor.BYTES_PER_ELEMENT;
    const count = Math.floor(bytes.byteLength / width);
    if (bytes.byteOffset % width === 0) return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
    const copy = new Uint8Array(count * width);
    copy.set(bytes.subarray(0, count * width));
    return new Ctor(copy.buffer, 0, count);
  }

  /**
   * Elements as plain numbers, for small tensors (shape arithmetic, checks, messages): int64
   * converted, float16 and bfloat16 decoded to their values (8-bit floats and 4-bit types stay
   * raw bytes, as in {@link data}).
   *
   * @example
   * ```ts
   * Tensor.fromArray(DType.FLOAT16, [2], new Uint16Array([0x3c00, 0xc000])).toNumbers(); // [1, -2]
   * ```
   */
  toNumbers(): number[] {
    if (readsAsNumbers(this.dtype)) return tensorNumbers(this);
    const d = this.data();
    const decode = this.dtype === DType.FLOAT16 ? float16ToFloat32 : this.dtype === DType.BFLOAT16 ? bfloat16ToFloat32 : Number;
    const out: number[] = new Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = decode(Number(d[i]));
    return out;
  }

  /** Replaces the storage (e.g. after materializing external data); dims and dtype stay. */
  setStorage(storage: TensorStorage): void {
    this.storage = storage;
    this.serdeOrigin = undefined;
  }

  /** Current storage (read-only view for codecs and writers). */
  getStorage(): Readonly<TensorStorage> {
    return this.storage;
  }

  /** A tensor with the same data and a new name (storage shared, not copied). */
  clone(name = this.name): Tensor {
    const t = new Tensor({ name, dtype: this.dtype, dims: this.dims, storage: this.storage });
    if (this.docString !== undefined) t.docString = this.docString;
    t.serdeOrigin = this.serdeOrigin;
    return t;
  }
}

/**
 * The typed-array constructor holding an element type's raw bits, or undefined (strings).
 *
 * @group Types and data
 */
export function typedArrayFor(dtype: DTypeCode): StorageArrayConstructor | undefined {
  return dataTypeInfo(dtype)?.storage;
}
