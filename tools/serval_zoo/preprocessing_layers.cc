// Preprocessing layers inside the model: Normalization, Rescaling, Resizing (bilinear, nearest,
// bicubic, area), Discretization, CategoryEncoding, Hashing, StringLookup, IntegerLookup. Small captured constants (mean, variance,
// boundaries) appear as Const nodes inside the traced function, as TF captures eager tensors of
// up to 128 elements by value.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;
const DataType kL = DataType::kInt64;

}  // namespace

void AddPreprocessingCases(std::vector<Case>* out) {
  out->push_back({"normalization", "Normalization",
                  "mean [0.5,-1,2,0], variance [4,0.25,1,9]: (x - mean) / max(sqrt(variance), 1e-7)",
                  {{"normalization_input", kF, {4}}}, {{"normalization", kF, {4}}}, [](Emitter& e) {
                    e.Layer("normalization");
                    const Tensor mean = Tensor::FromVector<float>({0.5f, -1.0f, 2.0f, 0.0f}, TensorShape{1, 4});
                    const Tensor var = Tensor::FromVector<float>({4.0f, 0.25f, 1.0f, 9.0f}, TensorShape{1, 4});
                    const std::string sub = e.OpT("sub", "Sub", {e.Input(0), e.Const("sub/y", mean)});
                    const std::string sq = e.OpT("Sqrt", "Sqrt", {e.Const("Sqrt/x", var)});
                    const std::string mx = e.OpT("Maximum", "Maximum", {sq, e.ConstF("Maximum/y", {1e-7f}, true)});
                    e.Output(e.OpT("truediv", "RealDiv", {sub, mx}));
                  }});
  out->push_back({"rescaling", "Rescaling", "scale 1/127.5, offset -1: Mul, AddV2", {{"rescaling_input", kF, {5}, 0, 255}},
                  {{"rescaling", kF, {5}}}, [](Emitter& e) {
                    e.Layer("rescaling");
                    const std::string m = e.OpT("mul", "Mul", {e.Input(0), e.ConstF("Cast/x", {1.0f / 127.5f}, true)});
                    e.Output(e.OpT("add", "AddV2", {m, e.ConstF("Cast_1/x", {-1.0f}, true)}));
                  }});
  struct Resize {
    const char* method;
    const char* op;
    bool half_pixel;
  };
  for (const Resize& r : {Resize{"bilinear", "ResizeBilinear", true}, Resize{"nearest", "ResizeNearestNeighbor", true},
                          Resize{"bicubic", "ResizeBicubic", true}, Resize{"area", "ResizeArea", false}}) {
    const std::string op = r.op;
    const bool hp = r.half_pixel;
    out->push_back({std::string("resizing_") + r.method, "Resizing",
                    std::string("[3,3,2] to [4,5], ") + r.method + ": tf.image.resize -> " + op +
                        (hp ? " (half_pixel_centers)" : ""),
                    {{"resizing_input", kF, {3, 3, 2}}}, {{"resizing", kF, {4, 5, 2}}}, [op, hp](Emitter& e) {
                      e.Layer("resizing");
                      Attrs a;
                      if (hp) a["half_pixel_centers"] = attr::Bool(true);
                      e.Output(e.OpT("resize/" + op, op, {e.Input(0), e.ConstI32("resize/size", {4, 5})}, a));
                    }});
  }
  out->push_back({"discretization", "Discretization",
                  "bin_boundaries [-1, 0, 1.5], output_mode int: Bucketize, Cast to int64, Identity",
                  {{"discretization_input", kF, {5}}}, {{"discretization", kL, {5}}}, [](Emitter& e) {
                    e.Layer("discretization");
                    const std::string b = e.Op("Bucketize", "Bucketize", {e.Input(0)},
                                               {{"T", attr::Type(kF)}, {"boundaries", [] {
                                                  tensorflow::AttrValue v;
                                                  for (float f : {-1.0f, 0.0f, 1.5f}) v.mutable_list()->add_f(f);
                                                  return v;
                                                }()}});
                    const std::string c = e.Op("Cast", "Cast", {b}, {{"SrcT", attr::Type(kI)}, {"DstT", attr::Type(kL)}});
                    e.Output(e.Op("Identity", "Identity", {c}, {{"T", attr::Type(kL)}}));
                  }});
  out->push_back({"category_encoding", "CategoryEncoding",
                  "num_tokens 6, output_mode multi_hot on int32 [3]: tf.math.bincount(axis=-1, binary_output) -> "
                  "size from Shape/Prod/Greater/Max, DenseBincount",
                  {{"category_encoding_input", kI, {3}, 0, 5}}, {{"category_encoding", kF, {6}}}, [](Emitter& e) {
                    e.Layer("category_encoding");
                    const std::string x = e.Input(0);
                    const std::string shape = e.OpT("bincount/Shape", "Shape", {x}, {}, 0, kI);
                    const std::string prod = e.Op("bincount/Prod", "Prod", {shape, e.ConstI32("bincount/Const", {0})},
                                                  {{"T", attr::Type(kI)}, {"Tidx", attr::Type(kI)}});
                    const std::string ne = e.OpT("bincount/Greater", "Greater", {prod, e.ConstI32("bincount/Greater/y", {0}, true)}, {}, 0, kI);
                    const std::string nec = e.Op("bincount/Cast", "Cast", {ne}, {{"SrcT", attr::Type(DataType::kBool)}, {"DstT", attr::Type(kI)}});
                    const std::string mx = e.Op("bincount/Max", "Max", {x, e.ConstI32("bincount/Const_1", {0, 1})},
                                                {{"T", attr::Type(kI)}, {"Tidx", attr::Type(kI)}});
                    const std::string add = e.OpT("bincount/add", "AddV2", {mx, e.ConstI32("bincount/add/y", {1}, true)}, {}, 0, kI);
                    const std::string mul = e.OpT("bincount/mul", "Mul", {nec, add}, {}, 0, kI);
                    const std::string lo = e.OpT("bincount/Maximum", "Maximum", {e.ConstI32("bincount/minlength", {6}, true), mul}, {}, 0, kI);
                    const std::string size = e.OpT("bincount/Minimum", "Minimum", {e.ConstI32("bincount/maxlength", {6}, true), lo}, {}, 0, kI);
                    const Tensor no_weights(kF, TensorShape{0});
                    e.Output(e.Op("bincount/DenseBincount", "DenseBincount", {x, size, e.Const("bincount/Const_2", no_weights)},
                                  {{"Tidx", attr::Type(kI)}, {"T", attr::Type(kF)}, {"binary_output", attr::Bool(true)}}));
                  }});
  out->push_back({"hashing", "Hashing",
                  "num_bins 16 on strings (no salt, no mask): tf.strings.to_hash_bucket_fast (StringToHashBucketFast, "
                  "FarmHash Fingerprint64 mod 16), then encode_categorical_inputs' Identity for output_mode int",
                  {{"hashing_input", DataType::kString, {5}, 0, 0, {"cat", "dog", "", "a longer string of words", "zebra", "42"}}},
                  {{"hashing", kL, {5}}}, [](Emitter& e) {
                    e.Layer("hashing");
                    const std::string h = e.Op("hash", "StringToHashBucketFast", {e.Input(0)}, {{"num_buckets", attr::Int(16)}});
                    e.Output(e.Op("Identity", "Identity", {h}, {{"T", attr::Type(kL)}}));
                  }});
  // StringLookup / IntegerLookup with a vocabulary: Keras' IndexLookup keeps it in a
  // tf.lookup.StaticHashTable (vocabulary[i] -> i + 1, OOV index 0 as the default), which the
  // SavedModel fills in its init op; call() is the table's lookup then tf.identity.
  auto lookup = [](Emitter& e, const std::string& layer, const Tensor& keys) {
    e.Layer(layer);
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < keys.num_elements(); ++i) ids.push_back(i + 1);
    const TableHandle t = e.builder().AddStaticHashTable(
        "hash_table", keys, Tensor::FromVector<int64_t>(ids, TensorShape{keys.num_elements()}));
    const std::string table = e.fn().AddTableInput(t, "none_lookup_lookuptablefindv2_table_handle");
    const std::string found = e.Op("None_Lookup/LookupTableFindV2", "LookupTableFindV2",
                                   {table, e.Input(0), e.ConstI64("None_Lookup/LookupTableFindV2/default_value", {0}, true)},
                                   {{"Tin", attr::Type(keys.dtype())}, {"Tout", attr::Type(kL)}});
    e.Output(e.Op("Identity", "Identity", {found}, {{"T", attr::Type(kL)}}));
  };
  out->push_back({"string_lookup", "StringLookup",
                  "vocabulary [cat, dog, zebra, a b], one OOV index: HashTableV2 filled by the init op "
                  "(LookupTableImportV2 in __inference__initializer_*), LookupTableFindV2 with default 0, Identity",
                  {{"string_lookup_input", DataType::kString, {5}, 0, 0, {"cat", "dog", "zebra", "a b", "emu", ""}}},
                  {{"string_lookup", kL, {5}}}, [lookup](Emitter& e) {
                    lookup(e, "string_lookup", Tensor::FromVector<std::string>({"cat", "dog", "zebra", "a b"}, TensorShape{4}));
                  }});
  out->push_back({"integer_lookup", "IntegerLookup",
                  "vocabulary [3, 7, 12, 2] on int64 input, one OOV index: HashTableV2 filled by the init op, "
                  "LookupTableFindV2 with default 0, Identity",
                  {{"integer_lookup_input", kL, {5}, 0, 13}}, {{"integer_lookup", kL, {5}}}, [lookup](Emitter& e) {
                    lookup(e, "integer_lookup", Tensor::FromVector<int64_t>({3, 7, 12, 2}, TensorShape{4}));
                  }});
}

}  // namespace serval::zoo
