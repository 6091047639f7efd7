#include <iostream>

#include "commands.h"
#include "model_dir.h"
#include "serval/loader/saved_model.h"
#include "serval/session/session.h"

namespace serval::cli {

void AddOpsCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("ops", "List the op types a model's signatures use; exit 1 if any lacks a kernel");
  auto dir = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(-1);
  cmd->add_option("dir", *dir, "SavedModel folder or model base path")->required();
  cmd->add_option("--version", *version, "version folder under a base path (default: latest)");
  cmd->callback([=] {
    auto resolved = ResolveDir(*dir, *version);
    if (!resolved.ok()) {
      std::cerr << "error: " << resolved.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    loader::LoadOptions lo;
    lo.open_variables = false;
    auto model = loader::LoadSavedModel(*resolved, lo);
    if (!model.ok()) {
      std::cerr << "error: " << model.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    auto report = session::ReportOps(**model);
    if (!report.ok()) {
      std::cerr << "error: " << report.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    std::set<std::string> missing(report->missing.begin(), report->missing.end());
    std::cout << "Ops used by the signatures of " << *resolved << ":\n";
    for (const auto& [op, n] : report->ops) {
      std::cout << "  " << (missing.count(op) ? "MISSING " : "ok      ") << op << " (" << n << ")\n";
    }
    if (!missing.empty()) {
      std::cout << missing.size() << " op type(s) have no kernel in Serval.\n";
      *exit_code = 1;
    } else {
      std::cout << "Every op has a kernel.\n";
    }
  });
}

}  // namespace serval::cli
