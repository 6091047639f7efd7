// An estimate of the memory a loaded version holds for its weights, for the
// serval_model_resident_bytes metric: the bytes of every checkpoint tensor (what restore reads
// into the variables) plus the bytes of every Const tensor the signatures and the init op reach
// (through node inputs and function calls; elements x element size for fixed-size types, the
// encoded size for strings). It leaves out pre-packed weight copies, planner buffers and
// allocator overhead, so the process RSS is larger.
#pragma once

#include <cstdint>

#include "serval/session/session.h"

namespace serval::servable {

int64_t EstimateResidentBytes(const session::Session& session);

}  // namespace serval::servable
