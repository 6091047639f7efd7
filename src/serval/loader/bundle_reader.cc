#include "serval/loader/bundle_reader.h"

#include <cstdio>
#include <cstring>
#include <utility>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/crc32c.h"
#include "serval/loader/table_reader.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace serval::loader {
namespace {

// TF's tensor bundle format version (kTensorBundleVersion); bundles needing a newer reader
// declare min_consumer above it.
constexpr int kBundleVersion = 1;
constexpr int kMaxShards = 100000;

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

std::string ShardPath(const std::string& prefix, int shard, int num_shards) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", shard, num_shards);
  return prefix + buf;
}

bool GetVarint64(std::string_view in, uint64_t* pos, uint64_t* out) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return false;
    const uint64_t byte = static_cast<unsigned char>(in[*pos]);
    ++*pos;
    if (shift == 63 && (byte & 0x7e) != 0) return false;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = result;
      return true;
    }
  }
  return false;
}

}  // namespace

struct BundleReader::Impl {
  std::string prefix;
  std::string index_path;
  int num_shards = 0;
  std::vector<std::string> keys;
  std::map<std::string, tensorflow::BundleEntryProto, std::less<>> entries;
  // Read with pread, not mapped: a shard truncated during the load is an error, not SIGBUS.
  std::vector<std::shared_ptr<const RandomAccessFile>> shards;  // null when no entry uses the shard

  Status Error(StatusCode code, const std::string& key, const std::string& what) const {
    return Status(code, StrCat("tensor bundle '", index_path, "': key '", key, "': ", what));
  }
  Result<BundleEntryInfo> Info(const std::string& key, const tensorflow::BundleEntryProto& e) const;
  Status ReadString(const std::string& key, const BundleEntryInfo& info, std::string_view bytes, uint32_t stored_crc,
                    Tensor* out) const;
};

BundleReader::BundleReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BundleReader::~BundleReader() = default;

Result<std::unique_ptr<BundleReader>> BundleReader::Open(const std::string& prefix) {
  auto impl = std::make_unique<Impl>();
  impl->prefix = prefix;
  impl->index_path = prefix + ".index";
  const std::string& path = impl->index_path;
  SERVAL_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path));
  SERVAL_ASSIGN_OR_RETURN(TableReader table, TableReader::Open(std::move(contents), path));

  bool have_header = false;
  tensorflow::BundleHeaderProto header;
  Status st = table.ForEach([&](std::string_view key, std::string_view value) -> Status {
    if (value.size() > static_cast<size_t>(INT32_MAX)) {
      return DataLoss(StrCat("tensor bundle '", path, "': key ", CEscape(key), ": value of ", value.size(),
                             " bytes is too large for a protobuf message"));
    }
    if (key.empty()) {
      if (!header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return DataLoss(StrCat("tensor bundle '", path, "': header entry (key \"\") is not a valid BundleHeaderProto (",
                               value.size(), " bytes)"));
      }
      have_header = true;
      return Status();
    }
    if (!have_header) {
      return DataLoss(
          StrCat("tensor bundle '", path, "': header entry (empty key) is missing; first key is ", CEscape(key)));
    }
    tensorflow::BundleEntryProto entry;
    if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return DataLoss(StrCat("tensor bundle '", path, "': key ", CEscape(key),
                             ": value is not a valid BundleEntryProto (", value.size(), " bytes)"));
    }
    impl->keys.emplace_back(key);
    impl->entries.emplace(std::string(key), std::move(entry));
    return Status();
  });
  SERVAL_RETURN_IF_ERROR(st);
  if (!have_header) {
    return DataLoss(StrCat("tensor bundle '", path, "': header entry (empty key) is missing; the table has ",
                           impl->keys.size(), " entries"));
  }
  if (header.num_shards() < 1 || header.num_shards() > kMaxShards) {
    return DataLoss(
        StrCat("tensor bundle '", path, "': header num_shards is ", header.num_shards(), "; expected 1..", kMaxShards));
  }
  if (header.endianness() != tensorflow::BundleHeaderProto::LITTLE) {
    return Unimplemented(StrCat("tensor bundle '", path, "': written with endianness ",
                                header.endianness() == tensorflow::BundleHeaderProto::BIG ? "BIG" : "unknown", " (",
                                static_cast<int>(header.endianness()), "); only little-endian bundles are supported"));
  }
  const auto& v = header.version();
  if (v.min_consumer() > kBundleVersion) {
    return Unimplemented(StrCat("tensor bundle '", path, "': format version requires a reader of version >= ",
                                v.min_consumer(), "; this reader is version ", kBundleVersion));
  }
  for (int bad : v.bad_consumers()) {
    if (bad == kBundleVersion) {
      return Unimplemented(StrCat("tensor bundle '", path, "': format version ", kBundleVersion,
                                  " is listed in the bundle's bad_consumers"));
    }
  }
  impl->num_shards = header.num_shards();
  impl->shards.resize(static_cast<size_t>(impl->num_shards));

  // Map every shard that an entry points at now, so a missing file fails the load, not a request.
  for (const auto& [key, e] : impl->entries) {
    if (e.slices_size() > 0) continue;
    if (e.shard_id() < 0 || e.shard_id() >= impl->num_shards) continue;  // reported by Read
    auto& slot = impl->shards[static_cast<size_t>(e.shard_id())];
    if (slot) continue;
    const std::string shard_path = ShardPath(prefix, e.shard_id(), impl->num_shards);
    auto opened = RandomAccessFile::Open(shard_path);
    if (!opened.ok()) {
      return Status(opened.status().code(), StrCat("tensor bundle '", path, "': data shard ", e.shard_id(), " of key '",
                                                   key, "': ", opened.status().message()));
    }
    slot = std::shared_ptr<const RandomAccessFile>(std::move(*opened));
  }
  return std::unique_ptr<BundleReader>(new BundleReader(std::move(impl)));
}

