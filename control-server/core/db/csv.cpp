#include "db/csv.hpp"

#include <charconv>

namespace rw::server {
namespace {

bool is_number(const std::string &value) {
  double parsed = 0;
  const char *end = value.data() + value.size();
  const auto [ptr, error] = std::from_chars(value.data(), end, parsed);
  return error == std::errc() && ptr == end;
}

}  // namespace

std::string csv_field(const std::string &value) {
  std::string text = value;
  if (!text.empty() && std::string("=+-@\t\r").find(text.front()) != std::string::npos &&
      !is_number(text))
    text.insert(text.begin(), '\'');
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string csv_line(const std::vector<std::string> &fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(fields[i]);
  }
  line += "\r\n";
  return line;
}

}  // namespace rw::server
