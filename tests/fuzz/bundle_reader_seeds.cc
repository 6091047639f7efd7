// Writes the seed corpus and named regression inputs for bundle_reader_fuzz into the directory
// given as argv[1] (tests/fuzz/corpus/bundle_reader). Every input is built here from scratch with
// the tests-only writers; none is copied from a real model. Input format: see bundle_reader_fuzz.cc.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>

#include "serval/loader/crc32c.h"
#include "serval/loader/testing/table_builder.h"

namespace t = serval::loader::testing;
using serval::DataType;

namespace {

std::string Pack(const t::TestBundleBuilder& b) {
  const std::string index = b.IndexBytes();
  std::string out;
  t::PutFixed32(&out, static_cast<uint32_t>(index.size()));
  return out + index + const_cast<t::TestBundleBuilder&>(b).data();
}

t::TestBundleBuilder Base() {
  t::TestBundleBuilder b;
  b.Add<float>("a", DataType::kFloat, {}, {0.5f});
  b.Add<float>("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, {2, 3}, {1, 2, 3, 4, 5, 6});
  b.AddStrings("_CHECKPOINTABLE_OBJECT_GRAPH", {}, {"\x0a\x04\x0a\x02\x08\x01"});
  return b;
}

bool Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  const bool ok = t::TestBundleBuilder::WriteFile(dir + "/" + name, bytes);
  if (!ok) std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  auto emit = [&](const std::string& name, const std::function<void(t::TestBundleBuilder&)>& mutate) {
    t::TestBundleBuilder b = Base();
    mutate(b);
    ok = Write(dir, name, Pack(b)) && ok;
  };

  // Valid seeds.
  emit("seed_floats_and_object_graph", [](auto&) {});
  emit("seed_all_dtypes", [](auto& b) {
    b.template Add<int64_t>("i64", DataType::kInt64, {2}, {-1, int64_t{1} << 40});
    b.template Add<uint8_t>("flag", DataType::kBool, {3}, {0, 1, 7});
    b.template Add<uint16_t>("half", DataType::kHalf, {1}, {0x3c00});
    b.template Add<int32_t>("i32", DataType::kInt32, {0, 4}, {});
    b.AddStrings("strs", {3}, {"", "x", std::string(200, 'y')});
  });
  emit("seed_snappy_multi_block", [](auto& b) {
    for (int i = 0; i < 40; ++i) {
      b.template Add<float>("layer_" + std::to_string(100 + i) + "/bias/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat,
                            {2}, {static_cast<float>(i), 1});
    }
    t::TableOptions o;
    o.compression = t::Compression::kSnappy;
    o.block_size = 600;
    o.restart_interval = 4;
    b.set_table_options(o);
  });
  emit("seed_snappy_always", [](auto& b) {
    t::TableOptions o;
    o.compression = t::Compression::kSnappyAlways;
    b.set_table_options(o);
  });

  // Named regression inputs: each is a defect the reader must reject without crashing.
  emit("regress_offset_int64_max", [](auto& b) { b.entry("a").set_offset(std::numeric_limits<int64_t>::max()); });
  emit("regress_size_int64_max", [](auto& b) { b.entry("a").set_size(std::numeric_limits<int64_t>::max()); });
  emit("regress_negative_dim", [](auto& b) {
    b.entry("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE").mutable_shape()->mutable_dim(0)->set_size(-1);
  });
  emit("regress_dims_overflow", [](auto& b) {
    auto* s = b.entry("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE").mutable_shape();
    s->mutable_dim(0)->set_size(int64_t{1} << 40);
    s->mutable_dim(1)->set_size(int64_t{1} << 40);
  });
  emit("regress_string_many_elements",
       [](auto& b) { b.entry("_CHECKPOINTABLE_OBJECT_GRAPH").mutable_shape()->add_dim()->set_size(int64_t{1} << 39); });
  emit("regress_dtype_999", [](auto& b) { b.entry("a").set_dtype(static_cast<tensorflow::DataType>(999)); });
  emit("regress_num_shards_0", [](auto& b) { b.header().set_num_shards(0); });
  emit("regress_endianness_big", [](auto& b) { b.header().set_endianness(tensorflow::BundleHeaderProto::BIG); });
  emit("regress_sliced_entry", [](auto& b) { b.entry("a").add_slices()->add_extent()->set_length(1); });
  emit("regress_shard_id_negative", [](auto& b) { b.entry("a").set_shard_id(-1); });
  emit("regress_string_length_huge", [](auto& b) {
    std::string bytes;
    t::PutVarint64(&bytes, ~uint64_t{0} >> 1);
    t::PutFixed32(&bytes, 0);
    auto& e = b.entry("_CHECKPOINTABLE_OBJECT_GRAPH");
    e.set_offset(static_cast<int64_t>(b.data().size()));
    e.set_size(static_cast<int64_t>(bytes.size()));
    b.data() += bytes;
  });

  // Raw-table regressions.
  auto raw = [&](const std::string& name, const std::string& index, const std::string& data = "") {
    std::string out;
    t::PutFixed32(&out, static_cast<uint32_t>(index.size()));
    ok = Write(dir, name, out + index + data) && ok;
  };
  {
    std::string block = t::BuildBlock({{"", "\x08\x01"}});
    block.resize(block.size() - 4);
    t::PutFixed32(&block, 0xffffffffu);  // restart count far past the block
    t::RawTableWriter w;
    const t::Handle d = w.AppendBlock(block, 0);
    const t::Handle m = w.AppendBlock(t::BuildBlock({}), 0);
    const t::Handle i = w.AppendBlock(t::BuildBlock({{"z", d.Encode()}}, 1), 0);
    raw("regress_restart_count_huge", w.Finish(m, i));
  }
  {
    std::string c;
    t::PutVarint64(&c, uint64_t{1} << 32);  // snappy claims 4 GiB
    c += "abcdefgh";
    t::RawTableWriter w;
    const t::Handle d = w.AppendBlock(c, 1);
    const t::Handle m = w.AppendBlock(t::BuildBlock({}), 0);
    const t::Handle i = w.AppendBlock(t::BuildBlock({{"z", d.Encode()}}, 1), 0);
    raw("regress_snappy_huge_length", w.Finish(m, i));
  }
  {
    t::RawTableWriter w;
    const t::Handle m = w.AppendBlock(t::BuildBlock({}), 0);
    const t::Handle i = w.AppendBlock(t::BuildBlock({{"z", t::Handle{~uint64_t{0} - 3, 8}.Encode()}}, 1), 0);
    raw("regress_block_handle_overflow", w.Finish(m, i));
  }
  raw("regress_short_file", std::string(47, '\0'));
  return ok ? 0 : 1;
}