const std::vector<std::string>& BundleReader::keys() const { return impl_->keys; }

bool BundleReader::Contains(const std::string& key) const { return impl_->entries.count(key) > 0; }

Result<BundleEntryInfo> BundleReader::Impl::Info(const std::string& key, const tensorflow::BundleEntryProto& e) const {
  BundleEntryInfo info;
  info.sliced = e.slices_size() > 0;
  const int dt = static_cast<int>(e.dtype());
  if (!IsValidDataType(dt) || dt == static_cast<int>(DataType::kInvalid)) {
    return Error(StatusCode::kDataLoss, key, StrCat("invalid dtype ", dt));
  }
  info.dtype = static_cast<DataType>(dt);
  auto shape = ShapeFromProto(e.shape());
  if (!shape.ok()) {
    return Error(StatusCode::kDataLoss, key, StrCat("invalid shape: ", shape.status().message()));
  }
  info.shape = std::move(*shape);
  info.shard_id = e.shard_id();
  info.offset = e.offset();
  info.size = e.size();
  if (info.sliced) return info;  // the remaining fields are ignored for partitioned variables
  if (info.shard_id < 0 || info.shard_id >= num_shards) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("shard_id ", info.shard_id, " is out of range (the bundle has ", num_shards, " shards)"));
  }
  if (info.offset < 0 || info.size < 0) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("negative offset ", info.offset, " or size ", info.size, " in the data shard"));
  }
  return info;
}

Result<BundleEntryInfo> BundleReader::GetInfo(const std::string& key) const {
  auto it = impl_->entries.find(key);
  if (it == impl_->entries.end()) {
    return NotFound(
        StrCat("tensor bundle '", impl_->index_path, "': no key '", key, "' (", impl_->keys.size(), " keys)"));
  }
  return impl_->Info(key, it->second);
}

Result<Tensor> BundleReader::Read(const std::string& key) const {
  auto it = impl_->entries.find(key);
  if (it == impl_->entries.end()) {
    return NotFound(
        StrCat("tensor bundle '", impl_->index_path, "': no key '", key, "' (", impl_->keys.size(), " keys)"));
  }
  const tensorflow::BundleEntryProto& e = it->second;
  if (e.slices_size() > 0) {
    return impl_->Error(StatusCode::kUnimplemented, key,
                        StrCat("partitioned variable '", key, "' (", e.slices_size(), " slices) is not supported"));
  }
  SERVAL_ASSIGN_OR_RETURN(BundleEntryInfo info, impl_->Info(key, e));
  if (!IsFixedSize(info.dtype) && info.dtype != DataType::kString) {
    return impl_->Error(StatusCode::kUnimplemented, key,
                        StrCat("reading ", DataTypeName(info.dtype), " tensors from a bundle is not supported"));
  }
  const RandomAccessFile* shard = impl_->shards[static_cast<size_t>(info.shard_id)].get();
  if (shard == nullptr) {
    return impl_->Error(StatusCode::kInternal, key, StrCat("data shard ", info.shard_id, " was not opened"));
  }
  const uint64_t off = static_cast<uint64_t>(info.offset);
  const uint64_t size = static_cast<uint64_t>(info.size);
  if (off > shard->size() || size > shard->size() - off) {
    return impl_->Error(StatusCode::kDataLoss, key,
                        StrCat("bytes [", info.offset, ", offset + ", info.size, ") extend past the end of data file '",
                               shard->path(), "' (", shard->size(), " bytes)"));
  }
  const int64_t n = info.shape.num_elements();

  if (info.dtype == DataType::kString) {
    // At least one length byte per element: bounds the allocation by the file size.
    if (static_cast<uint64_t>(n) > size) {
      return impl_->Error(StatusCode::kDataLoss, key,
                          StrCat("DT_STRING", info.shape.ToString(), " has ", n, " elements but only ", size,
                                 " stored bytes in '", shard->path(), "'"));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(info.dtype, info.shape));
    std::string bytes(static_cast<size_t>(size), '\0');
    if (Status s = shard->ReadAt(off, bytes.size(), bytes.data()); !s.ok()) {
      return impl_->Error(StatusCode::kDataLoss, key, s.message());
    }
    SERVAL_RETURN_IF_ERROR(impl_->ReadString(key, info, bytes, e.crc32c(), &t));
    return t;
  }

  const uint64_t want = static_cast<uint64_t>(n) * DataTypeSize(info.dtype);  // n <= 2^40: no overflow
  if (size != want) {
    return impl_->Error(StatusCode::kDataLoss, key,
                        StrCat(DataTypeName(info.dtype), info.shape.ToString(), " needs ", want, " bytes (", n, " x ",
                               DataTypeSize(info.dtype), "), but the entry stores ", size, " bytes"));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(info.dtype, info.shape));
  char* data = static_cast<char*>(t.raw_data());
  if (size > 0) {
    if (Status s = shard->ReadAt(off, static_cast<size_t>(size), data); !s.ok()) {
      return impl_->Error(StatusCode::kDataLoss, key, s.message());
    }
  }
  const uint32_t actual = crc32c::Value(data, static_cast<size_t>(size));
  if (crc32c::Mask(actual) != e.crc32c()) {
    return impl_->Error(
        StatusCode::kDataLoss, key,
        StrCat("checksum mismatch in '", shard->path(), "' bytes [", off, ", ", off + size, "): stored masked crc32c ",
               Hex32(e.crc32c()), ", computed ", Hex32(crc32c::Mask(actual))));
  }
  if (info.dtype == DataType::kBool) {
    // Any nonzero byte is true; normalise so kernels can rely on 0/1.
    auto* p = static_cast<unsigned char*>(t.raw_data());
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] != 0 ? 1 : 0;
  }
  return t;
}

