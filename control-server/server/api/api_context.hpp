#pragma once

// What the REST routes work with: the configuration, the components they call, and the request
// being served.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <libsoup/soup.h>

#include <nlohmann/json.hpp>

#include "api/access.hpp"
#include "api/router.hpp"
#include "common/metrics.hpp"
#include "db/history_query.hpp"  // QueryParams
#include "db/pg_async.hpp"
#include "redis/redis_async.hpp"
#include "supervisor/supervisor.hpp"

namespace rw::server {

class UploadSession;

struct ApiConfig {
  AccessPolicy access;
  std::string data_dir;  // uploads go to <data_dir>/videos
  std::uint64_t max_upload_bytes = 2048ULL * 1024 * 1024;
  std::size_t max_json_body_bytes = 1024 * 1024;
  std::string web_root;  // static files served at / (the dashboard); empty: none

  std::string videos_dir() const { return data_dir + "/videos"; }
};

struct ApiDeps {
  PgAsync &pg;
  RedisAsync &redis;  // its connection state is /readyz's Redis check
  Supervisor &supervisor;
  Metrics &metrics;
  std::function<nlohmann::json()> websocket_status;  // WsHub::status_json
};

struct ApiContext {
  ApiConfig config;
  ApiDeps deps;
};

using Context = std::shared_ptr<ApiContext>;

// A callback that does nothing once the API server is gone (PostgreSQL, the supervisor or a
// worker thread may answer during shutdown); otherwise it gets the context first.
template <typename F>
auto while_alive(const Context &context, F f) {
  return [weak = std::weak_ptr<ApiContext>(context), f = std::move(f)](auto &&...args) mutable {
    if (const Context alive = weak.lock()) f(*alive, std::forward<decltype(args)>(args)...);
  };
}

struct ApiRequest {
  SoupServerMessage *msg = nullptr;
  RouteMatch route;
  QueryParams query;
  std::unique_ptr<UploadSession> upload;  // POST /api/videos/upload only
};

}  // namespace rw::server
