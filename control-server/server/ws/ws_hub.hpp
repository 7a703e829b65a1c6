#pragma once

// The WebSocket endpoint of roadwatch-server (seed protocol, docs/api.md): clients subscribe
// to processed_frame_{id} and analytics_metrics_{id}; the hub reads those sources' Redis
// streams and fans each entry out, built once, to the subscribers:
//  - handshake: Origin checked against the allow-list (403), token from the `token` query
//    parameter (401 when wrong) or an {"action":"auth"} first message within auth_timeout;
//  - per client, a bound on what libsoup holds for it (max_frame_backlog_bytes in flight),
//    the newest frame per channel, and an analytics FIFO of max_analytics_backlog messages
//    whose overflow closes the client (error slow_consumer, close 1008);
//  - max_incoming_bytes per client message (bigger: libsoup closes with 1009), libsoup pings
//    every keepalive, and a client silent (no message, no pong) for idle_timeout is closed;
//  - viewer presence keys for the pipelines' frame branches.
// Everything runs on the thread-default GMainContext.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <libsoup/soup.h>
#include <nlohmann/json.hpp>

#include "common/metrics.hpp"
#include "rw/publish/connection.hpp"

namespace rw::server {

struct WsHubConfig {
  std::string path = "/ws/client/stream";
  rw::publish::RedisEndpoint redis;
  std::string key_prefix = "roadwatch";
  std::size_t max_incoming_bytes = 64 * 1024;
  std::size_t max_frame_backlog_bytes = 1 << 20;  // in flight per client (frames and the rest)
  std::size_t max_analytics_backlog = 256;        // queued analytics + control messages
  std::chrono::seconds keepalive{30}, idle_timeout{90}, auth_timeout{10};
  bool auth_required = false;
  std::function<bool(std::string_view token)> token_allows_viewing;
  std::function<bool(std::string_view origin)> origin_allowed;  // unset: any origin
  std::function<std::vector<int>()> active_streams;             // for status_json
};

class WsHub {
 public:
  WsHub(SoupServer *server, WsHubConfig config, Metrics &metrics);
  ~WsHub();
  WsHub(const WsHub &) = delete;
  WsHub &operator=(const WsHub &) = delete;

  // GET /api/websocket/status (seed format): {"channels":{name:{"subscriber_count",
  // "video_id"}},"total_clients","active_streams"}.
  nlohmann::json status_json() const;
  // Open clients (a client being closed no longer counts).
  std::size_t client_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::server
