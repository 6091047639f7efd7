#include "serval/kernels/cpu/matmul_util.h"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <unordered_map>

namespace serval::kernels::cpu {
namespace {

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
void EigenMatMul(const T* a, const T* b, T* c, const BatchMatMulPlan& p) {
  const int64_t a_rows = p.transpose_a ? p.k : p.m, a_cols = p.transpose_a ? p.m : p.k;
  const int64_t b_rows = p.transpose_b ? p.n : p.k, b_cols = p.transpose_b ? p.k : p.n;
  Eigen::Map<const RowMat<T>> A(a, a_rows, a_cols);
  Eigen::Map<const RowMat<T>> B(b, b_rows, b_cols);
  Eigen::Map<RowMat<T>> C(c, p.m, p.n);
  if (!p.transpose_a && !p.transpose_b) C.noalias() = A * B;
  if (!p.transpose_a && p.transpose_b) C.noalias() = A * B.transpose();
  if (p.transpose_a && !p.transpose_b) C.noalias() = A.transpose() * B;
  if (p.transpose_a && p.transpose_b) C.noalias() = A.transpose() * B.transpose();
}

// Signed overflow is UB in C++; TF's Eigen kernels wrap in practice, so multiply-add unsigned.
template <typename T>
void IntMatMul(const T* a, const T* b, T* c, const BatchMatMulPlan& p) {
  using U = std::make_unsigned_t<T>;
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      U acc = 0;
      for (int64_t l = 0; l < p.k; ++l) {
        U x = static_cast<U>(p.transpose_a ? a[l * p.m + i] : a[i * p.k + l]);
        U y = static_cast<U>(p.transpose_b ? b[j * p.k + l] : b[l * p.n + j]);
        acc += x * y;
      }
      c[i * p.n + j] = static_cast<T>(acc);
    }
  }
}

template <typename T, typename In>
void RunTyped(const BatchMatMulPlan& p, const In* a, const In* b, In* c) {
  const int64_t a_size = p.m * p.k, b_size = p.k * p.n, c_size = p.m * p.n;
  for (int64_t i = 0; i < p.batch; ++i) {
    const int64_t ia = p.a_index.empty() ? i : p.a_index[static_cast<size_t>(i)];
    const int64_t ib = p.b_index.empty() ? i : p.b_index[static_cast<size_t>(i)];
    if constexpr (std::is_integral_v<T>) {
      IntMatMul<T>(a + ia * a_size, b + ib * b_size, c + i * c_size, p);
    } else {
      EigenMatMul<T>(a + ia * a_size, b + ib * b_size, c + i * c_size, p);
    }
  }
}

std::vector<float> HalfToFloatVec(const Tensor& t) {
  auto in = t.flat<Half>();
  std::vector<float> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = HalfToFloat(in[i]);
  return out;
}

}  // namespace

bool IsMatMulDtype(DataType dt) {
  return dt == DataType::kFloat || dt == DataType::kDouble || dt == DataType::kHalf || dt == DataType::kInt32 ||
         dt == DataType::kInt64;
}

Status RunBatchMatMul(const BatchMatMulPlan& p, const Tensor& a, const Tensor& b, Tensor& out) {
  if (p.batch == 0 || p.m == 0 || p.n == 0) return Status::Ok();
  switch (a.dtype()) {
    case DataType::kFloat:
      RunTyped<float>(p, a.flat<float>().data(), b.flat<float>().data(), out.flat<float>().data());
      return Status::Ok();
    case DataType::kDouble:
      RunTyped<double>(p, a.flat<double>().data(), b.flat<double>().data(), out.flat<double>().data());
      return Status::Ok();
    case DataType::kInt32:
      RunTyped<int32_t>(p, a.flat<int32_t>().data(), b.flat<int32_t>().data(), out.flat<int32_t>().data());
      return Status::Ok();
    case DataType::kInt64:
      RunTyped<int64_t>(p, a.flat<int64_t>().data(), b.flat<int64_t>().data(), out.flat<int64_t>().data());
      return Status::Ok();
    case DataType::kHalf: {
      std::vector<float> af = HalfToFloatVec(a), bf = HalfToFloatVec(b);
      std::vector<float> cf(static_cast<size_t>(out.num_elements()));
      RunTyped<float>(p, af.data(), bf.data(), cf.data());
      auto o = out.flat<Half>();
      for (size_t i = 0; i < cf.size(); ++i) o[i] = FloatToHalf(cf[i]);
      return Status::Ok();
    }
    default:
      return Unimplemented(std::string("matmul: unsupported dtype ") + std::string(DataTypeName(a.dtype())));
  }
}

Tensor TransposeTensor(const Tensor& in, const std::vector<int>& perm) {
  const int r = in.rank();
  bool identity = true;
  for (int i = 0; i < r; ++i) identity = identity && perm[static_cast<size_t>(i)] == i;
  if (identity) return in;
  std::vector<int64_t> out_dims(static_cast<size_t>(r));
  std::vector<int64_t> in_strides(static_cast<size_t>(r), 1);
  for (int i = r - 2; i >= 0; --i)
    in_strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(i + 1)] * in.dim(i + 1);
  std::vector<int64_t> src_stride(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) {
    out_dims[static_cast<size_t>(i)] = in.dim(perm[static_cast<size_t>(i)]);
    src_stride[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  Tensor out(in.dtype(), TensorShape(out_dims));
  const int64_t n = in.num_elements();
  if (n == 0) return out;
  const size_t es = DataTypeSize(in.dtype());
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * es, src + static_cast<size_t>(off) * es, es);
    for (int d = r - 1; d >= 0; --d) {
      const size_t ud = static_cast<size_t>(d);
      ++idx[ud];
      off += src_stride[ud];
      if (idx[ud] < out_dims[ud]) break;
      off -= src_stride[ud] * out_dims[ud];
      idx[ud] = 0;
    }
  }
  return out;
}

