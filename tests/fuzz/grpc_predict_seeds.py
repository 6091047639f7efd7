#!/usr/bin/python3
"""Writes the seed corpus of grpc_predict_fuzz: serialized tensorflow.serving.PredictRequest messages
aimed at the signatures the fuzzer loads (see grpc_predict_fuzz.cc): typed *_val fields,
tensor_content, half_val, string_val, scalar broadcast, too few values, output_filter, extra and
missing aliases. Messages come from `protoc --python_out` on Serval's own .proto files.
  /usr/bin/python3 tests/fuzz/grpc_predict_seeds.py tests/fuzz/corpus/grpc_predict
"""
import os
import struct
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
proto_dir = os.path.join(root, "src", "serval", "proto")
out_dir = sys.argv[1]
gen = tempfile.mkdtemp(prefix="grpc_seeds_")
subprocess.run(["protoc", f"--python_out={gen}", "-I", proto_dir,
                "tensorflow_serving/apis/predict.proto", "tensorflow_serving/apis/model.proto",
                "tensorflow/core/framework/tensor.proto", "tensorflow/core/framework/tensor_shape.proto",
                "tensorflow/core/framework/types.proto", "tensorflow/core/framework/resource_handle.proto"],
               check=True)
sys.path.insert(0, gen)
from tensorflow_serving.apis import predict_pb2  # noqa: E402
from tensorflow.core.framework import types_pb2  # noqa: E402

os.makedirs(out_dir, exist_ok=True)


def tensor(t, dtype, shape, field=None, values=(), content=None):
    t.dtype = dtype
    for d in shape or ():
        t.tensor_shape.dim.add().size = d
    if shape is None:
        t.tensor_shape.unknown_rank = True
    if content is not None:
        t.tensor_content = content
    if field:
        getattr(t, field).extend(values)


def request(name, model, signature, inputs, output_filter=()):
    r = predict_pb2.PredictRequest()
    r.model_spec.name = model
    if signature:
        r.model_spec.signature_name = signature
    r.model_spec.version.value = 1
    for alias, args in inputs.items():
        tensor(r.inputs[alias], *args)
    r.output_filter.extend(output_filter)
    with open(os.path.join(out_dir, "seed_" + name), "wb") as f:
        f.write(r.SerializeToString())


F, I64, STR, HALF, I32 = types_pb2.DT_FLOAT, types_pb2.DT_INT64, types_pb2.DT_STRING, types_pb2.DT_HALF, types_pb2.DT_INT32
request("synthetic_all", "synthetic", "", {
    "f": (F, [2, 3], "float_val", [1, 2, 3, 4, 5, 6]),
    "h": (HALF, [2], "half_val", [0x3C00, 0x4000]),
    "i": (I64, [2], "int64_val", [5, -7]),
    "s": (STR, [2], "string_val", [b"abc", b"\x00\xff"])}, ["y", "z"])
request("synthetic_default_omitted", "synthetic", "", {
    "f": (F, [1, 3], None, (), struct.pack("<3f", 1, 2, 3)),
    "h": (HALF, [1], "half_val", [0x3C00]),
    "s": (STR, [], "string_val", [b"x"])})
request("synthetic_broadcast", "synthetic", "", {
    "f": (F, [4, 3], "float_val", [0.5]), "h": (HALF, [3], "half_val", [1]),
    "i": (I64, [2, 2], "int64_val", [9]), "s": (STR, [2], "string_val", [b"a"])})
request("synthetic_too_few", "synthetic", "", {
    "f": (F, [2, 3], "float_val", [1, 2]), "h": (HALF, [1], "half_val", []),
    "s": (STR, [1], "string_val", [])})
request("synthetic_extra_alias", "synthetic", "", {
    "f": (F, [1, 3], "float_val", [1, 2, 3]), "nope": (F, [1], "float_val", [1])}, ["y", "y"])
request("hp2_predict", "tfs_half_plus_two_cpu", "serving_default", {"x": (F, [3, 1], "float_val", [1, 2, 5])}, ["y"])
request("hp2_content", "tfs_half_plus_two_cpu", "", {"x": (F, [2, 1], None, (), struct.pack("<2f", 1, 2))})
request("hp2_regress_x2", "tfs_half_plus_two_cpu", "regress_x2_to_y3", {"inputs": (F, [1, 1], "float_val", [4])})
request("hp2_classify_strings", "tfs_half_plus_two_cpu", "classify_x_to_y",
        {"inputs": (STR, [1], "string_val", [b"\x0a\x0c\x0a\x0a\x0a\x01x\x12\x05\x12\x03\x0a\x01\x00"])})
request("multi_input", "cppflow_multi_input_output", "", {
    "my_input_1": (F, [1, 5], "float_val", [1, 2, 3, 4, 5]),
    "my_input_2": (F, [1, 5], None, (), struct.pack("<5f", 1, 2, 3, 4, 5))}, ["my_outputs_2"])
request("int64_content", "tfjs_int64_multiply", "", {"x": (I64, [2], None, (), struct.pack("<2q", 3, -4))})
request("int64_wrong_dtype", "tfjs_int64_multiply", "", {"x": (I32, [2], "int_val", [3, 4])})
request("hashtable_words", "tf_static_hashtable", "", {"word": (STR, [3], "string_val", [b"apple", b"", b"\xc3\xa9"])})
request("counter_no_inputs", "tfs_saved_model_counter", "get_counter", {})
request("counter_incr_by", "tfs_saved_model_counter", "incr_counter_by", {"delta": (F, [], "float_val", [2])})
request("mlp_unknown_rank", "keras_mlp_stock", "", {"dense_input": (F, None, "float_val", [1] * 10)})
print(f"wrote {len(os.listdir(out_dir))} files to {out_dir}")
