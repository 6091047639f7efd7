// `serval serve <TF Serving flags>`: runs the model server (serval/server). The same code is the
// `tensorflow_model_server` executable (tensorflow_model_server_main.cc calls ServeMain), so
// existing deployments swap the binary and keep their command lines.
#include <iostream>
#include <memory>

#include "commands.h"
#include "serval/server/server.h"
#include "serval/server/server_options.h"

namespace serval::cli {

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "serve", "Serve models over TF Serving's REST API; takes tensorflow_model_server's flags "
               "(--rest_api_port=8501 --model_name=m --model_base_path=/models/m, or --model_config_file)");
  auto options = std::make_shared<server::ServerOptions>();
  server::AddServerFlags(*cmd, options.get());
  cmd->callback([cmd, options, exit_code] {
    Status s = server::FinishServerOptions(*cmd, options.get());
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      *exit_code = 1;
      return;
    }
    *exit_code = server::RunServerUntilSignalled(*options);
  });
}

int ServeMain(int argc, char** argv) {
  CLI::App app{"tensorflow_model_server (Serval): serves TensorFlow SavedModels over TF Serving's REST API",
               "tensorflow_model_server"};
  server::ServerOptions options;
  server::AddServerFlags(app, &options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  Status s = server::FinishServerOptions(app, &options);
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  return server::RunServerUntilSignalled(options);
}

}  // namespace serval::cli
