#include "rw/zones/config.hpp"

#include <set>

#include "config/json_config.hpp"
#include "rw/common/error.hpp"
#include "rw/common/none.hpp"

namespace rw::zones {
namespace {

using config::Json;

// Config parsing on top of the shared JSON reader: names unique across zones and lines, point
// lists bounded and, when normalized, inside the unit square.
class Parser : public config::JsonConfigReader {
 public:
  explicit Parser(std::string_view origin) : JsonConfigReader("zones config", origin) {}

  std::string name(const Json &object, const std::string &where) {
    const auto it = object.find("name");
    if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
      fail(where + ": needs a non-empty string \"name\"");
    }
    std::string value = it->get<std::string>();
    if (!names_.insert(value).second) {
      fail(where + ": name \"" + value + "\" is used twice; zone and line names must be unique");
    }
    return value;
  }

  std::vector<cv::Point2d> points(const Json &object, const char *key, const std::string &where,
                                  bool normalized) const {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array()) {
      fail(where + ": needs \"" + key + "\" as an array of [x, y] points");
    }
    if (it->size() > kMaxPolygonPoints) {
      fail(where + ": more than " + std::to_string(kMaxPolygonPoints) + " points");
    }
    std::vector<cv::Point2d> result;
    for (const Json &p : *it) {
      const std::string at = where + " point " + std::to_string(result.size());
      const cv::Point2d point = this->point(p, at);
      if (normalized && (point.x < 0 || point.x > 1 || point.y < 0 || point.y > 1)) {
        fail(at + ": " + p.dump() + " is outside [0, 1] but \"normalized\" is true");
      }
      result.push_back(point);
    }
    return result;
  }

 private:
  std::set<std::string> names_;  // bounded by kMaxZones + kMaxLines
};

const Json &array_or_empty(const Json &root, const char *key, const Parser &parser) {
  static const Json kEmpty = Json::array();
  const auto it = root.find(key);
  if (it == root.end()) return kEmpty;
  if (!it->is_array()) parser.fail(std::string("\"") + key + "\" must be an array");
  return *it;
}

}  // namespace

ZoneConfig ZoneConfig::to_pixels(int frame_w, int frame_h) const {
  if (frame_w <= 0 || frame_h <= 0) {
    throw Error("zones config: frame size " + std::to_string(frame_w) + "x" +
                std::to_string(frame_h) + " is not positive; cannot resolve coordinates");
  }
  if (!normalized) return *this;
  const auto scale = [&](cv::Point2d p) { return cv::Point2d(p.x * frame_w, p.y * frame_h); };
  ZoneConfig pixels = *this;
  pixels.normalized = false;
  for (Zone &zone : pixels.zones) {
    for (cv::Point2d &p : zone.polygon) p = scale(p);
  }
  for (CountingLine &line : pixels.lines) {
    line.a = scale(line.a);
    line.b = scale(line.b);
  }
  return pixels;
}

ZoneConfig parse_zone_config(std::string_view text, std::string_view origin) {
  Parser parser(origin);
  const Json root = parser.parse_object(text, "\"zones\" and/or \"lines\"");
  parser.expect_only_keys(root, {"zones", "lines", "normalized"}, "top level");

  ZoneConfig config;
  if (const auto it = root.find("normalized"); it != root.end()) {
    if (!it->is_boolean()) parser.fail("\"normalized\" must be true or false");
    config.normalized = it->get<bool>();
  }
  const Json &zones = array_or_empty(root, "zones", parser);
  const Json &lines = array_or_empty(root, "lines", parser);
  if (zones.empty() && lines.empty()) parser.fail("defines no zones and no lines");
  if (zones.size() > kMaxZones || lines.size() > kMaxLines) {
    parser.fail("more than " + std::to_string(kMaxZones) + " zones or " +
                std::to_string(kMaxLines) + " lines");
  }

  for (std::size_t i = 0; i < zones.size(); ++i) {
    const std::string where = "zone " + std::to_string(i);
    if (!zones[i].is_object()) parser.fail(where + ": expected an object");
    parser.expect_only_keys(zones[i], {"name", "polygon"}, where);
    Zone zone;
    zone.name = parser.name(zones[i], where);
    zone.polygon =
        parser.points(zones[i], "polygon", where + " \"" + zone.name + "\"", config.normalized);
    if (zone.polygon.size() < 3) {
      parser.fail(where + " \"" + zone.name + "\": a polygon needs at least 3 points, got " +
                  std::to_string(zone.polygon.size()));
    }
    config.zones.push_back(std::move(zone));
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string where = "line " + std::to_string(i);
    if (!lines[i].is_object()) parser.fail(where + ": expected an object");
    parser.expect_only_keys(lines[i], {"name", "points"}, where);
    CountingLine line;
    line.name = parser.name(lines[i], where);
    const std::string named = where + " \"" + line.name + "\"";
    const auto ends = parser.points(lines[i], "points", named, config.normalized);
    if (ends.size() != 2 || ends[0] == ends[1]) {
      parser.fail(named + ": a line needs exactly 2 distinct points");
    }
    line.a = ends[0];
    line.b = ends[1];
    config.lines.push_back(std::move(line));
  }
  return config;
}

ZoneConfig load_zone_config(const std::string &path) {
  return parse_zone_config(config::read_config_file(path, "zones config"), path);
}

std::optional<ZoneConfig> zone_config_from(const std::string &inline_json,
                                           const std::string &path) {
  const std::string &in_effect = inline_json.empty() ? path : inline_json;
  if (is_none(in_effect)) return ZoneConfig{};
  if (!inline_json.empty()) return parse_zone_config(inline_json, "zones property");
  if (!path.empty()) return load_zone_config(path);
  return std::nullopt;
}

}  // namespace rw::zones
