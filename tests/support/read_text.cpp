#include "read_text.hpp"

#include <fstream>
#include <sstream>

namespace rw::test {

std::string read_text(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace rw::test
