#include "serval/tensor/tensor_proto.h"

#include <cstring>

#include "serval/base/strings.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/tensor_shape.pb.h"

namespace serval {

Result<TensorShape> ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return InvalidArgument("a tensor value cannot have an unknown rank");
  std::vector<int64_t> dims;
  dims.reserve(static_cast<size_t>(proto.dim_size()));
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  return TensorShape::Make(dims);
}

Result<PartialShape> PartialShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return PartialShape::UnknownRank();
  std::vector<int64_t> dims;
  for (const auto& d : proto.dim()) {
    if (d.size() < -1) return InvalidArgument(StrCat("shape has dimension ", d.size(), " (only -1 may mean unknown)"));
    dims.push_back(d.size());
  }
  return PartialShape(std::move(dims));
}

void ShapeToProto(const TensorShape& shape, tensorflow::TensorShapeProto* proto) {
  proto->Clear();
  for (int64_t d : shape.dims()) proto->add_dim()->set_size(d);
}

namespace {

// Copies `vals` into `out` with TF's fill rules; `convert` maps a field value to the element.
template <typename Out, typename Field, typename Convert>
Status FillFromField(const Field& vals, std::span<Out> out, const char* field_name, Convert convert) {
  const size_t n = out.size();
  const size_t in_n = static_cast<size_t>(vals.size());
  if (in_n > n) {
    return InvalidArgument(StrCat("TensorProto has ", in_n, " values in ", field_name, " but its shape holds only ", n));
  }
  if (in_n == 0) {
    for (auto& o : out) o = convert(typename Field::value_type{});
    return Status();
  }
  for (size_t i = 0; i < in_n; ++i) out[i] = convert(vals.Get(static_cast<int>(i)));
  for (size_t i = in_n; i < n; ++i) out[i] = out[in_n - 1];
  return Status();
}

template <typename T>
T Same(T v) { return v; }

Status FillComplex(const google::protobuf::RepeatedField<float>& vals, std::span<std::complex<float>> out) {
  if (vals.size() % 2) return InvalidArgument("scomplex_val has an odd number of values");
  size_t in_n = static_cast<size_t>(vals.size() / 2);
  if (in_n > out.size()) return InvalidArgument("TensorProto has more complex values than its shape holds");
  for (size_t i = 0; i < out.size(); ++i) {
    if (in_n == 0) { out[i] = {}; continue; }
    size_t j = std::min(i, in_n - 1);
    out[i] = {vals.Get(static_cast<int>(2 * j)), vals.Get(static_cast<int>(2 * j + 1))};
  }
  return Status();
}
Status FillComplex(const google::protobuf::RepeatedField<double>& vals, std::span<std::complex<double>> out) {
  if (vals.size() % 2) return InvalidArgument("dcomplex_val has an odd number of values");
  size_t in_n = static_cast<size_t>(vals.size() / 2);
  if (in_n > out.size()) return InvalidArgument("TensorProto has more complex values than its shape holds");
  for (size_t i = 0; i < out.size(); ++i) {
    if (in_n == 0) { out[i] = {}; continue; }
    size_t j = std::min(i, in_n - 1);
    out[i] = {vals.Get(static_cast<int>(2 * j)), vals.Get(static_cast<int>(2 * j + 1))};
  }
  return Status();
}

}  // namespace

