#pragma once

// The request bodies that create or change a source: the upload's multipart fields, the JSON of
// POST /api/cameras and of PATCH /api/{videos,cameras}/{id}. Unknown keys are a 400 naming
// them, so that a typo ("speedlimit") is never silently ignored.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/source_fields.hpp"
#include "supervisor/session.hpp"  // SourceKind

namespace rw::server {

// Validated settings. For the optional JSON columns, nullopt = not given (PATCH: unchanged) and
// a JSON null = none (PATCH: cleared).
struct SourceSettings {
  std::optional<std::string> name;
  std::optional<std::string> uri;  // cameras only
  std::optional<double> fps;
  std::optional<nlohmann::json> roi;
  std::optional<nlohmann::json> lines;
  std::optional<nlohmann::json> calibration;
  std::optional<nlohmann::json> speed_limit_kmh;

  // Whether the settings a running pipeline uses change (zones, calibration, speed limit).
  bool changes_pipeline_config() const;
  bool empty() const;
};

// A JSON request body; malformed JSON is a 400.
Checked<nlohmann::json> parse_json_body(std::string_view body);

// PATCH: an object with any of name, roi, lines, calibration, speed_limit (or
// speed_limit_kmh), fps, and for cameras uri. An empty object is a 400.
Checked<SourceSettings> parse_source_patch(const nlohmann::json &body, SourceKind kind);

// POST /api/cameras: like PATCH, but name and uri are required.
Checked<SourceSettings> parse_camera_create(const nlohmann::json &body);

// POST /api/videos/upload: the text fields name, roi, lines, calibration (JSON text), fps,
// speed_limit (numbers); an empty field counts as absent. Without a name the video is named
// after the client's file name (its last path component; display only) or "video".
Checked<SourceSettings> parse_upload_fields(const std::map<std::string, std::string> &fields,
                                            const std::optional<std::string> &client_filename);

}  // namespace rw::server
