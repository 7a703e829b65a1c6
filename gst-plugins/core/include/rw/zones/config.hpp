#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/types.hpp>

namespace rw::zones {

// Bounds on a config, so that a wrong file cannot make per-frame work unbounded.
constexpr std::size_t kMaxZones = 64;
constexpr std::size_t kMaxLines = 64;
constexpr std::size_t kMaxPolygonPoints = 1024;

struct Zone {
  std::string name;
  std::vector<cv::Point2d> polygon;  // >= 3 points, closed implicitly
};

struct CountingLine {
  std::string name;
  cv::Point2d a;  // crossing direction +1 is from the right of a->b to its left
  cv::Point2d b;
};

// Zones and counting lines; names are unique across both. With normalized, coordinates are
// fractions (0..1) of the frame width and height; to_pixels() resolves them.
struct ZoneConfig {
  std::vector<Zone> zones;
  std::vector<CountingLine> lines;
  bool normalized = false;

  // The config in frame pixels (x * frame_w, y * frame_h when normalized; a copy otherwise).
  // Throws rw::Error for a frame size that is not positive.
  ZoneConfig to_pixels(int frame_w, int frame_h) const;
};

// Parses {"zones": [{"name", "polygon": [[x, y], ...]}], "lines": [{"name", "points":
// [[x, y], [x, y]]}], "normalized": bool}. origin (a file name, "zones property") prefixes every
// error message. Throws rw::Error on malformed JSON, unknown keys, polygons with fewer than 3
// points, lines without exactly 2 distinct points, duplicate or empty names, non-finite
// numbers, normalized coordinates outside [0, 1], and configs with neither zones nor lines.
ZoneConfig parse_zone_config(std::string_view json, std::string_view origin);

// Reads and parses a file; throws rw::Error naming the path when it cannot be read.
ZoneConfig load_zone_config(const std::string &path);

// The config of an element's `zones` (inline JSON, which wins) and `zones-file` properties;
// nullopt when both are empty; an empty config (no zones, no lines: a source whose region is not
// drawn yet) when the one in effect is "none" (rw/common/none.hpp). Throws like the two above.
std::optional<ZoneConfig> zone_config_from(const std::string &inline_json, const std::string &path);

}  // namespace rw::zones
