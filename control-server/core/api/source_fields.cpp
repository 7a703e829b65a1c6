#include "api/source_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <string>

#include "rw/geometry/calibration.hpp"
#include "rw/zones/config.hpp"

namespace rw::server {
namespace {

ApiError invalid(std::string_view field, const std::string &why) {
  return ApiError::bad_request("invalid " + std::string(field) + ": " + why);
}

// The message of a parser's rw::Error, or of anything else it threw.
template <typename Parse>
std::optional<std::string> parse_error(Parse &&parse) {
  try {
    parse();
  } catch (const std::exception &e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

bool has_control_chars(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; });
}

// Schemes whose URIs name a host ("scheme://host..."); others (file:, custom GStreamer
// schemes) only need a non-empty rest.
bool needs_host(std::string_view scheme) {
  constexpr std::string_view kNetwork[] = {"rtsp", "rtsps", "rtspt", "rtspu", "http", "https",
                                           "rtmp", "rtmps", "srt",   "udp",   "rtp",  "tcp"};
  return std::find(std::begin(kNetwork), std::end(kNetwork), scheme) != std::end(kNetwork);
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      code = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      code = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      code = lead & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3Fu);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[extra] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

Checked<nlohmann::json> check_roi(const nlohmann::json &value) {
  if (value.is_null()) return nlohmann::json(nullptr);
  nlohmann::json polygon = value;
  if (value.is_object()) {
    if (value.size() != 1 || !value.contains("roi_polygon")) {
      return invalid("roi", "expected {\"roi_polygon\": [[x, y], ...]} or [[x, y], ...]");
    }
    polygon = value.at("roi_polygon");
  }
  if (!polygon.is_array()) {
    return invalid("roi", "expected {\"roi_polygon\": [[x, y], ...]} or [[x, y], ...]");
  }
  const nlohmann::json zones = {{"zones", {{{"name", kRoiZoneName}, {"polygon", polygon}}}}};
  if (auto error = parse_error([&] { rw::zones::parse_zone_config(zones.dump(), "roi"); })) {
    return invalid("roi", *error);
  }
  return nlohmann::json{{"roi_polygon", polygon}};
}

Checked<nlohmann::json> check_lines(const nlohmann::json &value) {
  if (value.is_null()) return nlohmann::json(nullptr);
  if (!value.is_array()) {
    return invalid("lines", "expected [{\"name\": ..., \"points\": [[x, y], [x, y]]}, ...]");
  }
  if (value.empty()) return nlohmann::json::array();
  for (const nlohmann::json &line : value) {
    if (line.is_object() && line.contains("name") && line.at("name") == kRoiZoneName) {
      return invalid("lines", "the name \"roi\" is the ROI zone's; name the line otherwise");
    }
  }
  const nlohmann::json zones = {{"lines", value}};
  if (auto error = parse_error([&] { rw::zones::parse_zone_config(zones.dump(), "lines"); })) {
    return invalid("lines", *error);
  }
  return value;
}

Checked<nlohmann::json> check_calibration(const nlohmann::json &value) {
  if (value.is_null()) return nlohmann::json(nullptr);
  if (!value.is_object()) return invalid("calibration", "expected a JSON object");
  if (auto error =
          parse_error([&] { rw::geometry::parse_calibration(value.dump(), "calibration"); })) {
    return invalid("calibration", *error);
  }
  return value;
}

Checked<nlohmann::json> check_speed_limit(const nlohmann::json &value) {
  if (value.is_null()) return nlohmann::json(nullptr);
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0 ||
      value.get<double>() > kMaxSpeedLimitKmh) {
    return invalid("speed_limit",
                   "expected km/h from 0 (no speeding events) to 300, not " + value.dump());
  }
  return nlohmann::json(value.get<double>());
}

Checked<double> check_fps(const nlohmann::json &value) {
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0 ||
      value.get<double>() > kMaxFps) {
    return invalid("fps", "expected a frame rate above 0 and at most 1000, not " + value.dump());
  }
  return value.get<double>();
}

Checked<std::string> check_name(const nlohmann::json &value) {
  if (!value.is_string()) return invalid("name", "expected a string");
  const std::string name = value.get<std::string>();
  if (name.empty() || name.size() > kMaxNameBytes) {
    return invalid("name", "expected 1 to 255 bytes");
  }
  if (!is_valid_utf8(name) || has_control_chars(name)) {
    return invalid("name", "expected UTF-8 text without control characters");
  }
  return name;
}

Checked<std::string> check_camera_uri(const nlohmann::json &value) {
  if (!value.is_string()) return invalid("uri", "expected a string");
  const std::string uri = value.get<std::string>();
  if (uri.empty() || uri.size() > kMaxUriBytes) return invalid("uri", "expected 1 to 2048 bytes");
  if (!is_valid_utf8(uri) || has_control_chars(uri) || uri.find(' ') != std::string::npos) {
    return invalid("uri", "spaces and control characters must be percent-encoded");
  }
  const std::size_t colon = uri.find(':');
  const bool scheme_ok =
      colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(uri[0])) &&
      std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (!scheme_ok) return invalid("uri", "expected scheme:... such as rtsp://camera/stream");
  std::string scheme = uri.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view rest = std::string_view(uri).substr(colon + 1);
  if (rest.empty()) return invalid("uri", "nothing after the scheme");
  if (needs_host(scheme)) {
    if (!rest.starts_with("//")) {
      return invalid("uri", scheme + " URIs name a host: " + scheme + "://host[:port]/...");
    }
    const std::size_t host_end = rest.find_first_of("/?#", 2);
    std::string_view authority =
        rest.substr(2, host_end == std::string_view::npos ? std::string_view::npos : host_end - 2);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    if (authority.empty() || authority.starts_with(':')) {
      return invalid("uri", scheme + " URIs name a host: " + scheme + "://host[:port]/...");
    }
  }
  if (scheme == "file" && !rest.starts_with("///")) {
    return invalid("uri", "file URIs are absolute: file:///path");
  }
  return uri;
}

}  // namespace rw::server
