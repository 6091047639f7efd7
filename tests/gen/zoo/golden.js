#!/usr/bin/env node
// Independent goldens for the Keras layer zoo (tools/serval_zoo): for every case in cases.json
// (written by `serval_zoo <dir>`), build the same Keras layer with TensorFlow.js's Layers API and
// the same weights, run it on batch-1 and batch-3 inputs, and write
// goldens/<case>.b<batch>.json in the fixtures' golden format (signature serving_default, Keras 2
// keys; tests/gen/zoo/run_zoo.py maps them to the Keras 3 keys).
// Where tfjs lacks the layer or option, REFS computes it by hand with tfjs-core tensor math (said
// in the case's "oracle"). Nothing here reads the SavedModels or uses Serval code.
//
//   npm install --prefix /tmp/zoo_npm @tensorflow/tfjs@4.22.0   (tooling only; CI needs no npm)
//   NODE_PATH=/tmp/zoo_npm/node_modules node tests/gen/zoo/golden.js build/zoo/cases.json tests/gen/zoo/goldens
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const refs = require('./golden_refs.js');

// Inputs: multiples of 1/128 (exact in float32) in [lo, hi]; integers in [lo, hi]; words from vocab.
function hash(s) {
  let h = 2166136261;
  for (const ch of s) { h ^= ch.charCodeAt(0); h = Math.imul(h, 16777619) >>> 0; }
  return h;
}
function makeData(spec, batch, seed) {
  let state = seed >>> 0;
  const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 4294967296; };
  const n = batch * spec.shape.reduce((a, b) => a * b, 1);
  const flat = [];
  for (let i = 0; i < n; ++i) {
    const u = next();
    if (spec.vocab.length) flat.push(spec.vocab[Math.floor(u * spec.vocab.length)]);
    else if (spec.dtype === 'DT_FLOAT') flat.push(Math.round((spec.lo + (spec.hi - spec.lo) * u) * 128) / 128);
    else flat.push(Math.floor(spec.lo + (spec.hi - spec.lo + 1) * u));
  }
  return flat;
}
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat.slice(0, shape[0]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  const out = [];
  for (let i = 0; i < shape[0]; ++i) out.push(nest(flat.slice(i * inner, (i + 1) * inner), shape.slice(1)));
  return out;
}
const TFJS_DTYPE = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_INT64: 'int32', DT_STRING: 'string', DT_BOOL: 'bool' };

function main() {
  const [casesPath, outDir] = process.argv.slice(2);
  const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  const only = process.argv[4];
  let written = 0;
  const missing = [];
  for (const c of cases) {
    if (only && c.name !== only) continue;
    const ref = refs.REFS[c.name];
    if (!ref) { missing.push(c.name); continue; }
    const W = {};
    for (const [k, v] of Object.entries(c.weights)) W[k] = tf.tensor(v.data, v.shape, 'float32');
    const model = ref.build ? ref.build(W) : null;
    for (const batch of c.batches) {
      const inputs = {};
      const tensors = c.inputs.map((spec, i) => {
        const shape = [batch, ...spec.shape];
        const flat = makeData(spec, batch, hash(c.name) + 7919 * i + 104729 * batch);
        const json = spec.dtype === 'DT_BOOL' ? flat.map((v) => v !== 0) : flat;
        inputs[spec.key] = { dtype: spec.dtype, shape, data: nest(json, shape) };
        return tf.tensor(flat, shape, TFJS_DTYPE[spec.dtype]);
      });
      let outs = model ? model.predict(tensors.length === 1 ? tensors[0] : tensors) : ref.compute(tensors, W);
      if (!Array.isArray(outs)) outs = [outs];
      const toJson = (ts) => {
        const outputs = {};
        c.outputs.forEach((o, k) => {
          const t = ts[k];
          const flat = Array.from(t.dataSync());
          outputs[o.key] = { dtype: o.dtype, shape: t.shape, data: nest(flat, t.shape) };
        });
        return outputs;
      };
      const outputs = toJson(outs);
      const golden = {
        model: c.name, version: '1', signature: 'serving_default',
        oracle: ref.build ? 'tfjs-layers-4.22' : 'hand (tfjs-core 4.22 tensor math): ' + (ref.why || ''),
        inputs, outputs, rtol: c.rtol, atol: c.atol,
      };
      // Where Keras 3 defines the layer differently from Keras 2, the Keras 3 structure's expected
      // outputs (run_zoo.py uses them for the keras3 model).
      if (ref.compute3) {
        let outs3 = ref.compute3(tensors, W);
        if (!Array.isArray(outs3)) outs3 = [outs3];
        golden.keras3_outputs = toJson(outs3);
        golden.oracle += '; keras3_outputs: hand (tfjs-core 4.22 tensor math): ' + ref.why3;
      }
      fs.writeFileSync(path.join(outDir, `${c.name}.b${batch}.json`), JSON.stringify(golden) + '\n');
      ++written;
    }
  }
  console.log(`wrote ${written} golden files; no reference for: ${missing.join(' ') || 'none'}`);
}

main();
