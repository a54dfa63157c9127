#!/usr/bin/python3
"""Independent judge for the TypeScript ONNX codec (run by conformance.test.ts).

Reads a JSON manifest written by the test and checks, with the reference `onnx` Python package:
- models: onnx.load(original) and onnx.load(ours) serialize to identical bytes;
- messages: each re-encoded test-data .pb parses to the same message as the original;
- tensors: the element values the TS decoder extracted equal onnx.numpy_helper.to_array
  (bit-exact, so NaNs and signed zeros are compared too), with the same dtype and dims.

Prints one JSON object: counts and a list of failures.
"""

import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

MESSAGE_TYPES = {
    "onnx.TensorProto": onnx.TensorProto,
    "onnx.SequenceProto": onnx.SequenceProto,
    "onnx.MapProto": onnx.MapProto,
    "onnx.OptionalProto": onnx.OptionalProto,
}


def parse(type_name, path):
    message = MESSAGE_TYPES[type_name]()
    with open(path, "rb") as f:
        message.ParseFromString(f.read())
    return message


def storage_dtype(data_type):
    """numpy dtype of the raw element bits the TS side wrote."""
    table = {
        onnx.TensorProto.FLOAT: "<f4",
        onnx.TensorProto.UINT8: "u1",
        onnx.TensorProto.INT8: "i1",
        onnx.TensorProto.UINT16: "<u2",
        onnx.TensorProto.INT16: "<i2",
        onnx.TensorProto.INT32: "<i4",
        onnx.TensorProto.INT64: "<i8",
        onnx.TensorProto.BOOL: "u1",
        onnx.TensorProto.FLOAT16: "<u2",
        onnx.TensorProto.DOUBLE: "<f8",
        onnx.TensorProto.UINT32: "<u4",
        onnx.TensorProto.UINT64: "<u8",
        onnx.TensorProto.COMPLEX64: "<c8",
        onnx.TensorProto.COMPLEX128: "<c16",
        onnx.TensorProto.BFLOAT16: "<u2",
    }
    return table.get(data_type)


def check_tensor(entry, values, failures):
    tensor = parse("onnx.TensorProto", entry["pb"])
    if tensor.data_type != entry["dataType"]:
        failures.append({"kind": "tensor", "file": entry["pb"], "reason": f"data_type {entry['dataType']} != {tensor.data_type}"})
        return
    expected = numpy_helper.to_array(tensor)
    dims = [int(d) for d in entry["dims"]]
    if list(expected.shape) != dims:
        failures.append({"kind": "tensor", "file": entry["pb"], "reason": f"dims {dims} != {list(expected.shape)}"})
        return
    if tensor.data_type == onnx.TensorProto.STRING:
        ours = [bytes.fromhex(h) for h in entry["strings"]]
        # onnx 1.12 decodes strings to str; later versions keep bytes.
        theirs = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in expected.flatten().tolist()]
        if ours != theirs:
            failures.append({"kind": "tensor", "file": entry["pb"], "reason": "string values differ"})
        return
    dtype = storage_dtype(tensor.data_type)
    if dtype is None:
        failures.append({"kind": "tensor", "file": entry["pb"], "reason": f"unsupported data_type {tensor.data_type}"})
        return
    raw = values[entry["offset"] : entry["offset"] + entry["length"]]
    ours = np.frombuffer(raw, dtype=dtype)
    if tensor.data_type == onnx.TensorProto.BFLOAT16:
        # onnx 1.12's to_array widens bfloat16 to float32; widen our raw bits the same way.
        ours = (ours.astype(np.uint32) << 16).view(np.float32)
    if tensor.data_type == onnx.TensorProto.FLOAT16:
        ours = ours.view(np.float16)  # compare bits, not converted values
    if tensor.data_type == onnx.TensorProto.BOOL:
        ours = ours.astype(np.bool_)
    if ours.size != expected.size:
        failures.append({"kind": "tensor", "file": entry["pb"], "reason": f"{ours.size} elements != {expected.size}"})
        return
    expected_bits = np.ascontiguousarray(expected).reshape(-1).astype(ours.dtype, copy=False).tobytes()
    if ours.tobytes() != expected_bits:
        failures.append({"kind": "tensor", "file": entry["pb"], "reason": "values differ"})


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    failures = []

    for original, ours in manifest["models"]:
        try:
            a = onnx.load(original).SerializeToString()
            b = onnx.load(ours).SerializeToString()
            if a != b:
                failures.append({"kind": "model", "file": original, "reason": "re-encoded model parses differently"})
        except Exception as error:  # report, never crash: the TS test prints the list
            failures.append({"kind": "model", "file": original, "reason": repr(error)})

    for type_name, original, ours in manifest["messages"]:
        try:
            if parse(type_name, original).SerializeToString() != parse(type_name, ours).SerializeToString():
                failures.append({"kind": "message", "file": original, "reason": f"re-encoded {type_name} parses differently"})
        except Exception as error:
            failures.append({"kind": "message", "file": original, "reason": repr(error)})

    with open(manifest["valuesFile"], "rb") as f:
        values = f.read()
    for entry in manifest["tensors"]:
        try:
            check_tensor(entry, values, failures)
        except Exception as error:
            failures.append({"kind": "tensor", "file": entry["pb"], "reason": repr(error)})

    print(json.dumps({
        "models": len(manifest["models"]),
        "messages": len(manifest["messages"]),
        "tensors": len(manifest["tensors"]),
        "failures": failures,
    }))


if __name__ == "__main__":
    main()
