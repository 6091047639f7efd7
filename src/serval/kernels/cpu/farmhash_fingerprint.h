// FarmHash Fingerprint64 (farmhashna::Hash64), the hash TF's StringToHashBucketFast uses
// (tsl::Fingerprint64). Frozen forever: the values are part of saved models' semantics.
#pragma once

#include <cstdint>
#include <string_view>

namespace serval::kernels::cpu {

uint64_t FarmhashFingerprint64(std::string_view s);

}  // namespace serval::kernels::cpu
