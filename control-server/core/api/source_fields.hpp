#pragma once

// Validation of each per-source setting the API accepts, into the form stored in the sources
// table. Zones and calibrations are checked with the elements' own parsers
// (rw::zones::parse_zone_config, rw::geometry::parse_calibration), so what is accepted here
// loads in roianalytics and homographyspeed. Every error is a 400 naming the field.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/api_error.hpp"

namespace rw::server {

template <typename T>
using Checked = std::variant<T, ApiError>;

// The zone name the ROI polygon gets in the pipeline's zones config (the supervisor's
// zones_config_json); no counting line may use it.
inline constexpr std::string_view kRoiZoneName = "roi";
inline constexpr double kMaxSpeedLimitKmh = 300;
inline constexpr double kMaxFps = 1000;
inline constexpr std::size_t kMaxNameBytes = 255;
inline constexpr std::size_t kMaxUriBytes = 2048;

// roi: the seed's {"roi_polygon": [[x, y], ...]} or a bare [[x, y], ...], in pixels; null
// clears it. Stored as {"roi_polygon": [...]}.
Checked<nlohmann::json> check_roi(const nlohmann::json &value);

// lines: [{"name": "count", "points": [[x, y], [x, y]]}, ...] in pixels; null clears them.
Checked<nlohmann::json> check_lines(const nlohmann::json &value);

// calibration: the homographyspeed calibration object (image_points + world_points, or a
// homography; pipelines/calibration/README.md); null clears it. Stored as given.
Checked<nlohmann::json> check_calibration(const nlohmann::json &value);

// speed_limit: km/h from 0 (no speeding events) to 300; null clears it.
Checked<nlohmann::json> check_speed_limit(const nlohmann::json &value);

// fps: the file's nominal frame rate, above 0 and at most 1000 (informational).
Checked<double> check_fps(const nlohmann::json &value);

// name: 1 to 255 bytes of UTF-8 without control characters.
Checked<std::string> check_name(const nlohmann::json &value);

// uri: a camera's GStreamer URI, "scheme:rest" (RFC 3986 scheme); network schemes (rtsp,
// rtsps, http, https, rtmp, srt, udp, ...) need "//host"; no spaces or control characters.
Checked<std::string> check_camera_uri(const nlohmann::json &value);

bool is_valid_utf8(std::string_view text);

}  // namespace rw::server
