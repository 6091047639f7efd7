const { tf, seq, fmt } = require('./common.js');
const X = tf.tensor(seq(2 * 5 * 6 * 3), [2, 5, 6, 3]);
fmt('kS2BPadded', tf.spaceToBatchND(X, [2, 3], [[1, 0], [2, 1]]));
const Y = tf.tensor(seq(12 * 2 * 3 * 2), [12, 2, 3, 2]);
fmt('kB2SCropped', tf.batchToSpaceND(Y, [2, 3], [[1, 0], [2, 1]]));
const Z = tf.tensor(seq(2 * 7 * 2), [2, 7, 2]);
fmt('kS2B1D', tf.spaceToBatchND(Z, [2], [[0, 1]]));