// --- DenseMatMul ---------------------------------------------------------------------------------

namespace {

using dnnl::memory;

memory::desc MatrixDesc(int64_t rows, int64_t cols, bool transposed) {
  // A transposed operand is the row-major [cols, rows] buffer read column-major.
  return transposed ? memory::desc({rows, cols}, memory::data_type::f32, memory::dims{1, rows})
                    : memory::desc({rows, cols}, memory::data_type::f32, memory::dims{cols, 1});
}

std::atomic<uint64_t> g_next_dense_id{1};

struct ThreadKey {
  uint64_t id;
  int64_t m;
  bool operator==(const ThreadKey& o) const { return id == o.id && m == o.m; }
};
struct ThreadKeyHash {
  size_t operator()(const ThreadKey& k) const {
    return static_cast<size_t>(k.id * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(k.m));
  }
};
struct ThreadEntry {
  std::weak_ptr<const onednn::CachedPrimitive> prim;
  memory src, dst, scratchpad;
};

// One per thread: the memory objects of every (instance, M) this thread ran, and one scratchpad
// buffer shared by all of them (a thread runs one primitive at a time).
struct ThreadState {
  std::unordered_map<ThreadKey, ThreadEntry, ThreadKeyHash> entries;
  void* scratch = nullptr;
  size_t scratch_size = 0;
  ThreadState() { Grow(64); }
  ~ThreadState() {
    entries.clear();
    std::free(scratch);
  }
  void Grow(size_t need) {
    if (need <= scratch_size) return;
    std::free(scratch);
    scratch_size = (need + 63) / 64 * 64;
    scratch = std::aligned_alloc(64, scratch_size);
  }
};

ThreadState& DenseThreadState() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

DenseMatMul::DenseMatMul(Tensor b, int64_t k, int64_t n, bool transpose_a, bool transpose_b)
    : id_(g_next_dense_id.fetch_add(1, std::memory_order_relaxed)),
      k_(k),
      n_(n),
      transpose_a_(transpose_a),
      packer_(std::move(b), MatrixDesc(k, n, transpose_b)) {}

Result<std::shared_ptr<const onednn::CachedPrimitive>> DenseMatMul::Primitive(int64_t m) const {
  return cache_.GetOrCreate({m}, [&]() -> Result<std::shared_ptr<const onednn::CachedPrimitive>> {
    try {
      auto out = std::make_shared<onednn::CachedPrimitive>();
      out->src_md = MatrixDesc(m, k_, transpose_a_);
      out->dst_md = MatrixDesc(m, n_, false);
      memory::desc any_w({k_, n_}, memory::data_type::f32, memory::format_tag::any);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(out->src_md, any_w, out->dst_md),
                                      onednn::UserScratchpadAttr(), onednn::Engine());
      out->scratchpad_md = pd.scratchpad_desc();
      out->weights_md = pd.weights_desc();
      out->prim = dnnl::matmul(pd);
      SERVAL_ASSIGN_OR_RETURN(out->packed_weights, packer_.Get(out->weights_md));
      return std::shared_ptr<const onednn::CachedPrimitive>(out);
    } catch (const dnnl::error& e) {
      return onednn::FromDnnlError("MatMul: creating primitive", e);
    }
  });
}

Status DenseMatMul::Run(const float* a, int64_t m, float* c) const {
  if (m == 0 || n_ == 0) return Status::Ok();
  if (k_ == 0) {
    std::fill(c, c + m * n_, 0.0f);
    return Status::Ok();
  }
  ThreadState& state = DenseThreadState();
  try {
    auto it = state.entries.find(ThreadKey{id_, m});
    std::shared_ptr<const onednn::CachedPrimitive> prim;
    if (it != state.entries.end()) prim = it->second.prim.lock();
    if (!prim) {
      // First call of this thread for (instance, M), or the shared cache did not keep the
      // primitive (more than PrimitiveCache::kMaxEntries shapes).
      SERVAL_ASSIGN_OR_RETURN(prim, Primitive(m));
      if (it == state.entries.end()) {
        if (state.entries.size() >= kMaxThreadEntries) state.entries.clear();
        it = state.entries.emplace(ThreadKey{id_, m}, ThreadEntry{}).first;
      }
      // The primitive is recorded last: an entry whose memory objects failed to build is retried.
      it->second.prim.reset();
      it->second.src = memory(prim->src_md, onednn::Engine(), const_cast<float*>(a));
      it->second.dst = memory(prim->dst_md, onednn::Engine(), c);
      it->second.scratchpad = memory(prim->scratchpad_md, onednn::Engine(), state.scratch);
      it->second.prim = prim;
    }
    ThreadEntry& e = it->second;
    state.Grow(prim->scratchpad_md.get_size());
    e.src.set_data_handle(const_cast<float*>(a));
    e.dst.set_data_handle(c);
    e.scratchpad.set_data_handle(state.scratch);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, e.src.get()},
                               {DNNL_ARG_WEIGHTS, prim->packed_weights->get()},
                               {DNNL_ARG_DST, e.dst.get()},
                               {DNNL_ARG_SCRATCHPAD, e.scratchpad.get()}};
    dnnl::stream& s = onednn::ThreadStream();
    dnnl::error::wrap_c_api(dnnl_primitive_execute(prim->prim.get(), s.get(), 4, args), "could not execute MatMul");
    s.wait();
  } catch (const dnnl::error& e) {
    return onednn::FromDnnlError("MatMul", e);
  }
  return Status::Ok();
}

}  // namespace serval::kernels::cpu
