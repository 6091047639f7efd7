#include "serval/kernels/cpu/onednn_util.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace serval::kernels::cpu::onednn {

using dnnl::memory;

const dnnl::engine& Engine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& ThreadStream() {
  thread_local dnnl::stream stream(Engine());
  return stream;
}

dnnl::primitive_attr UserScratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

memory ThreadScratchpad(const memory::desc& md) {
  struct Buffer {
    void* data = nullptr;
    size_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buf;
  const size_t need = md.get_size();
  if (need > buf.size) {
    std::free(buf.data);
    buf.size = (need + 63) / 64 * 64;
    buf.data = std::aligned_alloc(64, buf.size);
  }
  return memory(md, Engine(), buf.data);
}

void Reorder(memory& src, memory& dst) {
  dnnl::reorder::primitive_desc pd(src, dst, UserScratchpadAttr());
  dnnl::stream& s = ThreadStream();
  dnnl::reorder(pd).execute(
      s, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}, {DNNL_ARG_SCRATCHPAD, ThreadScratchpad(pd.scratchpad_desc())}});
  s.wait();
}

Status FromDnnlError(const char* what, const dnnl::error& e) {
  return Internal(std::string(what) + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) + ": " + e.what());
}

Result<std::shared_ptr<const CachedPrimitive>> PrimitiveCache::GetOrCreate(const Key& key, const Maker& make) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) return it->second;
  SERVAL_ASSIGN_OR_RETURN(auto entry, make());
  if (map_.size() < kMaxEntries) map_.emplace(key, entry);
  return entry;
}

WeightPacker::WeightPacker(Tensor weights, memory::desc user_md) : weights_(std::move(weights)), user_md_(user_md) {}

Result<std::shared_ptr<const memory>> WeightPacker::Get(const memory::desc& want) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [md, mem] : packed_) {
    if (md == want) return mem;
  }
  try {
    // The user memory only reads the constant tensor; oneDNN's handle is non-const by API.
    memory user(user_md_, Engine(), const_cast<void*>(weights_.raw_data()));
    auto packed = std::make_shared<memory>(want, Engine());
    Reorder(user, *packed);
    packed_.emplace_back(want, packed);
    return std::shared_ptr<const memory>(packed);
  } catch (const dnnl::error& e) {
    return FromDnnlError("packing weights", e);
  }
}

namespace {
memory::desc MatrixDesc(int64_t rows, int64_t cols, bool transposed) {
  // A transposed operand is the row-major [cols, rows] buffer read column-major.
  return transposed ? memory::desc({rows, cols}, memory::data_type::f32, memory::dims{1, rows})
                    : memory::desc({rows, cols}, memory::data_type::f32, memory::dims{cols, 1});
}
}  // namespace

PackedMatMul::PackedMatMul(Tensor b, int64_t k, int64_t n, bool transpose_a, bool transpose_b)
    : k_(k), n_(n), transpose_a_(transpose_a), packer_(std::move(b), MatrixDesc(k, n, transpose_b)) {}

Status PackedMatMul::Run(const float* a, int64_t m, float* c) const {
  if (m == 0 || n_ == 0) return Status::Ok();
  if (k_ == 0) {
    std::fill(c, c + m * n_, 0.0f);
    return Status::Ok();
  }
  auto entry = cache_.GetOrCreate({m}, [&]() -> Result<std::shared_ptr<const CachedPrimitive>> {
    try {
      auto out = std::make_shared<CachedPrimitive>();
      out->src_md = MatrixDesc(m, k_, transpose_a_);
      out->dst_md = MatrixDesc(m, n_, false);
      memory::desc any_w({k_, n_}, memory::data_type::f32, memory::format_tag::any);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(out->src_md, any_w, out->dst_md), UserScratchpadAttr(),
                                      Engine());
      out->scratchpad_md = pd.scratchpad_desc();
      out->weights_md = pd.weights_desc();
      out->prim = dnnl::matmul(pd);
      SERVAL_ASSIGN_OR_RETURN(out->packed_weights, packer_.Get(out->weights_md));
      return std::shared_ptr<const CachedPrimitive>(out);
    } catch (const dnnl::error& e) {
      return FromDnnlError("MatMul: creating primitive", e);
    }
  });
  if (!entry.ok()) return entry.status();
  const CachedPrimitive& p = **entry;
  try {
    memory src(p.src_md, Engine(), const_cast<float*>(a));
    memory dst(p.dst_md, Engine(), c);
    dnnl::stream& s = ThreadStream();
    p.prim.execute(s, {{DNNL_ARG_SRC, src},
                       {DNNL_ARG_WEIGHTS, const_cast<memory&>(*p.packed_weights)},
                       {DNNL_ARG_DST, dst},
                       {DNNL_ARG_SCRATCHPAD, ThreadScratchpad(p.scratchpad_md)}});
    s.wait();
  } catch (const dnnl::error& e) {
    return FromDnnlError("MatMul", e);
  }
  return Status::Ok();
}

}  // namespace serval::kernels::cpu::onednn
