// The reference for each zoo case: either build(W) -> a tfjs LayersModel with the generator's
// weights (W['<layer>/<weight>']), or compute(inputs, W) -> output tensors by hand, with `why`.
'use strict';
const tf = require('@tensorflow/tfjs');

function seq(inputShape, layers, weights) {
  const m = tf.sequential();
  layers.forEach((l, i) => {
    if (i === 0) l = l.constructor.fromConfig(l.constructor, { ...l.getConfig(), batchInputShape: [null, ...inputShape] });
    m.add(l);
  });
  m.layers.forEach((l, i) => { if (weights[i] && weights[i].length) l.setWeights(weights[i]); });
  return m;
}
const L = tf.layers;

const REFS = {};

REFS.dense = { build: (W) => seq([4], [L.dense({ units: 5, activation: 'relu' }), L.dense({ units: 3, activation: 'softmax' })],
  [[W['dense/kernel'], W['dense/bias']], [W['dense_1/kernel'], W['dense_1/bias']]]) };
REFS.dense_rank3 = { build: (W) => seq([3, 4], [L.dense({ units: 2, activation: 'tanh' })], [[W['dense/kernel'], W['dense/bias']]]) };
REFS.einsum_dense = {
  why: 'tfjs has no EinsumDense: einsum abc,cd->abd as a rank-3 Dense (same contraction), + bias, relu',
  compute: ([x], W) => [tf.relu(tf.add(tf.einsum('abc,cd->abd', x, W['einsum_dense/kernel']), W['einsum_dense/bias']))],
};
REFS.embedding = { build: (W) => seq([4], [L.embedding({ inputDim: 10, outputDim: 3 })], [[W['embedding/embeddings']]]) };
REFS.dropout_noise = { build: (W) => seq([4], [L.dropout({ rate: 0.5 }), L.gaussianNoise({ stddev: 1 }), L.gaussianDropout({ rate: 0.3 }),
  L.dense({ units: 2 })], [[], [], [], [W['dense/kernel'], W['dense/bias']]]) };
REFS.custom_layer = {
  why: 'a custom layer is plain math: relu(x @ w + b)',
  compute: ([x], W) => [tf.relu(tf.add(tf.matMul(x, W['my_layer/w']), W['my_layer/b']))],
};

REFS.conv2d = { build: (W) => seq([6, 6, 2], [L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })],
  [[W['conv2d/kernel'], W['conv2d/bias']]]) };
REFS.conv2d_dilated = { build: (W) => seq([7, 7, 2], [L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid' })],
  [[W['conv2d/kernel'], W['conv2d/bias']]]) };
REFS.conv1d = { build: (W) => seq([9, 3], [L.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' })],
  [[W['conv1d/kernel'], W['conv1d/bias']]]) };
REFS.conv2d_transpose = { build: (W) => seq([3, 3, 2], [L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })],
  [[W['conv2d_transpose/kernel'], W['conv2d_transpose/bias']]]) };
