const { tf, seq, fmt, dilateFilter } = require('./common.js');
// grouped Conv2D: input depth 6, filter in-depth 2 -> 3 groups, 6 output channels
const XG = tf.tensor(seq(2 * 4 * 5 * 6), [2, 4, 5, 6]), FG = tf.tensor(seq(3 * 3 * 2 * 6, 5, 13, 6, 3), [3, 3, 2, 6]);
const xs = tf.split(XG, 3, 3), fs = tf.split(FG, 3, 3);
fmt('kGroupedSame', tf.concat(xs.map((x, i) => tf.conv2d(x, fs[i], 1, 'same')), 3));
fmt('kGroupedValidS2', tf.concat(xs.map((x, i) => tf.conv2d(x, fs[i], [1, 2], 'valid')), 3));
// Conv1D as Keras exports it: ExpandDims to [N, 1, W, C], filter [1, K, C, O]
const X1 = tf.tensor(seq(2 * 9 * 3), [2, 9, 3]), F1 = tf.tensor(seq(3 * 3 * 4, 5, 13, 6, 3), [3, 3, 4]);
fmt('kConv1DDil2Same', tf.conv1d(X1, F1, 1, 'same', 'NWC', 2));
fmt('kConv1DS2Valid', tf.conv1d(X1, F1, 2, 'valid'));
fmt('kConv1DCausalDil2', tf.conv1d(tf.pad(X1, [[0, 0], [4, 0], [0, 0]]), F1, 1, 'valid', 'NWC', 2));
// DepthwiseConv1D: depthwiseConv2d on [N, 1, W, C] with filter [1, K, C, M]
const FD = tf.tensor(seq(3 * 3 * 2, 5, 13, 6, 3), [1, 3, 3, 2]);
fmt('kDw1DDil2', tf.depthwiseConv2d(tf.reshape(X1, [2, 1, 9, 3]), FD, 1, 'same', 'NHWC', [1, 2]));
fmt('kDw1DS2', tf.depthwiseConv2d(tf.reshape(X1, [2, 1, 9, 3]), FD, [1, 2], 'valid'));
// Conv2DTranspose with dilation 2 = transpose with the zero-dilated filter; F [3,3,2,3] (out 2, in 3)
const F = tf.tensor(seq(54, 5, 13, 6, 3), [3, 3, 2, 3]);
const DY = tf.tensor(seq(2 * 3 * 3 * 3), [2, 3, 3, 3]);
fmt('kDeconvDil2Same', tf.conv2dTranspose(DY, dilateFilter(F, [2, 2]), [2, 3, 3, 2], 1, 'same'));
fmt('kDeconvDil2Valid', tf.conv2dTranspose(DY, dilateFilter(F, [2, 2]), [2, 7, 7, 2], 1, 'valid'));
fmt('kDeconvS2ValidOdd', tf.conv2dTranspose(DY, F, [2, 7, 7, 2], 2, 'valid'));
fmt('kDeconvS3Same', tf.conv2dTranspose(DY, F, [2, 9, 8, 2], [3, 3], 'same'));
