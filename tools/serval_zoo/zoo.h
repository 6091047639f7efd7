// The Keras layer zoo: one small SavedModel per Keras layer case, written twice by Serval's own
// SavedModel writer, once in Keras 2 (tf.keras `model.save`) structure and once in Keras 3
// (`model.export()`) structure, with the op sequences TensorFlow produces for that layer.
//
// A case is a function of an Emitter. The Emitter hides what differs between the two structures
// (scope and variable names, checkpoint object paths, signature keys, traced function name);
// where the two Keras versions emit different ops for the same layer (Keras 3 adds its bias with
// AddV2, runs BatchNormalization unfused, ...) the case asks `e.keras3()`.
//
// The weights are a fixed function of their name (see Weights()), written to cases.json so that the
// independent golden script (tests/gen/zoo/golden.js, TensorFlow.js) builds the same layer with the
// same numbers. Not thread-safe; one Emitter per model.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "serval/loader/saved_model_writer.h"

namespace serval::zoo {

using loader::Attrs;
using loader::FunctionBuilder;
using loader::SavedModelBuilder;
using loader::TableHandle;
using loader::TensorSpec;
namespace attr = loader::attr;

enum class Flavor { kKeras2, kKeras3 };

// One signature input as the golden script must feed it.
struct InputSpec {
  std::string key;  // Keras 2 signature key; Keras 3 uses keras_tensor[_N] in the same order
  DataType dtype = DataType::kFloat;
  std::vector<int64_t> shape;  // without the batch dimension
  // Value range for the generated data: floats uniform in [lo, hi], ints in [lo, hi].
  double lo = -2.0, hi = 2.0;
  std::vector<std::string> vocab;  // string inputs: drawn from these words
};

struct OutputSpec {
  std::string key;  // Keras 2 signature key; Keras 3 uses output_N in the same order
  DataType dtype = DataType::kFloat;
  std::vector<int64_t> shape;  // without the batch dimension; -1 for a dynamic dimension
};

class Emitter;

struct Case {
  std::string name;    // file-system name, e.g. "dense_rank3"
  std::string layer;   // Keras layer, e.g. "Dense"
  std::string note;    // what the case exercises (docs/keras-layers.md)
  std::vector<InputSpec> inputs;
  std::vector<OutputSpec> outputs;
  std::function<void(Emitter&)> build;
  // Golden tolerance; wider only with a reason in `note`.
  double rtol = 1e-5, atol = 1e-6;
  // Batch sizes the goldens use (the model must handle each).
  std::vector<int> batches = {1, 3};
  // Ops of this case that Serval has no CPU kernel for yet: the CTest case skips (saying so) while
  // exactly these are missing, and fails if anything else is.
  std::vector<std::string> needs;
};

// Deterministic weights: value i of weight `key` is scale * sin(a*i + b) with a, b from a hash of
// `key`, plus `offset`. golden.js never recomputes them; it reads them from cases.json.
Tensor Weights(const std::string& key, std::vector<int64_t> shape, double scale = 0.5, double offset = 0.0);

class Emitter {
 public:
  Emitter(const Case& c, Flavor flavor, SavedModelBuilder* b);

  bool keras3() const { return flavor_ == Flavor::kKeras3; }
  FunctionBuilder& fn() { return fn_; }
  SavedModelBuilder& builder() { return *b_; }

  // Data argument i of the traced function.
  const std::string& Input(size_t i) const { return inputs_.at(i); }

  // Starts a layer: its ops are scoped `<model>/<layer>/...` (Keras 3: `<model>_1/<layer>_1/...`).
  void Layer(const std::string& name);
  const std::string& scope() const { return scope_; }

  // A layer weight, read in the traced function by node `<scope>/<read_at>/ReadVariableOp`.
  // The value is also recorded for cases.json as `<layer>/<weight>`.
  std::string Weight(const std::string& weight, const Tensor& value, const std::string& read_at,
                     bool trainable = true);
  // A weight variable without a read (for ops that take the resource, e.g. ResourceGather).
  std::string WeightResource(const std::string& weight, const Tensor& value, bool trainable = true);

  // Node `<scope>/<name>`; returns a reference to output `index` (OpDef output arg names resolved,
  // list outputs indexed inside the arg).
  std::string Op(const std::string& name, const std::string& op, std::vector<std::string> inputs, Attrs attrs = {},
                 int index = 0);
  // Same with the float `T` attr set.
  std::string OpT(const std::string& name, const std::string& op, std::vector<std::string> inputs, Attrs attrs = {},
                  int index = 0, DataType t = DataType::kFloat);
  // Reference to output `index` of an existing node `<scope>/<name>`.
  std::string Out(const std::string& name, int index) const;
  std::string Const(const std::string& name, const Tensor& value);
  std::string ConstI32(const std::string& name, std::vector<int32_t> values, bool scalar = false);
  std::string ConstI64(const std::string& name, std::vector<int64_t> values, bool scalar = false);
  std::string ConstF(const std::string& name, std::vector<float> values, bool scalar = false);
  std::string ConstStr(const std::string& name, std::vector<std::string> values, bool scalar = false);

  // Function outputs, in the case's output order.
  void Output(const std::string& ref);

  // Adds the signature(s) over the traced function (once) and builds the SavedModel proto.
  Result<tensorflow::SavedModel> BuildProto();
  // BuildProto, then writes the model.
  Status Save(const std::string& dir);

  const std::vector<std::pair<std::string, Tensor>>& weights() const { return weights_; }

 private:
  std::string Scoped(const std::string& name) const { return scope_.empty() ? name : scope_ + "/" + name; }
  void AddSignatures();
  loader::VariableHandle AddVariable(const std::string& weight, const Tensor& value, bool trainable);

  const Case& case_;
  Flavor flavor_;
  SavedModelBuilder* b_;
  FunctionBuilder fn_;
  std::vector<std::string> inputs_;
  std::string model_scope_;
  std::string layer_;
  std::string scope_;
  int layer_with_weights_ = -1;
  std::string last_weighted_layer_;
  int variable_count_ = 0;
  int outputs_ = 0;
  bool signed_ = false;
  std::map<std::string, std::string> node_ops_;  // full node name -> op type
  std::vector<std::pair<std::string, Tensor>> weights_;
};

// Every case, in documentation order. Each layer family registers its cases in its own file.
std::vector<Case> AllCases();
void AddCoreCases(std::vector<Case>* out);
void AddConvCases(std::vector<Case>* out);
void AddPoolingCases(std::vector<Case>* out);
void AddNormalizationCases(std::vector<Case>* out);
void AddActivationCases(std::vector<Case>* out);
void AddReshapingCases(std::vector<Case>* out);
void AddMergeCases(std::vector<Case>* out);
void AddRnnCases(std::vector<Case>* out);
void AddAttentionCases(std::vector<Case>* out);
void AddPreprocessingCases(std::vector<Case>* out);
void AddImageCropCases(std::vector<Case>* out);

// Dense as Keras 2 / Keras 3 trace it (core_layers.cc); starts layer `name`.
std::string DenseOps(Emitter& e, const std::string& name, const std::string& x, int rank, int64_t in, int64_t units,
                     const std::string& act);

// The function-body nodes the serving signatures reach: the StatefulPartitionedCall each signature
// output names, then every function attr (calls, While bodies) inside. Call nodes themselves are
// left out (the importer inlines them). Pointers into `sm`.
std::vector<const tensorflow::NodeDef*> ReachedNodes(const tensorflow::SavedModel& sm);

}  // namespace serval::zoo
