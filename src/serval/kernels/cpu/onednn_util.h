// oneDNN plumbing for the matmul and convolution kernels (owner: matmul/conv/pool/norm/image
// family). One CPU engine per process; one dnnl::stream per calling thread, because a primitive
// may run concurrently from many threads only with per-thread streams and memory objects.
// Constant weights are reordered once into whatever layout the primitive prefers
// (format_tag::any) and shared read-only; primitives are cached per input shape, since the batch
// size varies per request.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu::onednn {

const dnnl::engine& Engine();
// The calling thread's stream (created on first use).
dnnl::stream& ThreadStream();

// Reorders src into dst on the calling thread's stream with a per-thread scratchpad (throws
// dnnl::error like the rest of the API).
void Reorder(dnnl::memory& src, dnnl::memory& dst);

// Turns a dnnl::error caught in `what` into an Internal status.
Status FromDnnlError(const char* what, const dnnl::error& e);

// Primitives are built with scratchpad_mode::user: the library-managed scratchpad is shared and
// not safe when one primitive runs on several threads at once (DNNL_ENABLE_CONCURRENT_EXEC is off
// in Debian's build). Each execution passes ThreadScratchpad(md) instead.
dnnl::primitive_attr UserScratchpadAttr();
// A scratchpad memory for `md` backed by a per-thread buffer (grown on demand).
dnnl::memory ThreadScratchpad(const dnnl::memory::desc& md);

// One primitive for one input shape, with the layouts it was built for.
struct CachedPrimitive {
  dnnl::primitive prim;
  dnnl::memory::desc src_md;
  dnnl::memory::desc weights_md;  // the layout the primitive wants its weights in
  dnnl::memory::desc dst_md;
  dnnl::memory::desc scratchpad_md;
  std::shared_ptr<const dnnl::memory> packed_weights;  // set when the weights are constant
};

// A small mutex-protected map from a shape key to a primitive. Bounded: past kMaxEntries new shapes
// are built per call and not kept (a hostile client cycling shapes cannot grow memory).
class PrimitiveCache {
 public:
  using Key = std::vector<int64_t>;
  using Maker = std::function<Result<std::shared_ptr<const CachedPrimitive>>()>;
  static constexpr size_t kMaxEntries = 64;

  Result<std::shared_ptr<const CachedPrimitive>> GetOrCreate(const Key& key, const Maker& make) const;

 private:
  mutable std::mutex mu_;
  mutable std::map<Key, std::shared_ptr<const CachedPrimitive>> map_;
};

// Constant weights in their user layout, plus their reorders into primitive-preferred layouts
// (usually one: the chosen layout rarely depends on the batch size).
class WeightPacker {
 public:
  // `weights` must be a float tensor; `user_md` describes its bytes. The Tensor is kept alive.
  WeightPacker(Tensor weights, dnnl::memory::desc user_md);
  // Shared, read-only memory in layout `want` (reordered once per distinct layout).
  Result<std::shared_ptr<const dnnl::memory>> Get(const dnnl::memory::desc& want) const;

 private:
  Tensor weights_;
  dnnl::memory::desc user_md_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<dnnl::memory::desc, std::shared_ptr<const dnnl::memory>>> packed_;
};

// C[M,N] = op(A)[M,K] * op(B)[K,N] in float with B constant and pre-packed. A is row-major
// [M,K] (or [K,M] when transpose_a); B is row-major [K,N] (or [N,K] when transpose_b).
// Thread-safe; one primitive per distinct M.
class PackedMatMul {
 public:
  PackedMatMul(Tensor b, int64_t k, int64_t n, bool transpose_a, bool transpose_b);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  Status Run(const float* a, int64_t m, float* c) const;

 private:
  int64_t k_, n_;
  bool transpose_a_;
  WeightPacker packer_;
  PrimitiveCache cache_;
};

}  // namespace serval::kernels::cpu::onednn
