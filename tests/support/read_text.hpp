#pragma once

// The whole content of a file (a log, a runner's output); "" when it cannot be read.

#include <string>

namespace rw::test {

std::string read_text(const std::string &path);

}  // namespace rw::test
