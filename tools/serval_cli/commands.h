// Each `serval` subcommand lives in its own file and registers itself on the CLI11 app.
// A command's callback sets *exit_code; main returns it.
#pragma once

#include <CLI/CLI.hpp>

namespace serval::cli {

void AddInspectCommand(CLI::App& app, int* exit_code);
void AddOpsCommand(CLI::App& app, int* exit_code);
void AddRunCommand(CLI::App& app, int* exit_code);
void AddCheckCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddWarmupCommand(CLI::App& app, int* exit_code);

// tensorflow_model_server's main: parses TF Serving's flags and runs the server (exit code).
int ServeMain(int argc, char** argv);

}  // namespace serval::cli
