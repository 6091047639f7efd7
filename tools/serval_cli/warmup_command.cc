// `serval warmup <dir> <request.json>...`: writes TF Serving's warmup file
// (<export_dir>/assets.extra/tf_serving_warmup_requests, a TFRecord of PredictionLogs) from TF
// Serving REST predict bodies, so users need no Python/TensorFlow script to make one. Each body
// becomes one predict_log record (signature_name and inputs; tensors as tensor_content). Before
// the file is written every record is parsed back and replayed once against the model exactly as
// the server's warmup will, so a file that would fail the load is never written.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "model_dir.h"
#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/tfrecord.h"
#include "serval/servable/warmup.h"
#include "serval/session/session.h"
#include "serval/tensor/tensor_proto.h"

namespace serval::cli {
namespace {

namespace tfs = tensorflow::serving;

Result<std::string> BuildRecords(const session::Session& session, const std::vector<std::string>& files) {
  if (static_cast<int64_t>(files.size()) > servable::kMaxWarmupRecords) {
    return InvalidArgument(StrCat(files.size(), " requests: a warmup file holds at most ",
                                  servable::kMaxWarmupRecords, " records"));
  }
  const codec::SignatureLookup lookup = codec::LookupIn(session.model());
  std::string bytes;
  for (const std::string& file : files) {
    SERVAL_ASSIGN_OR_RETURN(std::string body, ReadFileToString(file, uint64_t{1} << 30));
    auto request = codec::ParsePredictRequest(body, lookup);
    if (!request.ok()) return request.status().WithContext(file);
    tfs::PredictionLog log;
    tfs::PredictRequest* r = log.mutable_predict_log()->mutable_request();
    r->mutable_model_spec()->set_signature_name(request->signature_name);
    for (const auto& [alias, tensor] : request->inputs) {
      Status s = TensorToProto(tensor, &(*r->mutable_inputs())[alias], /*as_content=*/true);
      if (!s.ok()) return s.WithContext(StrCat(file, ": input '", alias, "'"));
    }
    std::string serialized;
    if (!log.SerializeToString(&serialized)) return Internal(StrCat(file, ": cannot serialize the PredictionLog"));
    loader::AppendTFRecord(serialized, &bytes);
  }
  return bytes;
}

Status WriteAtomically(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return InvalidArgument(StrCat("cannot create ", fs::path(path).parent_path().string(), ": ", ec.message()));
  // Written next to the target and renamed, so a server polling the folder never sees half a file.
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return InvalidArgument(StrCat("cannot create '", tmp, "'"));
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) return Internal(StrCat("cannot write '", tmp, "'"));
  fs::rename(tmp, path, ec);
  if (ec) return Internal(StrCat("cannot rename '", tmp, "' to '", path, "': ", ec.message()));
  return Status::Ok();
}

}  // namespace

void AddWarmupCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "warmup", "Write <export_dir>/assets.extra/tf_serving_warmup_requests from TF Serving REST predict bodies");
  struct Args {
    std::string dir, output;
    std::vector<std::string> requests;
    int64_t version = -1;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("dir", a->dir, "SavedModel folder or model base path")->required();
  cmd->add_option("requests", a->requests,
                  "files holding :predict bodies ({\"signature_name\": ..., \"instances\"|\"inputs\": ...}), "
                  "one warmup record each, in order")
      ->required();
  cmd->add_option("--version", a->version, "version folder under a base path (default: latest)");
  cmd->add_option("--output", a->output, "write here instead of <export_dir>/assets.extra/tf_serving_warmup_requests");
  cmd->callback([=] {
    auto fail = [&](const Status& s) {
      std::cerr << "error: " << s.message() << "\n";
      *exit_code = 1;
    };
    auto dir = ResolveDir(a->dir, a->version);
    if (!dir.ok()) return fail(dir.status());
    auto session = session::Session::Load(*dir);
    if (!session.ok()) return fail(session.status());
    auto bytes = BuildRecords(**session, a->requests);
    if (!bytes.ok()) return fail(bytes.status());

    const std::string path = a->output.empty() ? JoinPath(*dir, servable::kWarmupFile) : a->output;
    // Read back with the server's own reader and replay once, as the load will.
    auto records = servable::ParseWarmupRecords(*bytes, path);
    if (!records.ok()) return fail(records.status());
    servable::LoadedModel loaded;
    loaded.path = *dir;
    loaded.session = std::move(*session);
    for (size_t i = 0; i < records->size(); ++i) {
      Status s = servable::ReplayWarmupRecord(loaded, (*records)[i]);
      if (!s.ok()) return fail(s.WithContext(StrCat(a->requests[i], " (record ", i, ")")));
    }
    if (Status s = WriteAtomically(path, *bytes); !s.ok()) return fail(s);
    std::cout << "wrote " << records->size() << " warmup record" << (records->size() == 1 ? "" : "s") << " ("
              << bytes->size() << " bytes) to " << path << "\n";
  });
}

}  // namespace serval::cli
