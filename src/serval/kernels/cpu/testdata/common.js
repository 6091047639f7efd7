const tf = require('@tensorflow/tfjs');
function seq(n, m = 7, mod = 11, off = 5, div = 4) { const v = []; for (let i = 0; i < n; ++i) v.push(((i * m) % mod - off) / div); return v; }
function fmt(name, t) {
  const d = t.dataSync(); const parts = [];
  for (const x of d) { let s = Math.fround(x).toPrecision(9); if (!s.includes('.') && !s.includes('e')) s += '.0'; parts.push(s + 'f'); }
  console.log(`// shape [${t.shape.join(', ')}]\nconst std::vector<float> ${name} = {${parts.join(', ')}};`);
}
// dilate a filter [k..., I, O] along its spatial axes (zeros inserted) so an undilated op equals the dilated one
function dilateFilter(f, dil) {
  const a = f.arraySync(); const sp = dil.length;
  function rec(x, axis) {
    if (axis === sp) return x;
    const out = []; const d = dil[axis];
    const zero = JSON.parse(JSON.stringify(x[0])); const z = (y) => Array.isArray(y) ? y.map(z) : 0;
    for (let i = 0; i < x.length; ++i) { out.push(rec(x[i], axis + 1)); if (i + 1 < x.length) for (let j = 1; j < d; ++j) out.push(z(rec(x[i], axis + 1))); }
    return out;
  }
  return tf.tensor(rec(a, 0));
}
module.exports = { tf, seq, fmt, dilateFilter };
