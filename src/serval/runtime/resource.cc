#include "serval/runtime/resource.h"

#include "serval/base/strings.h"

namespace serval::runtime {

bool Variable::initialized() const {
  std::shared_lock lock(mu_);
  return value_.valid();
}

Result<Tensor> Variable::Read() const {
  std::shared_lock lock(mu_);
  if (!value_.valid()) {
    return FailedPrecondition(StrCat("variable '", name_, "' was read before it was initialised (was it restored "
                                     "from the checkpoint?)"));
  }
  return value_;
}

void Variable::Assign(Tensor value) {
  std::unique_lock lock(mu_);
  if (value_.valid()) ++assignments_;
  value_ = std::move(value);
}

Result<Tensor> Variable::Update(const std::function<Result<Tensor>(const Tensor&)>& fn) {
  std::unique_lock lock(mu_);
  if (!value_.valid()) {
    return FailedPrecondition(StrCat("variable '", name_, "' was updated before it was initialised"));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor next, fn(value_));
  value_ = next;
  ++assignments_;
  return next;
}

int64_t Variable::writes() const {
  std::shared_lock lock(mu_);
  return assignments_;
}

std::string Variable::DebugString() const { return StrCat("Variable('", name_, "', ", DataTypeName(dtype_), ")"); }

Result<ObjectPtr> ResourceManager::LookupOrCreate(const std::string& container, const std::string& name,
                                                  const std::function<Result<ObjectPtr>()>& make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(container, name);
  auto it = resources_.find(key);
  if (it != resources_.end()) return it->second;
  SERVAL_ASSIGN_OR_RETURN(ObjectPtr obj, make());
  resources_.emplace(key, obj);
  return obj;
}

ObjectPtr ResourceManager::Lookup(const std::string& container, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = resources_.find({container, name});
  return it == resources_.end() ? nullptr : it->second;
}

}  // namespace serval::runtime