REFS.depthwise_conv2d = { build: (W) => seq([5, 5, 2], [L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' })],
  [[W['depthwise_conv2d/depthwise_kernel'], W['depthwise_conv2d/bias']]]) };
REFS.separable_conv2d = { build: (W) => seq([5, 5, 2], [L.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same' })],
  [[W['separable_conv2d/depthwise_kernel'], W['separable_conv2d/pointwise_kernel'], W['separable_conv2d/bias']]]) };
REFS.conv2d_groups = {
  why: 'tfjs Conv2D has no groups: two convolutions on the channel halves (filters 0-1 see channels 0-1, filters 2-3 channels 2-3), concatenated, + bias',
  compute: ([x], W) => {
    const k = W['conv2d/kernel'];
    const xs = tf.split(x, 2, 3);
    const ks = tf.split(k, 2, 3);
    const y = tf.concat([tf.conv2d(xs[0], ks[0], 1, 'valid'), tf.conv2d(xs[1], ks[1], 1, 'valid')], 3);
    return [tf.add(y, W['conv2d/bias'])];
  },
};
REFS.conv3d = { build: (W) => seq([3, 3, 3, 2], [L.conv3d({ filters: 3, kernelSize: 2, padding: 'valid' })],
  [[W['conv3d/kernel'], W['conv3d/bias']]]) };

REFS.max_pooling2d = { build: () => seq([5, 5, 2], [L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' })], []) };
REFS.average_pooling2d = { build: () => seq([5, 5, 2], [L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })], []) };
REFS.max_pooling1d = { build: () => seq([6, 3], [L.maxPooling1d({ poolSize: 2, strides: 2 })], []) };
REFS.average_pooling1d = { build: () => seq([6, 3], [L.averagePooling1d({ poolSize: 2, strides: 2 })], []) };
REFS.global_pooling = {
  build: () => {
    const x = tf.input({ shape: [3, 4, 2] });
    const a = L.globalAveragePooling2d({}).apply(x);
    const m = L.reshape({ targetShape: [1, 1, 2] }).apply(L.globalMaxPooling2d({}).apply(x));
    return tf.model({ inputs: x, outputs: [a, m] });
  },
};
REFS.max_pooling3d = { build: () => seq([4, 4, 4, 2], [L.maxPooling3d({ poolSize: 2, strides: 2 })], []) };
REFS.merge = {
  why: 'tfjs merge layers applied to the input tensors; tfjs has no Subtract layer, so a - b',
  compute: ([a, b]) => [L.add().apply([a, b]), tf.sub(a, b), L.multiply().apply([a, b]), L.average().apply([a, b]),
    L.maximum().apply([a, b]), L.minimum().apply([a, b]), L.concatenate().apply([a, b])],
};
const bnW = (W, p) => [W[p + '/gamma'], W[p + '/beta'], W[p + '/moving_mean'], W[p + '/moving_variance']];
REFS.batch_normalization = { build: (W) => seq([3, 3, 4], [L.batchNormalization({ epsilon: 0.001 })], [bnW(W, 'batch_normalization')]) };
REFS.batch_normalization_2d = { build: (W) => seq([4], [L.batchNormalization({ epsilon: 0.001 })], [bnW(W, 'batch_normalization')]) };
REFS.layer_normalization = { build: (W) => seq([6], [L.layerNormalization({ epsilon: 0.001 })],
  [[W['layer_normalization/gamma'], W['layer_normalization/beta']]]) };
const act = (a) => ({ build: () => seq([6], [L.activation({ activation: a })], []) });
for (const a of ['relu', 'relu6', 'elu', 'selu', 'softplus', 'softsign', 'sigmoid', 'tanh', 'softmax', 'mish']) REFS['activation_' + a] = act(a);
REFS.activation_silu = act('swish');
const hand = (why, f) => ({ why, compute: ([x]) => [f(x)] });
REFS.activation_exponential = hand('exp(x)', (x) => tf.exp(x));
REFS.activation_log_softmax = hand('logSoftmax on the last axis', (x) => tf.logSoftmax(x));
REFS.activation_leaky_relu = { build: () => seq([6], [L.leakyReLU({ alpha: 0.3 })], []) };
REFS.activation_relu_clipped = hand('tfjs ReLU has no negative_slope/threshold: Keras backend.relu written out: ' +
  'x >= 4 -> 4; 0.5 < x < 4 -> x; x <= 0.5 -> 0.1 * (x - 0.5)',
  (x) => tf.where(tf.greater(x, 0.5), tf.minimum(x, 4), tf.mul(0.1, tf.sub(x, 0.5))));
REFS.activation_gelu = hand('exact gelu 0.5 x (1 + erf(x / sqrt 2))',
  (x) => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
REFS.activation_gelu_tanh = hand('tanh-approximate gelu',
  (x) => tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))));
REFS.activation_softmax_axis1 = hand('softmax over axis 1 of [N, 3, 4]', (x) => tf.softmax(tf.transpose(x, [0, 2, 1])).transpose([0, 2, 1]));
REFS.flatten = { build: () => seq([2, 3, 2], [L.flatten()], []) };
REFS.reshape_permute = { build: () => seq([12], [L.reshape({ targetShape: [3, 4] }), L.permute({ dims: [2, 1] })], []) };
REFS.repeat_vector = { build: () => seq([4], [L.repeatVector({ n: 3 })], []) };
REFS.cropping_padding = { build: () => seq([5, 6, 2], [L.cropping2D({ cropping: [[1, 1], [1, 2]] }),
  L.zeroPadding2d({ padding: [[1, 0], [2, 1]] })], []) };
REFS.up_sampling2d = { build: () => seq([3, 2, 2], [L.upSampling2d({ size: [2, 2], interpolation: 'nearest' })], []) };
REFS.up_sampling2d_bilinear = hand('tfjs UpSampling2D resizes bilinear without half-pixel centers; TF 2 uses them: ' +
  'tf.image.resizeBilinear(x, [2h, 2w], alignCorners false, halfPixelCenters true)',
  (x) => tf.image.resizeBilinear(x, [x.shape[1] * 2, x.shape[2] * 2], false, true));

const rnnW = (W, l) => [W[l + '/kernel'], W[l + '/recurrent_kernel'], W[l + '/bias']];
REFS.simple_rnn = { build: (W) => seq([4, 2], [L.simpleRNN({ units: 3 })], [rnnW(W, 'simple_rnn')]) };
REFS.lstm = { build: (W) => seq([4, 2], [L.lstm({ units: 3, recurrentActivation: 'sigmoid' })], [rnnW(W, 'lstm')]) };
REFS.gru_reset_before = { build: (W) => seq([4, 2], [L.gru({ units: 3, recurrentActivation: 'sigmoid', resetAfter: false })],
  [rnnW(W, 'gru')]) };
REFS.lstm_sequences_state = {
  build: (W) => {
    const x = tf.input({ shape: [4, 2] });
    const l = L.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, returnState: true, goBackwards: true });
    const outs = l.apply(x);
    l.setWeights(rnnW(W, 'lstm'));
    return tf.model({ inputs: x, outputs: outs });
  },
};
REFS.bidirectional_lstm = { build: (W) => seq([4, 2], [L.bidirectional({ layer: L.lstm({ units: 2, recurrentActivation: 'sigmoid' }),
  mergeMode: 'concat' })], [[...rnnW(W, 'forward_lstm'), ...rnnW(W, 'backward_lstm')]]) };
