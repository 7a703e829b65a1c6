#include "supervisor/source_config.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "rw/common/none.hpp"
#include "rw/geometry/calibration.hpp"
#include "rw/zones/config.hpp"

namespace rw::server {
namespace {

// A square far larger than any frame: "the whole frame" in pixels, so that it mixes with
// counting lines given in pixels (a config is either all pixels or all normalized).
constexpr double kWholeFramePx = 100000;

// JSONB null and SQL NULL both mean "not set".
std::optional<std::string> json_column(const SqlRows &rows, std::size_t row,
                                       std::string_view column) {
  auto value = rows.at(row, column);
  if (value == "null") return std::nullopt;
  return value;
}

nlohmann::json parse_json(const std::string &text, const std::string &what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &e) {
    throw std::invalid_argument(what + " is not valid JSON: " + e.what());
  }
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

SourceConfig source_from_row(const SqlRows &rows, std::size_t row) {
  SourceConfig source;
  source.id = static_cast<int>(row_integer(rows, row, "id"));
  const std::string kind = row_text(rows, row, "kind");
  const auto parsed = parse_source_kind(kind);
  if (!parsed) throw std::invalid_argument("sources row: kind is not video or camera: " + kind);
  source.kind = *parsed;
  source.file_path = rows.at(row, "file_path").value_or("");
  source.uri = rows.at(row, "uri").value_or("");
  if (source.kind == SourceKind::kVideo ? source.file_path.empty() : source.uri.empty()) {
    throw std::invalid_argument("sources row " + std::to_string(source.id) + ": a " + kind +
                                " needs " +
                                (source.kind == SourceKind::kVideo ? "file_path" : "uri"));
  }
  source.roi = json_column(rows, row, "roi");
  source.lines = json_column(rows, row, "lines");
  source.calibration = json_column(rows, row, "calibration");
  source.speed_limit_kmh = row_optional_number(rows, row, "speed_limit_kmh");
  source.config_version = static_cast<int>(row_integer(rows, row, "config_version"));
  return source;
}

std::string zones_config_json(const SourceConfig &source) {
  nlohmann::json polygon;
  if (source.roi) {
    const nlohmann::json roi = parse_json(*source.roi, "the source's roi");
    if (!roi.is_object()) {
      throw std::invalid_argument("the source's roi must be {\"roi_polygon\": [[x, y], ...]}");
    }
    if (const auto it = roi.find("roi_polygon"); it != roi.end() && !it->is_null()) {
      if (!it->is_array() || !it->empty()) polygon = *it;  // an empty polygon: no ROI
    }
  }
  if (polygon.is_null()) {
    polygon = {{0, 0}, {kWholeFramePx, 0}, {kWholeFramePx, kWholeFramePx}, {0, kWholeFramePx}};
  }
  nlohmann::json config = {{"zones", {{{"name", "roi"}, {"polygon", polygon}}}}};
  if (source.lines) {
    const nlohmann::json lines = parse_json(*source.lines, "the source's lines");
    if (!lines.is_array()) {
      throw std::invalid_argument("the source's lines must be [{\"name\", \"points\"}, ...]");
    }
    if (!lines.empty()) config["lines"] = lines;
  }
  std::string text = config.dump();
  try {
    rw::zones::parse_zone_config(text, "the source's roi and lines");
  } catch (const std::exception &e) {
    throw std::invalid_argument(e.what());
  }
  return text;
}

std::optional<std::string> calibration_json(const SourceConfig &source) {
  if (!source.calibration) return std::nullopt;
  try {
    rw::geometry::parse_calibration(*source.calibration, "the source's calibration");
  } catch (const std::exception &e) {
    throw std::invalid_argument(e.what());
  }
  return source.calibration;
}

SessionFiles session_files(const std::string &data_dir, std::int64_t session_id) {
  const std::string dir = data_dir + "/sessions/" + std::to_string(session_id) + "/";
  return {dir + "zones.json", dir + "calibration.json", dir + "run.log"};
}

RunnerCommand runner_command(const SourceConfig &source, std::int64_t session_id,
                             const RunnerSettings &settings, const SessionFiles &files) {
  const bool video = source.kind == SourceKind::kVideo;
  RunnerCommand command;
  command.argv = {
      settings.runner,
      "--template",
      settings.templates_dir + (video ? "/file.pipeline" : "/live.pipeline"),
      "--eos-timeout-s",
      std::to_string(settings.eos_timeout.count()),
  };
  const auto set = [&command](const std::string &name, const std::string &value) {
    command.argv.push_back("--set");
    command.argv.push_back(name + "=" + value);
  };
  set("SOURCE_ID", std::to_string(source.id));
  set("RUN_ID", std::to_string(session_id));
  if (video) {
    set("INPUT", source.file_path);
  } else {
    set("URI", source.uri);
  }
  set("MODEL", settings.model);
  if (source.calibration) set("CALIBRATION", files.calibration_path);
  set("ZONES", files.zones_path);
  set("SPEED_LIMIT", number_text(source.speed_limit_kmh.value_or(0)));
  set("REDIS_HOST", settings.redis.host);
  set("REDIS_PORT", std::to_string(settings.redis.port));
  set("KEY_PREFIX", settings.key_prefix);
  if (!settings.burn_overlays) set("OVERLAY_SILENT", "true");
  if (!settings.redis.password.empty()) {
    command.argv.push_back("--set-env");
    command.argv.push_back("REDIS_PASSWORD");
    command.environment["REDIS_PASSWORD"] = settings.redis.password;
  }
  return command;
}

std::chrono::seconds runner_eos_timeout(std::chrono::seconds stop_timeout) {
  return std::max(std::chrono::seconds(1), stop_timeout / 2);
}

std::vector<std::pair<std::string, std::string>> config_hash_fields(const SourceConfig &source) {
  return {
      {"zones", zones_config_json(source)},
      {"speed_limit", number_text(source.speed_limit_kmh.value_or(0))},
      {"calibration", calibration_json(source).value_or(std::string(rw::kNone))},
      {"version", std::to_string(source.config_version)},
  };
}

}  // namespace rw::server
