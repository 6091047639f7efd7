const { tf, seq, fmt } = require('./common.js');
const X = tf.tensor(seq(96), [1, 3, 4, 4, 2]), F = tf.tensor(seq(108, 5, 13, 6, 3), [2, 3, 3, 2, 3]);
fmt('kConv3DSame', tf.conv3d(X, F, 1, 'same'));
const X2 = tf.tensor(seq(400), [2, 4, 5, 5, 2]);
fmt('kConv3DValidStrided', tf.conv3d(X2, F, [2, 1, 2], 'valid'));
fmt('kConv3DDilated', tf.conv3d(X2, F, 1, 'same', 'NDHWC', [1, 2, 1]));
// grouped: input depth 4 = 2 groups of the filter's 2; output channels 4 (2 per group)
const XG = tf.tensor(seq(128), [1, 2, 4, 4, 4]), FG = tf.tensor(seq(144, 5, 13, 6, 3), [2, 3, 3, 2, 4]);
const xs = tf.split(XG, 2, 4), fs = tf.split(FG, 2, 4);
fmt('kConv3DGrouped', tf.concat([tf.conv3d(xs[0], fs[0], 1, 'same'), tf.conv3d(xs[1], fs[1], 1, 'same')], 4));
const DY = tf.tensor(seq(24), [1, 2, 2, 2, 3]);
fmt('kDeconv3DSameS2', tf.conv3dTranspose(DY, F, [1, 4, 4, 4, 2], 2, 'same'));
const DY2 = tf.tensor(seq(2 * 2 * 2 * 3 * 3), [2, 2, 2, 3, 3]);
fmt('kDeconv3DValid', tf.conv3dTranspose(DY2, F, [2, 3, 4, 5, 2], 1, 'valid'));
const P = tf.tensor(seq(2 * 4 * 5 * 5 * 3), [2, 4, 5, 5, 3]);
fmt('kMaxPool3DSame', tf.maxPool3d(P, [2, 3, 2], [2, 2, 1], 'same'));
fmt('kAvgPool3DSame', tf.avgPool3d(P, [2, 3, 2], [2, 2, 1], 'same'));
fmt('kAvgPool3DValid', tf.avgPool3d(P, [3, 2, 2], [1, 2, 3], 'valid'));
fmt('kMaxPool3DValid', tf.maxPool3d(P, [3, 2, 2], [1, 2, 3], 'valid'));
