#include "api/source_request.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

namespace rw::server {
namespace {

using Json = nlohmann::json;

// Stores a checked value into its slot, or keeps the first error.
template <typename T, typename Slot>
void apply(Checked<T> checked, Slot &slot, std::optional<ApiError> &error) {
  if (error) return;
  if (auto *failure = std::get_if<ApiError>(&checked)) {
    error = std::move(*failure);
  } else {
    slot = std::move(std::get<T>(checked));
  }
}

// Sets one field of settings from a JSON value; key is the request's spelling.
void set_field(SourceSettings &settings, const std::string &key, const Json &value,
               std::optional<ApiError> &error) {
  if (key == "name") {
    apply(check_name(value), settings.name, error);
  } else if (key == "uri") {
    apply(check_camera_uri(value), settings.uri, error);
  } else if (key == "fps") {
    apply(check_fps(value), settings.fps, error);
  } else if (key == "roi") {
    apply(check_roi(value), settings.roi, error);
  } else if (key == "lines") {
    apply(check_lines(value), settings.lines, error);
  } else if (key == "calibration") {
    apply(check_calibration(value), settings.calibration, error);
  } else if (key == "speed_limit" || key == "speed_limit_kmh") {
    if (settings.speed_limit_kmh && !error) {
      error = ApiError::bad_request("give speed_limit or speed_limit_kmh, not both");
    }
    apply(check_speed_limit(value), settings.speed_limit_kmh, error);
  }
}

std::optional<ApiError> unknown_keys(const std::vector<std::string> &keys,
                                     const std::set<std::string> &known) {
  std::string unknown;
  for (const std::string &key : keys) {
    if (!known.contains(key)) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (unknown.empty()) return std::nullopt;
  std::string list;
  for (const std::string &key : known) list += (list.empty() ? "" : ", ") + key;
  return ApiError::bad_request("unknown field(s): " + unknown + " (known: " + list + ")");
}

std::set<std::string> settings_keys(SourceKind kind) {
  std::set<std::string> keys{
      "name", "roi", "lines", "calibration", "speed_limit", "speed_limit_kmh", "fps"};
  if (kind == SourceKind::kCamera) keys.insert("uri");
  return keys;
}

Checked<SourceSettings> settings_from_object(const Json &body, SourceKind kind) {
  if (!body.is_object()) return ApiError::bad_request("expected a JSON object");
  std::vector<std::string> keys;
  for (const auto &item : body.items()) keys.push_back(item.key());
  if (auto error = unknown_keys(keys, settings_keys(kind))) return *error;
  SourceSettings settings;
  std::optional<ApiError> error;
  for (const auto &item : body.items()) set_field(settings, item.key(), item.value(), error);
  if (error) return *error;
  return settings;
}

// The last path component of a client's file name, without control characters: a display
// name, never used for the filesystem.
std::string display_name(std::string_view filename) {
  if (const std::size_t slash = filename.find_last_of("/\\"); slash != std::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  std::string name;
  for (const char c : filename) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != '\x7f') name += c;
  }
  if (name.size() > kMaxNameBytes) name.resize(kMaxNameBytes);
  // Cutting may split a UTF-8 sequence; drop the broken tail.
  while (!name.empty() && !is_valid_utf8(name)) name.pop_back();
  return name.empty() ? "video" : name;
}

}  // namespace

bool SourceSettings::changes_pipeline_config() const {
  return roi || lines || calibration || speed_limit_kmh;
}

bool SourceSettings::empty() const {
  return !name && !uri && !fps && !changes_pipeline_config();
}

Checked<Json> parse_json_body(std::string_view body) {
  try {
    return Json::parse(body);
  } catch (const Json::exception &e) {
    const std::string what = e.what();
    const std::size_t start = what.find("] ");
    return ApiError::bad_request("malformed JSON body: " +
                                 (start == std::string::npos ? what : what.substr(start + 2)));
  }
}

Checked<SourceSettings> parse_source_patch(const Json &body, SourceKind kind) {
  auto settings = settings_from_object(body, kind);
  if (auto *ok = std::get_if<SourceSettings>(&settings); ok && ok->empty()) {
    return ApiError::bad_request("nothing to change: give at least one field");
  }
  return settings;
}

Checked<SourceSettings> parse_camera_create(const Json &body) {
  auto settings = settings_from_object(body, SourceKind::kCamera);
  if (auto *ok = std::get_if<SourceSettings>(&settings)) {
    if (!ok->name) return ApiError::bad_request("a camera needs a name");
    if (!ok->uri) return ApiError::bad_request("a camera needs a uri");
  }
  return settings;
}

Checked<SourceSettings> parse_upload_fields(const std::map<std::string, std::string> &fields,
                                            const std::optional<std::string> &client_filename) {
  const std::set<std::string> known{
      "name", "roi", "lines", "calibration", "speed_limit", "speed_limit_kmh", "fps"};
  std::vector<std::string> keys;
  for (const auto &[key, value] : fields) keys.push_back(key);
  if (auto error = unknown_keys(keys, known)) return *error;

  SourceSettings settings;
  std::optional<ApiError> error;
  for (const auto &[key, text] : fields) {
    if (text.empty()) continue;
    Json value;
    if (key == "name") {
      value = text;
    } else {
      try {
        value = Json::parse(text);
      } catch (const Json::exception &) {
        return ApiError::bad_request(
            "field '" + key + "' is not valid JSON" +
            (key == "fps" || key.starts_with("speed") ? " (a number)" : ""));
      }
    }
    set_field(settings, key, value, error);
    if (error) return *error;
  }
  if (!settings.name) settings.name = display_name(client_filename.value_or(""));
  return settings;
}

}  // namespace rw::server