Result<Tensor> TensorFromProto(const tensorflow::TensorProto& proto) {
  const int dt_value = static_cast<int>(proto.dtype());
  if (!IsValidDataType(dt_value)) {
    return InvalidArgument(StrCat("TensorProto has unsupported dtype ", dt_value));
  }
  const DataType dtype = static_cast<DataType>(dt_value);
  if (dtype == DataType::kResource || dtype == DataType::kVariant) {
    return Unimplemented(StrCat("TensorProto of type ", DataTypeName(dtype), " cannot be decoded"));
  }
  SERVAL_ASSIGN_OR_RETURN(TensorShape shape, ShapeFromProto(proto.tensor_shape()));
  if (!proto.tensor_content().empty() && dtype != DataType::kString && IsFixedSize(dtype)) {
    // Before allocating: a short tensor_content must not cost the declared shape's memory.
    const uint64_t want = static_cast<uint64_t>(shape.num_elements()) * DataTypeSize(dtype);  // <= 2^44
    if (proto.tensor_content().size() != want) {
      return InvalidArgument(StrCat("TensorProto tensor_content has ", proto.tensor_content().size(), " bytes, but ",
                                    DataTypeName(dtype), shape.ToString(), " needs ", want));
    }
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  const int64_t n = t.num_elements();

  if (!proto.tensor_content().empty()) {
    if (dtype == DataType::kString) return InvalidArgument("a DT_STRING TensorProto cannot use tensor_content");
    const std::string& c = proto.tensor_content();
    if (c.size() != t.byte_size()) {
      return InvalidArgument(StrCat("TensorProto tensor_content has ", c.size(), " bytes, but ", DataTypeName(dtype),
                                    shape.ToString(), " needs ", t.byte_size()));
    }
    if (!c.empty()) std::memcpy(t.raw_data(), c.data(), c.size());
    if (dtype == DataType::kBool) {  // only 0/1 are valid bools
      for (auto& b : t.flat<uint8_t>()) b = b != 0;
    }
    return t;
  }

  Status s;
  switch (dtype) {
    case DataType::kFloat: s = FillFromField(proto.float_val(), t.flat<float>(), "float_val", Same<float>); break;
    case DataType::kDouble: s = FillFromField(proto.double_val(), t.flat<double>(), "double_val", Same<double>); break;
    case DataType::kInt32: case DataType::kQInt32:
      s = FillFromField(proto.int_val(), t.flat<int32_t>(), "int_val", Same<int32_t>); break;
    case DataType::kInt16: case DataType::kQInt16:
      s = FillFromField(proto.int_val(), t.flat<int16_t>(), "int_val", [](int32_t v) { return static_cast<int16_t>(v); }); break;
    case DataType::kInt8: case DataType::kQInt8:
      s = FillFromField(proto.int_val(), t.flat<int8_t>(), "int_val", [](int32_t v) { return static_cast<int8_t>(v); }); break;
    case DataType::kUInt8: case DataType::kQUInt8:
      s = FillFromField(proto.int_val(), t.flat<uint8_t>(), "int_val", [](int32_t v) { return static_cast<uint8_t>(v); }); break;
    case DataType::kUInt16: case DataType::kQUInt16:
      s = FillFromField(proto.int_val(), t.flat<uint16_t>(), "int_val", [](int32_t v) { return static_cast<uint16_t>(v); }); break;
    case DataType::kInt64: s = FillFromField(proto.int64_val(), t.flat<int64_t>(), "int64_val", Same<int64_t>); break;
    case DataType::kUInt32: s = FillFromField(proto.uint32_val(), t.flat<uint32_t>(), "uint32_val", Same<uint32_t>); break;
    case DataType::kUInt64: s = FillFromField(proto.uint64_val(), t.flat<uint64_t>(), "uint64_val", Same<uint64_t>); break;
    case DataType::kBool: s = FillFromField(proto.bool_val(), t.flat<bool>(), "bool_val", Same<bool>); break;
    case DataType::kHalf:
      s = FillFromField(proto.half_val(), t.flat<Half>(), "half_val",
                        [](int32_t v) { return Half{static_cast<uint16_t>(v)}; });
      break;
    case DataType::kBFloat16:
      s = FillFromField(proto.half_val(), t.flat<BFloat16>(), "half_val",
                        [](int32_t v) { return BFloat16{static_cast<uint16_t>(v)}; });
      break;
    case DataType::kComplex64: s = FillComplex(proto.scomplex_val(), t.flat<std::complex<float>>()); break;
    case DataType::kComplex128: s = FillComplex(proto.dcomplex_val(), t.flat<std::complex<double>>()); break;
    case DataType::kString: {
      auto out = t.flat<std::string>();
      const auto& vals = proto.string_val();
      const size_t in_n = static_cast<size_t>(vals.size());
      if (in_n > out.size()) {
        s = InvalidArgument(StrCat("TensorProto has ", in_n, " values in string_val but its shape holds only ", n));
        break;
      }
      for (size_t i = 0; i < out.size(); ++i) {
        if (in_n == 0) break;
        out[i] = vals.Get(static_cast<int>(std::min(i, in_n - 1)));
      }
      break;
    }
    default:
      s = Unimplemented(StrCat("TensorProto of type ", DataTypeName(dtype), " cannot be decoded"));
  }
  if (!s.ok()) return s;
  return t;
}

Result<Tensor> TensorFromRequestProto(const tensorflow::TensorProto& proto) {
  SERVAL_ASSIGN_OR_RETURN(TensorShape shape, ShapeFromProto(proto.tensor_shape()));
  const int dt = static_cast<int>(proto.dtype());
  if (IsValidDataType(dt)) {
    const auto dtype = static_cast<DataType>(dt);
    const uint64_t per_element = dtype == DataType::kString ? sizeof(std::string)
                                 : IsFixedSize(dtype)       ? DataTypeSize(dtype)
                                                            : 0;
    const uint64_t decoded = static_cast<uint64_t>(shape.num_elements()) * per_element;  // <= 2^45
    const uint64_t allowed = kRequestTensorSlackBytes + 32 * static_cast<uint64_t>(proto.ByteSizeLong());
    if (decoded > allowed) {
      return ResourceExhausted(StrCat("TensorProto ", DataTypeName(dtype), shape.ToString(), " would take ", decoded,
                                      " bytes but carries only ", proto.ByteSizeLong(),
                                      " bytes of values (fewer values than elements repeat the last one); refused "
                                      "over ", allowed, " bytes"));
    }
  }
  return TensorFromProto(proto);
}

Status TensorToProto(const Tensor& t, tensorflow::TensorProto* proto, bool as_content) {
  proto->Clear();
  proto->set_dtype(static_cast<tensorflow::DataType>(t.dtype()));
  ShapeToProto(t.shape(), proto->mutable_tensor_shape());
  if (as_content && IsFixedSize(t.dtype())) {
    proto->set_tensor_content(std::string(static_cast<const char*>(t.raw_data()), t.byte_size()));
    return Status();
  }
  switch (t.dtype()) {
    case DataType::kFloat: for (float v : t.flat<float>()) proto->add_float_val(v); break;
    case DataType::kDouble: for (double v : t.flat<double>()) proto->add_double_val(v); break;
    case DataType::kInt32: for (int32_t v : t.flat<int32_t>()) proto->add_int_val(v); break;
    case DataType::kInt16: for (int16_t v : t.flat<int16_t>()) proto->add_int_val(v); break;
    case DataType::kInt8: for (int8_t v : t.flat<int8_t>()) proto->add_int_val(v); break;
    case DataType::kUInt8: for (uint8_t v : t.flat<uint8_t>()) proto->add_int_val(v); break;
    case DataType::kUInt16: for (uint16_t v : t.flat<uint16_t>()) proto->add_int_val(v); break;
    case DataType::kInt64: for (int64_t v : t.flat<int64_t>()) proto->add_int64_val(v); break;
    case DataType::kUInt32: for (uint32_t v : t.flat<uint32_t>()) proto->add_uint32_val(v); break;
    case DataType::kUInt64: for (uint64_t v : t.flat<uint64_t>()) proto->add_uint64_val(v); break;
    case DataType::kBool: for (bool v : t.flat<bool>()) proto->add_bool_val(v); break;
    case DataType::kHalf: for (Half v : t.flat<Half>()) proto->add_half_val(v.bits); break;
    case DataType::kBFloat16: for (BFloat16 v : t.flat<BFloat16>()) proto->add_half_val(v.bits); break;
    case DataType::kComplex64:
      for (auto v : t.flat<std::complex<float>>()) { proto->add_scomplex_val(v.real()); proto->add_scomplex_val(v.imag()); }
      break;
    case DataType::kComplex128:
      for (auto v : t.flat<std::complex<double>>()) { proto->add_dcomplex_val(v.real()); proto->add_dcomplex_val(v.imag()); }
      break;
    case DataType::kString: for (const auto& v : t.flat<std::string>()) proto->add_string_val(v); break;
    default:
      return Unimplemented(StrCat("cannot encode a tensor of type ", DataTypeName(t.dtype())));
  }
  return Status();
}

}  // namespace serval