REFS.gru = {
  why: 'tfjs GRU has no reset_after: the Keras GRU cell with reset_after=True written out, ' +
    'z,r,h = split(x K + b_in); z_r,r_r,h_r = split(h R + b_rec); z = sig(z + z_r); r = sig(r + r_r); ' +
    'hh = tanh(h_x + r * h_r); h = z h + (1 - z) hh, over 4 steps from h = 0',
  compute: ([x], W) => {
    const [bin, brec] = tf.unstack(W['gru/bias']);
    let h = tf.zeros([x.shape[0], 3]);
    for (let t = 0; t < x.shape[1]; ++t) {
      const xt = x.slice([0, t, 0], [-1, 1, -1]).reshape([x.shape[0], x.shape[2]]);
      const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, W['gru/kernel']), bin), 3, 1);
      const [rz, rr, rh] = tf.split(tf.add(tf.matMul(h, W['gru/recurrent_kernel']), brec), 3, 1);
      const z = tf.sigmoid(tf.add(xz, rz));
      const r = tf.sigmoid(tf.add(xr, rr));
      const hh = tf.tanh(tf.add(xh, tf.mul(r, rh)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    }
    return [h];
  },
};


REFS.attention = {
  why: 'tfjs has no Attention layer: softmax(q v^T) v',
  compute: ([q, v]) => [tf.matMul(tf.softmax(tf.matMul(q, v, false, true)), v)],
};
function mha(x, W, mask) {
  const p = 'multi_head_attention/';
  const heads = [];
  for (let h = 0; h < 2; ++h) {
    const proj = (n) => {
      const k = W[p + n + '/kernel'].slice([0, h, 0], [5, 1, 3]).reshape([5, 3]);
      const b = W[p + n + '/bias'].slice([h, 0], [1, 3]).reshape([3]);
      return tf.add(tf.matMul(x.reshape([-1, 5]), k), b).reshape([x.shape[0], 4, 3]);
    };
    const [q, k, v] = [proj('query'), proj('key'), proj('value')];
    let scores = tf.matMul(q, k, false, true).div(Math.sqrt(3));
    if (mask) scores = tf.add(scores, tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9));
    const ctx = tf.matMul(tf.softmax(scores), v);  // [N, 4, 3]
    const wo = W[p + 'attention_output/kernel'].slice([h, 0, 0], [1, 3, 5]).reshape([3, 5]);
    heads.push(tf.matMul(ctx.reshape([-1, 3]), wo).reshape([x.shape[0], 4, 5]));
  }
  return tf.add(tf.add(heads[0], heads[1]), W[p + 'attention_output/bias']);
}
REFS.multi_head_attention = {
  why: 'tfjs has no MultiHeadAttention: per head h, Q = x Wq[:,h,:] + bq[h] (same for K, V); ' +
    'softmax(Q K^T / sqrt(3)) V; output = sum over heads of ctx_h Wo[h] + bo',
  compute: ([x], W) => [mha(x, W, null)],
};
REFS.multi_head_attention_masked = {
  why: 'as multi_head_attention, with (1 - mask) * -1e9 added to each head\'s scores (Keras\' masked softmax)',
  compute: ([x, m], W) => [mha(x, W, m)],
};
REFS.time_distributed = {
  build: (W) => seq([3, 4], [L.timeDistributed({ layer: L.dense({ units: 2 }) })],
    [[W['time_distributed/dense/kernel'], W['time_distributed/dense/bias']]]),
};

