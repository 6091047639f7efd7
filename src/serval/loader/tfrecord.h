// TFRecord framing (TensorFlow's tf.io.TFRecordWriter, uncompressed), the container of TF
// Serving's warmup file. Each record is
//   uint64 length (LE) | uint32 masked crc32c(length bytes) | data[length] | uint32 masked crc32c(data)
// The reader checks both checksums and every bound before it touches the data, so any byte string
// gives either records or a DataLoss error naming the file and the record index; it never reads
// out of bounds. Stateless functions and a reader over caller-owned bytes; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"

namespace serval::loader {

// Appends one framed record to *out.
void AppendTFRecord(std::string_view data, std::string* out);

// Writes the records as a new TFRecord file (replacing any file at `path`).
Status WriteTFRecordFile(const std::string& path, const std::vector<std::string>& records);

// Reads records one at a time from `bytes`, which must outlive the reader. `name` (usually the
// path) appears in every error, with the record index: "<name>: record 3: data crc mismatch ...".
class TFRecordReader {
 public:
  TFRecordReader(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}

  // True and *record set (a view into `bytes`) when a record was read; false at the clean end of
  // the input; DataLoss for a truncated or corrupt record (the reader stays at that record).
  Result<bool> Next(std::string_view* record);
  // Index of the record Next reads next (= records read so far).
  int64_t index() const { return index_; }

 private:
  std::string_view bytes_;
  std::string name_;
  size_t pos_ = 0;
  int64_t index_ = 0;
};

// Reads a whole TFRecord file. More than max_records records is ResourceExhausted (checked as
// records are read, before the rest of the file is parsed).
Result<std::vector<std::string>> ReadTFRecordFile(const std::string& path, int64_t max_records);

}  // namespace serval::loader
