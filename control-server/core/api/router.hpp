#pragma once

// Maps an HTTP method and path to one REST route and its {id} parameter. The table is the one
// place that says which paths exist and which methods each accepts, so that a wrong method on
// a known path is a 405 with an Allow list and an unknown path a 404.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/api_error.hpp"

namespace rw::server {

enum class Route {
  kHealthz,
  kReadyz,
  kMetrics,
  kWebsocketStatus,
  kVideoList,
  kVideoUpload,
  kVideoGet,
  kVideoPatch,
  kVideoDelete,
  kVideoFrame,
  kVideoStart,
  kVideoStop,
  kVideoAnalytics,
  kCameraList,
  kCameraCreate,
  kCameraGet,
  kCameraPatch,
  kCameraDelete,
  kCameraFrame,
  kCameraStart,
  kCameraStop,
  kCameraAnalytics,
  kSessionList,
  kSessionGet,
  kViolationList,
  kViolationSnapshot,
  kTimeseries,
  kSpeeds,
  kExportCsv,
};

struct RouteMatch {
  Route route = Route::kHealthz;
  std::int64_t id = 0;  // the {id} segment; 0 for routes without one
};

// A 404 or 405 with, for 405, the methods the path accepts ("GET, PATCH, DELETE").
struct RouteError {
  ApiError error;
  std::string allow;
};

// HEAD matches like GET. A trailing slash is ignored ("/api/videos/" is "/api/videos"). {id}
// must be a decimal integer from 1 to 2^31 - 1 for sources (the sources.id column) and to
// 2^63 - 1 for sessions and violations; anything else in its place is a 404.
std::variant<RouteMatch, RouteError> match_route(std::string_view method, std::string_view path);

// The route's name for logs and metrics labels ("video_upload").
const char *route_name(Route route);

// Routes that only read: viewers may call them (GET and HEAD).
bool is_read_only(Route route);

// Paths under /api/ (and /healthz, /readyz, /metrics) belong to the REST API; everything else
// may be a static file of the dashboard.
bool is_api_path(std::string_view path);

}  // namespace rw::server
