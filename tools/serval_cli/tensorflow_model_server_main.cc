// `tensorflow_model_server`: Serval's drop-in for TF Serving's binary. It means `serval serve`
// (same flags, same code: serve_command.cc).
#include "commands.h"

int main(int argc, char** argv) { return serval::cli::ServeMain(argc, argv); }
