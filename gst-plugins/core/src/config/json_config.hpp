#pragma once

// The one JSON reader behind the config parsers (calibration, zones): the same error wording,
// key checking and number/point validation everywhere. Internal to the core libraries.

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <opencv2/core/types.hpp>

namespace rw::config {

using Json = nlohmann::json;

// Errors are rw::Error reading "<kind> <origin>: <detail>", e.g.
// "zones config /etc/zones.json: zone 0: unknown key \"poly\" (known: name, polygon)".
class JsonConfigReader {
 public:
  JsonConfigReader(std::string_view kind, std::string_view origin);

  [[noreturn]] void fail(const std::string &detail) const;

  // Parses text that must hold one JSON object; content names what the object should hold.
  // Malformed JSON fails with its line and column.
  Json parse_object(std::string_view text, std::string_view content) const;

  // Fails on a key outside allowed, which catches typos that would otherwise be ignored.
  void expect_only_keys(const Json &object, std::initializer_list<std::string_view> allowed,
                        const std::string &where) const;

  double finite_number(const Json &value, const std::string &where) const;
  cv::Point2d point(const Json &value, const std::string &where) const;  // [x, y]

 private:
  std::string prefix_;
};

// The whole file as text; throws rw::Error "<kind> <path>: cannot open (reason)".
std::string read_config_file(const std::string &path, std::string_view kind);

}  // namespace rw::config