// Preprocessing. tfjs has none of these layers (or differs from TF 2's resize): written out.
REFS.normalization = hand('(x - mean) / max(sqrt(variance), 1e-7) with the constructor mean/variance',
  (x) => tf.div(tf.sub(x, tf.tensor([0.5, -1, 2, 0])), tf.maximum(tf.sqrt(tf.tensor([4, 0.25, 1, 9])), 1e-7)));
REFS.rescaling = hand('x * (1 / 127.5) - 1', (x) => tf.add(tf.mul(x, 1 / 127.5), -1));
REFS.resizing_bilinear = hand('tf.image.resizeBilinear, halfPixelCenters (TF 2 tf.image.resize)',
  (x) => tf.image.resizeBilinear(x, [4, 5], false, true));
REFS.resizing_nearest = hand('tf.image.resizeNearestNeighbor, halfPixelCenters (TF 2 tf.image.resize)',
  (x) => tf.image.resizeNearestNeighbor(x, [4, 5], false, true));

// TF's ResizeBicubic with half_pixel_centers: Keys cubic (A = -0.5) from a 1024-entry table indexed by
// round(frac * 1024); taps outside the image get weight 0 and the rest are renormalised.
function keys(x) {
  const A = -0.5;
  x = Math.abs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}
function bicubicTaps(outSize, inSize) {
  const scale = inSize / outSize;
  const taps = [];
  for (let o = 0; o < outSize; ++o) {
    const loc = (o + 0.5) * scale - 0.5;
    const fl = Math.floor(loc);
    const off = Math.round((loc - fl) * 1024);
    const w = [keys(1 + off / 1024), keys(off / 1024), keys((1024 - off) / 1024), keys(1 + (1024 - off) / 1024)];
    const idx = [fl - 1, fl, fl + 1, fl + 2];
    let sum = 0;
    for (let k = 0; k < 4; ++k) { if (idx[k] < 0 || idx[k] >= inSize) w[k] = 0; sum += w[k]; }
    taps.push(idx.map((i, k) => [Math.min(Math.max(i, 0), inSize - 1), w[k] / sum]));
  }
  return taps;
}
// Area: each output pixel averages the input area it covers (fractional overlaps), as TF's ResizeArea.
function areaTaps(outSize, inSize) {
  const scale = inSize / outSize;
  const taps = [];
  for (let o = 0; o < outSize; ++o) {
    const a = o * scale, b = (o + 1) * scale;
    const t = [];
    for (let i = Math.floor(a); i < Math.ceil(b); ++i) t.push([Math.min(i, inSize - 1), (Math.min(i + 1, b) - Math.max(i, a)) / scale]);
    taps.push(t);
  }
  return taps;
}
function separable(x, ty, tx) {
  const [n, h, w, c] = x.shape;
  const v = x.arraySync();
  const out = [];
  for (let b = 0; b < n; ++b) {
    const rows = [];
    for (const yt of ty) {
      const row = [];
      for (const xt of tx) {
        const px = new Array(c).fill(0);
        for (const [yi, wy] of yt) for (const [xi, wx] of xt) for (let k = 0; k < c; ++k) px[k] += wy * wx * v[b][yi][xi][k];
        row.push(px);
      }
      rows.push(row);
    }
    out.push(rows);
  }
  return tf.tensor(out);
}
REFS.resizing_bicubic = hand('TF ResizeBicubic (half_pixel_centers): Keys cubic A=-0.5 from a 1024-step table, ' +
  'out-of-image taps weighted 0 and renormalised (tfjs has no bicubic resize)',
  (x) => separable(x, bicubicTaps(4, x.shape[1]), bicubicTaps(5, x.shape[2])));
