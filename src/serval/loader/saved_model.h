// LoadSavedModel: reads a SavedModel directory (saved_model.pb or saved_model.pbtxt), chooses the
// MetaGraph by tag set, restores attributes that the export stripped as defaults, and exposes its
// signatures, init op, assets and variables bundle. Pure data: no graph execution here.
// The returned SavedModel is immutable and may be shared across threads.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/loader/bundle_reader.h"
#include "serval/tensor/shape.h"
#include "serval/tensor/tensor.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace serval::loader {

struct SignatureTensor {
  std::string key;          // the alias clients use ("x", "dense_input")
  std::string tensor_name;  // graph tensor ("serving_default_x:0"); empty for sparse/composite
  DataType dtype = DataType::kInvalid;
  PartialShape shape;       // unknown rank when the signature gives none
  std::string encoding;     // "" (dense name), "coo_sparse" or "composite_tensor"
  bool is_ref = false;      // TF1 signatures may name a ref tensor (DT_FLOAT_REF = 101); dtype
                            // then holds the base type, which is what a fetch returns
};

struct Signature {
  std::string key;          // "serving_default"
  std::string method_name;  // "tensorflow/serving/predict", ...
  std::vector<SignatureTensor> inputs;   // sorted by key
  std::vector<SignatureTensor> outputs;  // sorted by key
  std::map<std::string, Tensor> defaults;  // input key -> default value
};

struct Asset {
  std::string tensor_name;  // graph tensor that receives the path ("asset_path_initializer:0")
  std::string filename;     // as recorded ("foo.txt")
  std::string path;         // absolute-ish path: <export_dir>/assets/<filename>
};

struct SavedModel {
  std::string export_dir;
  std::string source_file;                   // saved_model.pb or saved_model.pbtxt
  std::vector<std::set<std::string>> available_tag_sets;
  tensorflow::MetaGraphDef meta_graph;       // the chosen one, default attrs restored
  std::vector<Signature> signatures;         // sorted by key; excludes __saved_model_init_op
  std::string init_op;                       // node to run after restore ("" if none)
  std::vector<Asset> assets;
  std::vector<std::string> extra_assets;     // file names under assets.extra/
  std::shared_ptr<const BundleReader> variables;  // null when the model has no variables/ folder

  const Signature* FindSignature(const std::string& key) const;
};

struct LoadOptions {
  std::set<std::string> tags = {"serve"};
  // Open variables/ when present (inspect may skip it for speed).
  bool open_variables = true;
};

// export_dir must be a SavedModel folder (not a base path with versions; see version_dirs.h).
Result<std::shared_ptr<const SavedModel>> LoadSavedModel(const std::string& export_dir,
                                                          const LoadOptions& options = {});

}  // namespace serval::loader
