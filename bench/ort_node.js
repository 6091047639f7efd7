// onnxruntime-node from Node, for reference next to the C API numbers (same .onnx files).
// usage: NODE_PATH=<dir>/node_modules node ort_node.js <onnx_dir> <seconds per case> <threads> <model>...
// Prints one JSON object per line: {model, batch, threads, iterations, p50_us, p99_us}.
'use strict';
const ort = require('onnxruntime-node');
const path = require('path');

const [onnxDir, secondsArg, threadsArg, ...models] = process.argv.slice(2);
const seconds = Number(secondsArg);
const threads = Number(threadsArg);
const shapes = {
  keras_mlp_stock: [10], keras_subclassed_mlp: [15], cppflow_load_model: [5],
  keras_lstm_stock: [60, 1], mlp784: [784], cnn: [30, 30, 3],
};

async function main() {
  for (const model of models) {
    const session = await ort.InferenceSession.create(path.join(onnxDir, model + '.onnx'), {
      intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
    for (const batch of [1, 32]) {
      const dims = [batch, ...shapes[model]];
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      let seed = 12345;
      for (let i = 0; i < data.length; i++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        data[i] = (seed >>> 8) / 16777216 - 0.5;
      }
      const feeds = { x: new ort.Tensor('float32', data, dims) };
      for (let i = 0; i < 20; i++) await session.run(feeds);  // warm-up
      const us = [];
      const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
      while (process.hrtime.bigint() < end) {
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        us.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      us.sort((a, b) => a - b);
      const at = (q) => us[Math.min(us.length - 1, Math.floor(q * us.length))];
      console.log(JSON.stringify({ model, batch, threads, iterations: us.length, p50_us: at(0.5), p99_us: at(0.99) }));
    }
    await session.release();
  }
}

main().catch((e) => { console.error('ort_node: ' + e.message); process.exit(1); });
