#include "config/json_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "rw/common/error.hpp"

namespace rw::config {

JsonConfigReader::JsonConfigReader(std::string_view kind, std::string_view origin)
    : prefix_(std::string(kind) + " " + std::string(origin) + ": ") {}

void JsonConfigReader::fail(const std::string &detail) const {
  throw Error(prefix_ + detail);
}

Json JsonConfigReader::parse_object(std::string_view text, std::string_view content) const {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error &e) {
    // what() reads "[json.exception.parse_error.101] parse error at line L, column C: ...".
    const std::string what = e.what();
    const std::size_t start = what.find("] ");
    fail("malformed JSON, " + (start == std::string::npos ? what : what.substr(start + 2)));
  } catch (const Json::out_of_range &e) {
    // nlohmann rejects numbers that overflow a double (1e400) here, before any validation.
    fail(std::string("a number is not finite (") + e.what() + ")");
  }
  if (!root.is_object()) fail("must be a JSON object with " + std::string(content));
  return root;
}

void JsonConfigReader::expect_only_keys(const Json &object,
                                        std::initializer_list<std::string_view> allowed,
                                        const std::string &where) const {
  for (const auto &item : object.items()) {
    bool known = false;
    for (std::string_view key : allowed) known = known || key == item.key();
    if (known) continue;
    std::string list;
    for (std::string_view key : allowed) list += (list.empty() ? "" : ", ") + std::string(key);
    fail(where + ": unknown key \"" + item.key() + "\" (known: " + list + ")");
  }
}

double JsonConfigReader::finite_number(const Json &value, const std::string &where) const {
  if (!value.is_number()) fail(where + " must be a number, got " + value.dump());
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail(where + " is not finite");
  return x;
}

cv::Point2d JsonConfigReader::point(const Json &value, const std::string &where) const {
  if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number()) {
    fail(where + ": expected [x, y] with two numbers, got " + value.dump());
  }
  return {finite_number(value[0], where), finite_number(value[1], where)};
}

std::string read_config_file(const std::string &path, std::string_view kind) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw Error(std::string(kind) + " " + path + ": cannot open (" + std::strerror(errno) + ")");
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw Error(std::string(kind) + " " + path + ": read failed");
  return text.str();
}

}  // namespace rw::config
