const { tf } = require('./common.js');
const p = (n, t) => console.log(n, JSON.stringify(Array.from(t.dataSync())), JSON.stringify(t.shape));
const x1 = tf.tensor1d([1, 3, 3, 0, 7, 3, 1], 'int32');
p('bincount_w', tf.bincount(x1, tf.tensor1d([0.5, 1, 2, 0.25, 9, 4, 1.5]), 5));
p('bincount_nw', tf.bincount(x1, tf.tensor1d([], 'int32'), 5));
const x2 = tf.tensor2d([[0, 1, 1, 4], [2, 2, 2, 9]], [2, 4], 'int32');
p('dense2_count', tf.denseBincount(x2, tf.tensor2d([], [0, 0], 'float32').reshape([0]), 5));
p('dense2_binary', tf.denseBincount(x2, tf.tensor1d([], 'float32'), 5, true));
p('dense2_w', tf.denseBincount(x2, tf.tensor2d([[1, 2, 3, 4], [0.5, 0.25, 0.125, 8]]), 5));
