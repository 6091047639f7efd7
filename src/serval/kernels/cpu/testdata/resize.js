// Independent reference for ResizeBicubic / ResizeArea (double precision, exact cubic kernel), and
// tfjs for the bilinear / nearest modes Keras uses.
const { tf, seq, fmt } = require('./common.js');
function cubic(x, a) { x = Math.abs(x); if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1; if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; return 0; }
function taps(o, inN, scale, hp) {
  const src = hp ? (o + 0.5) * scale - 0.5 : o * scale; const f = Math.floor(src); const a = hp ? -0.5 : -0.75;
  const idx = [], w = [];
  const d = Math.round((src - f) * 1024) / 1024;  // TF samples the kernel at 1/1024 steps
  for (let k = -1; k <= 2; ++k) { const i = f + k; const ci = Math.min(inN - 1, Math.max(0, i)); idx.push(ci); w.push(hp && ci !== i ? 0 : cubic(d - k, a)); }
  if (hp) { const s = w.reduce((p, q) => p + q, 0); for (let k = 0; k < 4; ++k) w[k] /= s; }
  return [idx, w];
}
function scaleOf(inN, out, align) { return align && out > 1 ? (inN - 1) / (out - 1) : inN / out; }
function bicubic(x, shape, oh, ow, align, hp) {
  const [n, h, w, c] = shape; const out = [];
  const sh = scaleOf(h, oh, align), sw = scaleOf(w, ow, align);
  for (let b = 0; b < n; ++b) for (let y = 0; y < oh; ++y) { const [iy, wy] = taps(y, h, sh, hp);
    for (let xx = 0; xx < ow; ++xx) { const [ix, wx] = taps(xx, w, sw, hp);
      for (let ch = 0; ch < c; ++ch) { let s = 0; for (let r = 0; r < 4; ++r) for (let k = 0; k < 4; ++k) s += wy[r] * wx[k] * x[((b * h + iy[r]) * w + ix[k]) * c + ch]; out.push(s); } } }
  return tf.tensor(out, [n, oh, ow, c]);
}
// area: each output cell is the box [o*scale, (o+1)*scale) integrated over the piecewise-constant
// input (cells past the edge repeat the last one), divided by scale_h*scale_w.
function spans(o, inN, scale) { const lo = o * scale, hi = (o + 1) * scale; const r = [];
  for (let i = Math.floor(lo); i < Math.ceil(hi); ++i) r.push([Math.min(i, inN - 1), Math.min(i + 1, hi) - Math.max(i, lo)]); return r; }
function area(x, shape, oh, ow, align) {
  const [n, h, w, c] = shape; const out = []; const sh = scaleOf(h, oh, align), sw = scaleOf(w, ow, align);
  for (let b = 0; b < n; ++b) for (let y = 0; y < oh; ++y) for (let xx = 0; xx < ow; ++xx) for (let ch = 0; ch < c; ++ch) {
    let s = 0; for (const [iy, wy] of spans(y, h, sh)) for (const [ix, wx] of spans(xx, w, sw)) s += wy * wx * x[((b * h + iy) * w + ix) * c + ch];
    out.push(s / (sh * sw)); }
  return tf.tensor(out, [n, oh, ow, c]);
}
const X = seq(2 * 4 * 4 * 2);
fmt('kBicubicHalfPixelUp', bicubic(X, [2, 4, 4, 2], 8, 8, false, true));
fmt('kBicubicLegacyUp', bicubic(X, [2, 4, 4, 2], 8, 6, false, false));
fmt('kBicubicAlignCorners', bicubic(X, [2, 4, 4, 2], 7, 7, true, false));
fmt('kBicubicHalfPixelDown', bicubic(X, [2, 4, 4, 2], 2, 2, false, true));
fmt('kAreaDown43', area(X, [2, 4, 4, 2], 3, 3, false));
fmt('kAreaUp46', area(X, [2, 4, 4, 2], 6, 5, false));
fmt('kAreaAlign', area(X, [2, 4, 4, 2], 3, 2, true));
const XT = tf.tensor(X, [2, 4, 4, 2]);
fmt('kBilinearHalfPixel', tf.image.resizeBilinear(XT, [7, 6], false, true));
fmt('kNearestHalfPixel', tf.image.resizeNearestNeighbor(XT, [7, 6], false, true));
fmt('kNearestUp2', tf.image.resizeNearestNeighbor(XT, [8, 8], false, true));
