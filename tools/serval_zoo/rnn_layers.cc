#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {

void AddRnnCases(std::vector<Case>* out) { (void)out; }

}  // namespace serval::zoo