REFS.resizing_area = hand('TF ResizeArea: average over the covered input area, fractional overlaps (tfjs has no area resize)',
  (x) => separable(x, areaTaps(4, x.shape[1]), areaTaps(5, x.shape[2])));
REFS.dot = { build: () => {
  const a = tf.input({ shape: [4] });
  const b = tf.input({ shape: [4] });
  return tf.model({ inputs: [a, b], outputs: [L.dot({ axes: 1 }).apply([a, b]), L.dot({ axes: 1, normalize: true }).apply([a, b])] });
} };
REFS.dot_rank3 = { build: () => {
  const a = tf.input({ shape: [3, 4] });
  const b = tf.input({ shape: [5, 4] });
  const c = tf.input({ shape: [3, 2] });
  return tf.model({ inputs: [a, b, c], outputs: [L.dot({ axes: [2, 2] }).apply([a, b]), L.dot({ axes: [1, 1], normalize: true }).apply([a, c])] });
} };
REFS.spatial_dropout = { build: () => {
  const ins = [tf.input({ shape: [3, 2] }), tf.input({ shape: [2, 2, 2] }), tf.input({ shape: [2, 1, 2, 2] })];
  const outs = [L.flatten().apply(L.spatialDropout1d({ rate: 0.5 }).apply(ins[0])), L.flatten().apply(ins[1]), L.flatten().apply(ins[2])];
  return tf.model({ inputs: ins, outputs: outs });
}, why: 'tfjs has SpatialDropout1D only; SpatialDropout2D/3D are identities at inference' };
// tfjs refuses to invoke a layer with an activity regularizer; at inference the regularizer only adds a loss.
REFS.activity_regularization = { build: (W) => seq([4], [L.dense({ units: 2 })], [[W['dense/kernel'], W['dense/bias']]]) };
REFS.activation_hard_sigmoid = {
  build: () => seq([6], [L.activation({ activation: 'hardSigmoid' })], []),
  why3: 'Keras 3 hard_sigmoid = relu6(x + 3) / 6',
  compute3: ([x]) => [tf.div(tf.relu6(tf.add(x, 3)), 6)],
};
REFS.activation_hard_silu = {
  why: 'Keras 2 has no hard_silu: x * clip(0.2 x + 0.5, 0, 1) (its hard_sigmoid)',
  compute: ([x]) => [tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1))],
  why3: 'Keras 3 hard_silu = x * relu6(x + 3) / 6',
  compute3: ([x]) => [tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6))],
};

