#!/usr/bin/python3
"""Builds the ONNX Runtime peer models with Debian's python3-onnx, from the weights Serval reads.

usage: onnx_models.py <dump_root> <out_dir>
  <dump_root>/<model>/index.json + *.npy come from `bench_models dump <export_dir> <dir>` (Serval's
  own checkpoint reader), so both engines run the same numbers. Writes <out_dir>/<model>.onnx with
  input "x" and output "y", the same architecture as the Keras model (layouts converted where ONNX
  differs: NHWC -> NCHW around the convolutions, Keras' i,f,c,o LSTM gates -> ONNX's i,o,f,c).
  engine_bench compares the two engines' outputs before timing anything.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
VAR = "/.ATTRIBUTES/VARIABLE_VALUE"


def load(dump_dir):
    with open(os.path.join(dump_dir, "index.json")) as f:
        index = json.load(f)
    return {k: np.load(os.path.join(dump_dir, v["file"])) for k, v in index.items()}


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, array, dtype=np.float32):
        self.n += 1
        name = "c%d" % self.n
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = "t%d" % self.n
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def dense(self, x, kernel, bias, activation=None):
        y = self.op("Gemm", [x, self.const(kernel), self.const(bias)])
        return self.op(activation, [y]) if activation else y

    def save(self, path, x_shape, y, y_shape):
        self.nodes.append(helper.make_node("Identity", [y], ["y"]))
        graph = helper.make_graph(
            self.nodes, "serval_bench",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, path)


def keras_dense_chain(w, n_in, activations):
    """Keras 2 Sequential/functional Dense layers layer_with_weights-<i>."""
    g = Graph()
    h = "x"
    for i, act in enumerate(activations):
        p = "layer_with_weights-%d/" % i
        h = g.dense(h, w[p + "kernel" + VAR], w[p + "bias" + VAR], act)
    out = w["layer_with_weights-%d/bias%s" % (len(activations) - 1, VAR)].shape[0]
    return g, ["N", n_in], h, ["N", out]


def subclassed_mlp(w):
    g = Graph()
    h = g.dense("x", w["variables/0" + VAR], w["variables/1" + VAR], "Relu")
    h = g.dense(h, w["variables/2" + VAR], w["variables/3" + VAR])
    return g, ["N", 15], h, ["N", 4]


def lstm_weights(g, kernel, recurrent, bias):
    units = recurrent.shape[0]
    order = [0, 3, 1, 2]  # Keras gate blocks i,f,c,o -> ONNX i,o,f,c

    def reorder(m):  # m: [..., 4*units] -> [4*units, ...] in ONNX gate order
        blocks = np.split(m, 4, axis=-1)
        return np.concatenate([blocks[k] for k in order], axis=-1)

    W = reorder(kernel).T[None]        # [1, 4u, in]
    R = reorder(recurrent).T[None]     # [1, 4u, u]
    B = np.concatenate([reorder(bias), np.zeros(4 * units, np.float32)])[None]  # [1, 8u]
    return g.const(W), g.const(R), g.const(B), units


def keras_lstm(w):
    """lstm_input [N,60,1] -> LSTM(50, return_sequences) -> LSTM(50) -> Dense(25) -> Dense(1)."""
    t = ["trainable_variables/%d%s" % (i, VAR) for i in range(6)]
    g = Graph()
    seq = g.op("Transpose", ["x"], perm=[1, 0, 2])  # [T, N, in]
    W, R, B, u = lstm_weights(g, w[t[0]], w[t[1]], w[t[2]])
    y1 = g.op("LSTM", [seq, W, R, B], hidden_size=u)  # Y: [T, 1, N, u]
    seq2 = g.op("Squeeze", [y1, g.const(np.array([1]), np.int64)])
    W2, R2, B2, u2 = lstm_weights(g, w[t[3]], w[t[4]], w[t[5]])
    node = helper.make_node("LSTM", [seq2, W2, R2, B2], ["lstm2_y", "lstm2_h"], hidden_size=u2)
    g.nodes.append(node)
    h = g.op("Squeeze", ["lstm2_h", g.const(np.array([0]), np.int64)])  # [N, u]
    h = g.dense(h, w["layer_with_weights-2/kernel" + VAR], w["layer_with_weights-2/bias" + VAR])
    h = g.dense(h, w["layer_with_weights-3/kernel" + VAR], w["layer_with_weights-3/bias" + VAR])
    return g, ["N", 60, 1], h, ["N", 1]


def cnn(w):
    """NHWC 30x30x3 -> (Conv 3x3 VALID + ReLU -> MaxPool 2x2) x2 -> Flatten (NHWC order) -> Dense -> Softmax."""
    g = Graph()
    h = g.op("Transpose", ["x"], perm=[0, 3, 1, 2])
    for i in range(2):
        p = "layer_with_weights-%d/" % i
        k = w[p + "kernel" + VAR].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        h = g.op("Conv", [h, g.const(k), g.const(w[p + "bias" + VAR])], kernel_shape=[3, 3])
        h = g.op("Relu", [h])
        h = g.op("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = g.op("Transpose", [h], perm=[0, 2, 3, 1])
    h = g.op("Reshape", [h, g.const(np.array([-1, 1152]), np.int64)])
    h = g.dense(h, w["layer_with_weights-2/kernel" + VAR], w["layer_with_weights-2/bias" + VAR])
    h = g.op("Softmax", [h], axis=-1)
    return g, ["N", 30, 30, 3], h, ["N", 10]


BUILDERS = {
    "keras_mlp_stock": lambda w: keras_dense_chain(w, 10, ["Relu", "Relu", "Relu", None]),
    "cppflow_load_model": lambda w: keras_dense_chain(w, 5, ["Relu", "Sigmoid"]),
    "keras_subclassed_mlp": subclassed_mlp,
    "keras_lstm_stock": keras_lstm,
    "mlp784": lambda w: keras_dense_chain(w, 784, ["Relu", "Softmax"]),
    "cnn": cnn,
}


def main():
    dump_root, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for name, build in BUILDERS.items():
        d = os.path.join(dump_root, name)
        if not os.path.exists(os.path.join(d, "index.json")):
            print("onnx_models: no weight dump for %s, skipped" % name, file=sys.stderr)
            continue
        g, x_shape, y, y_shape = build(load(d))
        g.save(os.path.join(out_dir, name + ".onnx"), x_shape, y, y_shape)
        print("onnx_models: wrote %s.onnx" % name, file=sys.stderr)


if __name__ == "__main__":
    main()
