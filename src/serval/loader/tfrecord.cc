#include "serval/loader/tfrecord.h"

#include <cstdio>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/crc32c.h"

namespace serval::loader {
namespace {

constexpr size_t kHeaderBytes = 8 + 4;  // length, masked crc of length
constexpr size_t kFooterBytes = 4;      // masked crc of data

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

}  // namespace

void AppendTFRecord(std::string_view data, std::string* out) {
  std::string header;
  PutFixed64(data.size(), &header);
  out->append(header);
  PutFixed32(crc32c::Mask(crc32c::Value(header)), out);
  out->append(data);
  PutFixed32(crc32c::Mask(crc32c::Value(data)), out);
}

Status WriteTFRecordFile(const std::string& path, const std::vector<std::string>& records) {
  std::string bytes;
  for (const std::string& r : records) AppendTFRecord(r, &bytes);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return InvalidArgument(StrCat("cannot create '", path, "'"));
  const bool written = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) return Internal(StrCat("cannot write '", path, "'"));
  return Status::Ok();
}

Result<bool> TFRecordReader::Next(std::string_view* record) {
  const size_t left = bytes_.size() - pos_;
  if (left == 0) return false;
  auto error = [&](const std::string& what) {
    return DataLoss(StrCat(name_, ": record ", index_, " (at byte ", pos_, "): ", what));
  };
  if (left < kHeaderBytes) {
    return error(StrCat("truncated header: ", left, " bytes left, a record header needs ", kHeaderBytes));
  }
  const char* p = bytes_.data() + pos_;
  const uint32_t want_len_crc = crc32c::Unmask(GetFixed32(p + 8));
  if (crc32c::Value(p, 8) != want_len_crc) return error("length crc mismatch (corrupt record header)");
  const uint64_t length = GetFixed64(p);
  // Compare without overflow: the record needs header + length + footer bytes.
  if (length > left - kHeaderBytes || left - kHeaderBytes - length < kFooterBytes) {
    return error(StrCat("truncated: the record declares ", length, " data bytes but only ", left - kHeaderBytes,
                        " bytes follow its header (data and a 4-byte crc are needed)"));
  }
  const char* data = p + kHeaderBytes;
  const uint32_t want_data_crc = crc32c::Unmask(GetFixed32(data + length));
  if (crc32c::Value(data, length) != want_data_crc) return error("data crc mismatch (corrupt record data)");
  *record = std::string_view(data, length);
  pos_ += kHeaderBytes + length + kFooterBytes;
  ++index_;
  return true;
}

Result<std::vector<std::string>> ReadTFRecordFile(const std::string& path, int64_t max_records) {
  SERVAL_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  TFRecordReader reader(bytes, path);
  std::vector<std::string> records;
  std::string_view record;
  while (true) {
    SERVAL_ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) break;
    if (static_cast<int64_t>(records.size()) >= max_records) {
      return ResourceExhausted(StrCat(path, ": more than ", max_records, " records"));
    }
    records.emplace_back(record);
  }
  return records;
}

}  // namespace serval::loader
