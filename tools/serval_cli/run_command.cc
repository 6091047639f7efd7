#include <iostream>

#include "commands.h"
#include "model_dir.h"
#include "serval/base/file.h"
#include "serval/codec/tfs_json.h"
#include "serval/session/session.h"

namespace serval::cli {

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Run a signature on a TF Serving REST predict body and print the response");
  struct Args {
    std::string dir, signature, input, input_file;
    int64_t version = -1;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("dir", a->dir, "SavedModel folder or model base path")->required();
  cmd->add_option("--version", a->version, "version folder under a base path (default: latest)");
  cmd->add_option("--signature", a->signature, "signature key (overrides signature_name in the body)");
  auto* in = cmd->add_option("--input", a->input, "request body, e.g. '{\"instances\": [[1.0, 2.0]]}'");
  auto* file = cmd->add_option("--input-file", a->input_file, "file holding the request body");
  in->excludes(file);
  cmd->callback([=] {
    auto fail = [&](const Status& s) {
      std::cerr << "error: " << s.message() << "\n";
      *exit_code = 1;
    };
    std::string body = a->input;
    if (!a->input_file.empty()) {
      auto r = ReadFileToString(a->input_file);
      if (!r.ok()) return fail(r.status());
      body = std::move(*r);
    }
    if (body.empty()) return fail(InvalidArgument("give the request with --input or --input-file"));
    auto dir = ResolveDir(a->dir, a->version);
    if (!dir.ok()) return fail(dir.status());
    auto session = session::Session::Load(*dir);
    if (!session.ok()) return fail(session.status());
    auto lookup = codec::LookupIn((*session)->model());
    codec::SignatureLookup chosen = lookup;
    if (!a->signature.empty()) {
      chosen = [lookup, sig = a->signature](const std::string&) { return lookup(sig); };
    }
    auto request = codec::ParsePredictRequest(body, chosen);
    if (!request.ok()) return fail(request.status());
    auto outputs = (*session)->Run(request->signature_name, std::move(request->inputs));
    if (!outputs.ok()) return fail(outputs.status());
    auto response = codec::WritePredictResponse(*outputs, request->row_format);
    if (!response.ok()) return fail(response.status());
    std::cout << *response << "\n";
  });
}

}  // namespace serval::cli
