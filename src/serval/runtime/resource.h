// Stateful objects shared by the kernels of one loaded model: variables and lookup tables live in
// a ResourceManager keyed by (container, shared_name), so VarHandleOp nodes in different plans
// (restore, init, each signature) reach the same variable. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::runtime {

// A resource variable (or TF1 ref variable). Reads return a shared snapshot; writes replace the
// value under the lock, so a concurrent reader keeps the old tensor alive (copy-on-write).
class Variable : public Object {
 public:
  Variable(DataType dtype, std::string name) : dtype_(dtype), name_(std::move(name)) {}
  DataType dtype() const { return dtype_; }
  const std::string& name() const { return name_; }
  bool initialized() const;
  Result<Tensor> Read() const;  // FailedPrecondition if never assigned
  void Assign(Tensor value);
  // Runs fn(current value) -> new value atomically (AssignAdd and friends; serialises updates).
  Result<Tensor> Update(const std::function<Result<Tensor>(const Tensor&)>& fn);
  // Number of assignments after the first: a read-only variable stays at 0 after restore.
  int64_t writes() const;
  std::string DebugString() const override;

 private:
  DataType dtype_;
  std::string name_;
  mutable std::shared_mutex mu_;
  Tensor value_;
  int64_t assignments_ = 0;
};

class ResourceManager {
 public:
  // Returns the existing resource under key, or stores and returns make().
  Result<ObjectPtr> LookupOrCreate(const std::string& container, const std::string& name,
                                   const std::function<Result<ObjectPtr>()>& make);
  ObjectPtr Lookup(const std::string& container, const std::string& name) const;
  template <typename T>
  std::vector<std::shared_ptr<T>> All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<T>> out;
    for (const auto& [k, v] : resources_)
      if (auto t = std::dynamic_pointer_cast<T>(v)) out.push_back(std::move(t));
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, ObjectPtr> resources_;
};

// The checkpoint a RestoreV2 kernel reads from (the session adapts the loader's BundleReader).
class CheckpointSource {
 public:
  virtual ~CheckpointSource() = default;
  virtual Result<Tensor> Read(const std::string& key) const = 0;
};

}  // namespace serval::runtime
