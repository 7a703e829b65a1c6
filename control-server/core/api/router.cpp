#include "api/router.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

namespace rw::server {
namespace {

constexpr std::int64_t kMaxSourceId = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMaxBigId = std::numeric_limits<std::int64_t>::max();

struct RouteSpec {
  Route route;
  const char *method;
  const char *pattern;  // "{id}" stands for one id segment
  std::int64_t max_id;  // 0 when the pattern has no {id}
  const char *name;
};

// Order matters only for Allow lists: methods appear in table order.
constexpr std::array kRoutes{
    RouteSpec{Route::kHealthz, "GET", "/healthz", 0, "healthz"},
    RouteSpec{Route::kReadyz, "GET", "/readyz", 0, "readyz"},
    RouteSpec{Route::kMetrics, "GET", "/metrics", 0, "metrics"},
    RouteSpec{Route::kWebsocketStatus, "GET", "/api/websocket/status", 0, "websocket_status"},
    RouteSpec{Route::kVideoList, "GET", "/api/videos", 0, "video_list"},
    RouteSpec{Route::kVideoUpload, "POST", "/api/videos/upload", 0, "video_upload"},
    RouteSpec{Route::kVideoGet, "GET", "/api/videos/{id}", kMaxSourceId, "video_get"},
    RouteSpec{Route::kVideoPatch, "PATCH", "/api/videos/{id}", kMaxSourceId, "video_patch"},
    RouteSpec{Route::kVideoDelete, "DELETE", "/api/videos/{id}", kMaxSourceId, "video_delete"},
    RouteSpec{Route::kVideoFrame, "GET", "/api/videos/{id}/frame", kMaxSourceId, "video_frame"},
    RouteSpec{Route::kVideoStart, "POST", "/api/videos/{id}/stream/start", kMaxSourceId,
              "video_start"},
    RouteSpec{Route::kVideoStop, "POST", "/api/videos/{id}/stream/stop", kMaxSourceId,
              "video_stop"},
    RouteSpec{Route::kVideoAnalytics, "GET", "/api/videos/{id}/analytics", kMaxSourceId,
              "video_analytics"},
    RouteSpec{Route::kCameraList, "GET", "/api/cameras", 0, "camera_list"},
    RouteSpec{Route::kCameraCreate, "POST", "/api/cameras", 0, "camera_create"},
    RouteSpec{Route::kCameraGet, "GET", "/api/cameras/{id}", kMaxSourceId, "camera_get"},
    RouteSpec{Route::kCameraPatch, "PATCH", "/api/cameras/{id}", kMaxSourceId, "camera_patch"},
    RouteSpec{Route::kCameraDelete, "DELETE", "/api/cameras/{id}", kMaxSourceId, "camera_delete"},
    RouteSpec{Route::kCameraFrame, "GET", "/api/cameras/{id}/frame", kMaxSourceId, "camera_frame"},
    RouteSpec{Route::kCameraStart, "POST", "/api/cameras/{id}/stream/start", kMaxSourceId,
              "camera_start"},
    RouteSpec{Route::kCameraStop, "POST", "/api/cameras/{id}/stream/stop", kMaxSourceId,
              "camera_stop"},
    RouteSpec{Route::kCameraAnalytics, "GET", "/api/cameras/{id}/analytics", kMaxSourceId,
              "camera_analytics"},
    RouteSpec{Route::kSessionList, "GET", "/api/sessions", 0, "session_list"},
    RouteSpec{Route::kSessionGet, "GET", "/api/sessions/{id}", kMaxBigId, "session_get"},
    RouteSpec{Route::kViolationList, "GET", "/api/violations", 0, "violation_list"},
    RouteSpec{Route::kViolationSnapshot, "GET", "/api/violations/{id}/snapshot", kMaxBigId,
              "violation_snapshot"},
    RouteSpec{Route::kTimeseries, "GET", "/api/analytics/timeseries", 0, "timeseries"},
    RouteSpec{Route::kSpeeds, "GET", "/api/analytics/speeds", 0, "speeds"},
    RouteSpec{Route::kExportCsv, "GET", "/api/analytics/export.csv", 0, "export_csv"},
};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // path starts with '/'
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// A decimal id from 1 to max_id, no sign, no leading zeros.
std::optional<std::int64_t> parse_id(std::string_view text, std::int64_t max_id) {
  if (text.empty() || text.front() == '0') return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > max_id) {
    return std::nullopt;
  }
  return value;
}

// The id when path matches pattern (0 for patterns without {id}); nullopt otherwise.
std::optional<std::int64_t> match_pattern(const RouteSpec &spec,
                                          const std::vector<std::string_view> &segments) {
  const std::vector<std::string_view> pattern = split_path(spec.pattern);
  if (pattern.size() != segments.size()) return std::nullopt;
  std::int64_t id = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{id}") {
      const auto parsed = parse_id(segments[i], spec.max_id);
      if (!parsed) return std::nullopt;
      id = *parsed;
    } else if (pattern[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return id;
}

}  // namespace

std::variant<RouteMatch, RouteError> match_route(std::string_view method, std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return RouteError{ApiError::not_found("no such path"), {}};
  }
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::vector<std::string_view> segments = split_path(path);
  const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;

  std::string allow;
  for (const RouteSpec &spec : kRoutes) {
    const auto id = match_pattern(spec, segments);
    if (!id) continue;
    if (effective == spec.method) return RouteMatch{spec.route, *id};
    if (allow.find(spec.method) == std::string::npos) {
      allow += (allow.empty() ? "" : ", ") + std::string(spec.method);
    }
  }
  if (allow.empty()) {
    return RouteError{ApiError::not_found("no such path: " + std::string(path)), {}};
  }
  if (allow.find("GET") != std::string::npos) allow += ", HEAD";
  return RouteError{ApiError::method_not_allowed(std::string(method) + " is not allowed on " +
                                                 std::string(path) + " (allowed: " + allow + ")"),
                    allow};
}

const char *route_name(Route route) {
  for (const RouteSpec &spec : kRoutes) {
    if (spec.route == route) return spec.name;
  }
  return "unknown";
}

bool is_read_only(Route route) {
  for (const RouteSpec &spec : kRoutes) {
    if (spec.route == route) return std::string_view(spec.method) == "GET";
  }
  return false;
}

bool is_api_path(std::string_view path) {
  return path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/readyz" ||
         path == "/metrics";
}

}  // namespace rw::server
