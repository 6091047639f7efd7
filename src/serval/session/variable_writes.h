// Whether a graph (or any function it reaches through control-flow attributes) can write a
// variable. The session freezes variables into constants only when no signature can.
#pragma once

#include "serval/graph/graph.h"
#include "serval/graph/import.h"

namespace serval::session {

bool IsVariableWriteOp(const std::string& op);
bool WritesVariables(const graph::Graph& g, const graph::FunctionLibrary& library);

}  // namespace serval::session
