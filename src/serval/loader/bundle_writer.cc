#include "serval/loader/bundle_writer.h"

#include <snappy.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "serval/loader/crc32c.h"
#include "serval/loader/table_format.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace serval::loader {
namespace {
using table_format::AppendBlock;
using table_format::BlockHandle;
using table_format::BuildBlock;
using table_format::PutFixed32;
using table_format::PutFixed64;
using table_format::PutVarint64;
}  // namespace

Status TableWriter::Add(std::string_view key, std::string_view value) {
  if (have_last_ && key <= std::string_view(last_key_)) {
    return InvalidArgument("table keys must be strictly increasing: '" + std::string(key) + "' after '" +
                           last_key_ + "'");
  }
  last_key_.assign(key);
  have_last_ = true;
  pending_bytes_ += key.size() + value.size() + 8;
  pending_.emplace_back(std::string(key), std::string(value));
  if (pending_bytes_ >= options_.block_size) FlushBlock();
  return Status::Ok();
}

void TableWriter::FlushBlock() {
  if (pending_.empty()) return;
  const std::string raw = BuildBlock(pending_, options_.restart_interval);
  BlockHandle h;
  std::string compressed;
  if (options_.snappy) snappy::Compress(raw.data(), raw.size(), &compressed);
  if (options_.snappy && compressed.size() < raw.size() - raw.size() / 8) {
    h = AppendBlock(&file_, compressed, 1);
  } else {
    h = AppendBlock(&file_, raw, 0);
  }
  // The separator is the block's last key: >= every key in it and < every key after it.
  index_.emplace_back(pending_.back().first, h.Encode());
  pending_.clear();
  pending_bytes_ = 0;
}

std::string TableWriter::Finish() {
  FlushBlock();
  const BlockHandle meta = AppendBlock(&file_, BuildBlock({}, options_.restart_interval), 0);
  const BlockHandle index = AppendBlock(&file_, BuildBlock(index_, 1), 0);
  std::string out = std::move(file_);
  out += table_format::EncodeFooter(meta, index);
  file_.clear();
  index_.clear();
  return out;
}

Status BundleWriter::Add(const std::string& key, const Tensor& tensor) {
  if (finished_) return FailedPrecondition("BundleWriter: Add after Finish");
  if (key.empty()) return InvalidArgument("BundleWriter: the empty key is reserved for the header");
  if (entries_.count(key)) return AlreadyExists("BundleWriter: duplicate key '" + key + "'");
  const DataType dt = tensor.dtype();
  Entry e{dt, tensor.shape().dims(), static_cast<int64_t>(data_.size()), 0, 0};
  if (IsFixedSize(dt)) {
    const size_t n = tensor.byte_size();
    const char* p = static_cast<const char*>(tensor.raw_data());
    data_.append(p, n);
    e.size = static_cast<int64_t>(n);
    e.masked_crc = crc32c::Mask(crc32c::Value(p, n));
  } else if (dt == DataType::kString) {
    // serving-spec §4.4: varint64 lengths, masked crc32c of the lengths, then the bytes. The entry
    // crc runs over each length as uint32 LE (uint64 when > 4 GiB), the 4 stored bytes, the bytes.
    auto values = tensor.flat<std::string>();
    std::string bytes;
    uint32_t crc = 0;
    for (const std::string& s : values) {
      PutVarint64(&bytes, s.size());
      std::string w;
      if (s.size() > UINT32_MAX) {
        PutFixed64(&w, s.size());
      } else {
        PutFixed32(&w, static_cast<uint32_t>(s.size()));
      }
      crc = crc32c::Extend(crc, w.data(), w.size());
    }
    std::string stored;
    PutFixed32(&stored, crc32c::Mask(crc));
    bytes += stored;
    crc = crc32c::Extend(crc, stored.data(), stored.size());
    for (const std::string& s : values) {
      bytes += s;
      crc = crc32c::Extend(crc, s.data(), s.size());
    }
    data_ += bytes;
    e.size = static_cast<int64_t>(bytes.size());
    e.masked_crc = crc32c::Mask(crc);
  } else {
    return Unimplemented("BundleWriter: cannot save '" + key + "' of dtype " + std::string(DataTypeName(dt)));
  }
  entries_.emplace(key, std::move(e));
  return Status::Ok();
}

Status BundleWriter::AddString(const std::string& key, std::string value) {
  Tensor t(DataType::kString, TensorShape{});
  t.scalar<std::string>() = std::move(value);
  return Add(key, t);
}

std::string BundleWriter::IndexBytes() const {
  TableWriter::Options topts;
  topts.snappy = options_.snappy;
  TableWriter table(topts);
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.mutable_version()->set_producer(1);
  (void)table.Add("", header.SerializeAsString());
  for (const auto& [key, e] : entries_) {
    tensorflow::BundleEntryProto p;
    p.set_dtype(static_cast<tensorflow::DataType>(e.dtype));
    auto* shape = p.mutable_shape();
    for (int64_t d : e.dims) shape->add_dim()->set_size(d);
    p.set_shard_id(0);
    p.set_offset(e.offset);
    p.set_size(e.size);
    p.set_crc32c(e.masked_crc);
    (void)table.Add(key, p.SerializeAsString());  // std::map order is bytewise and strictly increasing
  }
  return table.Finish();
}

Status BundleWriter::Finish() {
  if (finished_) return FailedPrecondition("BundleWriter: Finish called twice");
  finished_ = true;
  SERVAL_RETURN_IF_ERROR(WriteStringToFile(prefix_ + ".data-00000-of-00001", data_));
  return WriteStringToFile(prefix_ + ".index", IndexBytes());
}

Status WriteStringToFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Unavailable("cannot create '" + path + "': " + std::strerror(errno));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !wrote) {
    return Unavailable("cannot write '" + path + "': " + std::strerror(wrote ? errno : err));
  }
  return Status::Ok();
}

}  // namespace serval::loader