// Keras' aspect-ratio crop box for a [N,H,W,C] image and target (th, tw), then the centred crop.
function aspectCrop(x, th, tw) {
  const [, h, w] = x.shape;
  const ch = Math.max(1, Math.min(h, Math.trunc(Math.fround(w * th) / tw)));
  const cw = Math.max(1, Math.min(w, Math.trunc(Math.fround(h * tw) / th)));
  return x.slice([0, Math.trunc((h - ch) / 2), Math.trunc((w - cw) / 2), 0], [-1, ch, cw, -1]);
}
REFS.resizing_crop_to_aspect_ratio = hand('tfjs Resizing has no crop_to_aspect_ratio: crop box ch = min(H, int(W th / tw)), ' +
  'cw = min(W, int(H tw / th)), centred (int((H - ch) / 2), int((W - cw) / 2)); then tf.image.resizeBilinear, halfPixelCenters',
  (x) => tf.image.resizeBilinear(aspectCrop(x, 2, 4), [2, 4], false, true));
REFS.center_crop = hand('tfjs has no CenterCrop: the centred [3,4] window, offsets int((5 - 3) / 2), int((6 - 4) / 2)',
  (x) => x.slice([0, Math.trunc((x.shape[1] - 3) / 2), Math.trunc((x.shape[2] - 4) / 2), 0], [-1, 3, 4, -1]));
REFS.center_crop_upsize = hand('tfjs has no CenterCrop: a target larger than the input goes through smart_resize, the ' +
  'aspect-ratio crop box then tf.image.resizeBilinear, halfPixelCenters',
  (x) => tf.image.resizeBilinear(aspectCrop(x, 4, 5), [4, 5], false, true));
REFS.hashing = hand('tfjs has no Hashing layer: tf.string.stringToHashBucketFast(x, 16) (tfjs-backend-cpu\'s own ' +
  'FarmHash Fingerprint64 port), as int64', (x) => tf.string.stringToHashBucketFast(x, 16));
// Keras IndexLookup with one OOV index and no mask: vocabulary[i] -> i + 1, anything else -> 0.
const lookupRef = (vocab) => ({
  why: `tfjs has no StringLookup/IntegerLookup: a dictionary from the vocabulary [${vocab}] to 1.., OOV -> 0`,
  compute: ([x]) => {
    const ids = Array.from(x.dataSync());
    const table = new Map(vocab.map((v, i) => [String(v), i + 1]));
    return [tf.tensor(ids.map((v) => table.get(String(v)) || 0), x.shape, 'int32')];
  },
});
REFS.string_lookup = lookupRef(['cat', 'dog', 'zebra', 'a b']);
REFS.integer_lookup = lookupRef([3, 7, 12, 2]);
REFS.discretization = hand('Bucketize: the number of boundaries [-1, 0, 1.5] that are <= x',
  (x) => tf.add(tf.add(tf.cast(tf.greaterEqual(x, -1), 'int32'), tf.cast(tf.greaterEqual(x, 0), 'int32')),
    tf.cast(tf.greaterEqual(x, 1.5), 'int32')));
REFS.category_encoding = hand('multi_hot: out[n][k] = 1 if token k occurs in row n',
  (x) => tf.cast(tf.greater(tf.sum(tf.oneHot(x, 6), 1), 0), 'float32'));

REFS.unit_normalization = hand('x / sqrt(max(sum(x^2), 1e-12)) on the last axis',
  (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12))));