// Layout (serving-spec §4.4): varint64 length per element, fixed32 masked crc32c of the lengths
// (each hashed as uint32 LE, or uint64 LE when >= 2^32), then the string bytes. The entry crc
// runs over those length words, the 4 stored checksum bytes and all string bytes.
Status BundleReader::Impl::ReadString(const std::string& key, const BundleEntryInfo& info, std::string_view bytes,
                                      uint32_t stored_crc, Tensor* out) const {
  const std::string& file = shards[static_cast<size_t>(info.shard_id)]->path();
  auto strings = out->flat<std::string>();
  const size_t n = strings.size();
  std::vector<uint64_t> lengths(n);
  uint64_t pos = 0;
  uint32_t crc = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!GetVarint64(bytes, &pos, &len)) {
      return Error(StatusCode::kDataLoss, key,
                   StrCat("DT_STRING element ", i, ": truncated or invalid varint length at byte ", info.offset + pos,
                          " of '", file, "'"));
    }
    if (len > bytes.size() || total > bytes.size() - len) {
      return Error(StatusCode::kDataLoss, key,
                   StrCat("DT_STRING element ", i, ": length ", len, " extends past the entry's ", bytes.size(),
                          " bytes in '", file, "'"));
    }
    total += len;
    lengths[i] = len;
    if (len <= UINT32_MAX) {
      const uint32_t w = static_cast<uint32_t>(len);
      unsigned char le[4] = {static_cast<unsigned char>(w), static_cast<unsigned char>(w >> 8),
                             static_cast<unsigned char>(w >> 16), static_cast<unsigned char>(w >> 24)};
      crc = crc32c::Extend(crc, reinterpret_cast<const char*>(le), 4);
    } else {
      unsigned char le[8];
      for (int b = 0; b < 8; ++b) le[b] = static_cast<unsigned char>(len >> (8 * b));
      crc = crc32c::Extend(crc, reinterpret_cast<const char*>(le), 8);
    }
  }
  if (bytes.size() - pos < 4) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("DT_STRING: the 4-byte length checksum is missing (", bytes.size() - pos, " bytes left of ",
                        bytes.size(), ") in '", file, "'"));
  }
  const auto* c = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
  const uint32_t stored_len_crc =
      uint32_t{c[0]} | (uint32_t{c[1]} << 8) | (uint32_t{c[2]} << 16) | (uint32_t{c[3]} << 24);
  if (crc32c::Unmask(stored_len_crc) != crc) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("DT_STRING: checksum mismatch for the string lengths in '", file, "': stored masked crc32c ",
                        Hex32(stored_len_crc), ", computed ", Hex32(crc32c::Mask(crc))));
  }
  crc = crc32c::Extend(crc, bytes.data() + pos, 4);
  pos += 4;
  if (total != bytes.size() - pos) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("DT_STRING: string lengths add up to ", total, " bytes, but ", bytes.size() - pos,
                        " bytes follow the lengths in '", file, "' (entry size ", bytes.size(), ")"));
  }
  crc = crc32c::Extend(crc, bytes.data() + pos, total);
  if (crc32c::Mask(crc) != stored_crc) {
    return Error(StatusCode::kDataLoss, key,
                 StrCat("checksum mismatch in '", file, "' bytes [", info.offset, ", ", info.offset + info.size,
                        "): stored masked crc32c ", Hex32(stored_crc), ", computed ", Hex32(crc32c::Mask(crc))));
  }
  for (size_t i = 0; i < n; ++i) {
    strings[i].assign(bytes.data() + pos, lengths[i]);
    pos += lengths[i];
  }
  return Status();
}

}  // namespace serval::loader
