// `serval`: the command-line tool. Which file owns each subcommand:
//   inspect  -> inspect_command.cc (loader only: signatures, variables, assets, ops, export lint)
//   ops      -> ops_command.cc     (op types the signatures reach; which lack a kernel)
//   run      -> run_command.cc     (a TF Serving REST predict body in, the predict response out)
//   check    -> check_command.cc   (golden cases: per-output errors, exit 1 on any failure)
//   serve    -> serve_command.cc   (the model server, TF Serving's flags; also tensorflow_model_server)
//   warmup   -> warmup_command.cc  (predict bodies in, assets.extra/tf_serving_warmup_requests out)
// The stages underneath: loader/ reads the export, graph/ imports and inlines, runtime/ plans and
// executes, kernels/cpu/ computes, session/ ties them into Load + Run, codec/ speaks TF Serving JSON.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Serval: serves TensorFlow SavedModels without TensorFlow"};
  app.require_subcommand(1);
  int exit_code = 0;
  serval::cli::AddInspectCommand(app, &exit_code);
  serval::cli::AddOpsCommand(app, &exit_code);
  serval::cli::AddRunCommand(app, &exit_code);
  serval::cli::AddCheckCommand(app, &exit_code);
  serval::cli::AddServeCommand(app, &exit_code);
  serval::cli::AddWarmupCommand(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
