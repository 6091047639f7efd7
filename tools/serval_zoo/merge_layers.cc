// Merge layers on two [4] inputs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {

void AddMergeCases(std::vector<Case>* out) {
  const DataType kF = DataType::kFloat;
  out->push_back({"merge", "Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate",
                  "functional model, two inputs, one output per merge layer",
                  {{"input_1", kF, {4}}, {"input_2", kF, {4}}},
                  {{"add", kF, {4}}, {"subtract", kF, {4}}, {"multiply", kF, {4}}, {"average", kF, {4}},
                   {"maximum", kF, {4}}, {"minimum", kF, {4}}, {"concatenate", kF, {8}}},
                  [](Emitter& e) {
                    const std::string a = e.Input(0), b = e.Input(1);
                    e.Layer("add");
                    e.Output(e.OpT("add", "AddV2", {a, b}));
                    e.Layer("subtract");
                    e.Output(e.OpT("sub", "Sub", {a, b}));
                    e.Layer("multiply");
                    e.Output(e.OpT("mul", "Mul", {a, b}));
                    e.Layer("average");
                    const std::string s = e.OpT("add", "AddV2", {a, b});
                    const std::string two = e.ConstF("truediv/y", {2.0f}, true);
                    e.Output(e.OpT("truediv", "RealDiv", {s, two}));
                    e.Layer("maximum");
                    e.Output(e.OpT("Maximum", "Maximum", {a, b}));
                    e.Layer("minimum");
                    e.Output(e.OpT("Minimum", "Minimum", {a, b}));
                    e.Layer("concatenate");
                    const std::string ax = e.ConstI32("concat/axis", {-1}, true);
                    e.Output(e.OpT("concat", "ConcatV2", {a, b, ax}, {{"N", attr::Int(2)}, {"Tidx", attr::Type(DataType::kInt32)}}));
                  }});
}

}  // namespace serval::zoo