REFS.group_normalization = {
  why: 'tfjs has no GroupNormalization: per sample and group of 2 channels, (x - mean) / sqrt(var + 1e-3) over ' +
    'the 6 steps x 2 channels (population variance), then * gamma + beta per channel',
  compute: ([x], W) => {
    const g = x.reshape([x.shape[0], 6, 2, 2]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const y = tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 0.001))).reshape(x.shape);
    return [tf.add(tf.mul(y, W['group_normalization/gamma']), W['group_normalization/beta'])];
  },
};
REFS.additive_attention = {
  why: 'tfjs has no AdditiveAttention: scores[i][j] = sum_d scale_d * tanh(q_i,d + v_j,d); softmax over j; times v',
  compute: ([q, v], W) => {
    const t = tf.tanh(tf.add(q.expandDims(2), v.expandDims(1)));
    const s = tf.sum(tf.mul(t, W['additive_attention/scale']), -1);
    return [tf.matMul(tf.softmax(s), v)];
  },
};
REFS.padding_cropping_upsampling1d = hand('tfjs has no 1D padding/cropping/upsampling layers: pad steps (1, 2) with ' +
  'zeros, drop one step at each end, repeat each step twice',
  (x) => {
    const c = tf.pad(x, [[0, 0], [1, 2], [0, 0]]).slice([0, 1, 0], [-1, 4, -1]);
    return tf.concat(tf.unstack(c, 1).flatMap((s) => [s.expandDims(1), s.expandDims(1)]), 1);
  });
REFS.conv1d_transpose = {
  why: 'tfjs has no Conv1DTranspose: the same kernel as a Conv2DTranspose over a height-1 image',
  compute: ([x], W) => {
    const k = W['conv1d_transpose/kernel'].expandDims(0);  // [1, 3, filters, in]
    const y = tf.conv2dTranspose(x.expandDims(1), k, [x.shape[0], 1, 8, 3], [1, 2], 'same');
    return [tf.add(y.squeeze([1]), W['conv1d_transpose/bias'])];
  },
};

REFS.separable_conv1d = {
  why: 'tfjs has no SeparableConv1D: tf.separableConv2d over a height-1 image with the expanded kernels, + bias',
  compute: ([x], W) => {
    const y = tf.separableConv2d(x.expandDims(1), W['separable_conv1d/depthwise_kernel'].expandDims(0),
      W['separable_conv1d/pointwise_kernel'].expandDims(0), 1, 'valid');
    return [tf.add(y.squeeze([1]), W['separable_conv1d/bias'])];
  },
};
REFS.average_pooling3d = { build: () => seq([4, 4, 4, 2], [L.averagePooling3d({ poolSize: 2, strides: 2 })], []) };
REFS.conv3d_transpose = { build: (W) => seq([2, 2, 2, 2], [L.conv3dTranspose({ filters: 3, kernelSize: 2, strides: 2, padding: 'valid' })],
  [[W['conv3d_transpose/kernel'], W['conv3d_transpose/bias']]]) };
REFS.padding_cropping3d = hand('tfjs has no 3D padding/cropping layers: pad each spatial axis by 1, then crop (1,0), (0,1), (1,1)',
  (x) => tf.pad(x, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]).slice([0, 1, 0, 1, 0], [-1, 3, 3, 3, -1]));

REFS.conv1d_causal = {
  why: 'tfjs conv1d has no causal padding: two zero steps in front, then a valid conv1d, + bias',
  compute: ([x], W) => [tf.add(tf.conv1d(tf.pad(x, [[0, 0], [2, 0], [0, 0]]), W['conv1d/kernel'], 1, 'valid'), W['conv1d/bias'])],
};
REFS.depthwise_conv1d = {
  why: 'tfjs has no DepthwiseConv1D: tf.depthwiseConv2d over a height-1 image, + bias',
  compute: ([x], W) => [tf.add(tf.depthwiseConv2d(x.expandDims(1), W['depthwise_conv1d/kernel'].expandDims(0), 1, 'valid').squeeze([1]),
    W['depthwise_conv1d/bias'])],
};
REFS.up_sampling3d = hand('tfjs has no UpSampling3D: every element repeated 2x along depth and 2x along width',
  (x) => {
    const rep = (t, axis) => tf.concat(tf.unstack(t, axis).flatMap((s) => [s.expandDims(axis), s.expandDims(axis)]), axis);
    return rep(rep(x, 1), 3);
  });

module.exports = { REFS, seq, L };
