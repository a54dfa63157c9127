import { OnnxSurgeonError } from '../errors.js';
import { DType, dtypeBits, dtypeByteLength, dtypeName, elementCount } from '../ir/types.js';
import type { TensorProto } from '../onnx/proto-types.js';

/**
 * Little-endian raw bytes of a TensorProto whose data sits in one of the typed fields rather than
 * `raw_data`. ONNX packs several types into `int32_data` (bool, int8/16, uint8/16, float16,
 * bfloat16, float8, int4), which this unpacks per the spec's storage rules.
 */
export function typedFieldBytes(proto: TensorProto, dims: readonly number[], context: { tensor: string }): Uint8Array {
  const dtype = proto.dataType ?? 0;
  const count = elementCount(dims);
  const expectedBytes = dtypeByteLength(dtype, count);
  const check = (found: number, unit: string): void => {
    if (found !== count && !(dtypeBits(dtype) === 4 && found === Math.ceil(count / 2))) {
      throw new OnnxSurgeonError('decode', `tensor has ${found} ${unit} for ${count} elements`, {
        ...context, expected: `${count} elements (${dtypeName(dtype)}[${dims.join(',')}])`, found: String(found),
      });
    }
  };
  switch (dtype) {
    case DType.FLOAT: case DType.COMPLEX64: {
      const src = proto.floatData ?? new Float32Array(0);
      check(dtype === DType.COMPLEX64 ? src.length / 2 : src.length, 'float_data values');
      return bytesOf(Float32Array.from(src));
    }
    case DType.DOUBLE: case DType.COMPLEX128: {
      const src = proto.doubleData ?? new Float64Array(0);
      check(dtype === DType.COMPLEX128 ? src.length / 2 : src.length, 'double_data values');
      return bytesOf(Float64Array.from(src));
    }
    case DType.INT64: {
      const src = proto.int64Data ?? new BigInt64Array(0);
      check(src.length, 'int64_data values');
      return bytesOf(BigInt64Array.from(src));
    }
    case DType.UINT32: case DType.UINT64: {
      const src = proto.uint64Data ?? new BigUint64Array(0);
      check(src.length, 'uint64_data values');
      if (dtype === DType.UINT64) return bytesOf(BigUint64Array.from(src));
      return bytesOf(Uint32Array.from(src, (v) => Number(v)));
    }
    case DType.INT32: {
      const src = proto.int32Data ?? new Int32Array(0);
      check(src.length, 'int32_data values');
      return bytesOf(Int32Array.from(src));
    }
    default: {
      // Narrow types live one element per int32 (4-bit types: one packed byte per int32).
      const src = proto.int32Data ?? new Int32Array(0);
      const bits = dtypeBits(dtype);
      if (bits === 0) {
        throw new OnnxSurgeonError('decode', `tensor of type ${dtypeName(dtype)} has no numeric storage`, context);
      }
      check(src.length, 'int32_data values');
      const out = new Uint8Array(expectedBytes);
      if (bits === 16) {
        const view = new Uint16Array(out.buffer);
        for (let i = 0; i < count; i++) view[i] = src[i]! & 0xffff;
      } else {
        for (let i = 0; i < out.length; i++) out[i] = src[i]! & 0xff;
      }
      return out;
    }
  }
}

function bytesOf(array: Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** True if the proto stores its elements in a typed field rather than raw bytes or externally. */
export function usesTypedField(proto: TensorProto): boolean {
  return proto.rawData === undefined && proto.dataLocation !== 1 && proto.dataType !== DType.STRING;
}
