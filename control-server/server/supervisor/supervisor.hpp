#pragma once

// Pipeline supervision: one roadwatch-run child per session, its state in the sessions table
// and in memory, restarts with backoff, clean stops (SIGTERM, then SIGKILL after a timeout),
// and a server restart that re-attaches to or restarts what should be running.
//
// Everything runs on the default GMainContext and never blocks it: PostgreSQL and Redis are
// asynchronous, children are watched with g_subprocess_wait_async, timeouts are GLib timers.
// Children write to sessions/<id>/run.log, never to a pipe, so they survive a server crash.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/api_error.hpp"
#include "common/metrics.hpp"
#include "db/pg_async.hpp"
#include "rw/publish/backoff.hpp"
#include "rw/publish/connection.hpp"

namespace rw::server {

struct SupervisorConfig {
  std::string runner;         // path of roadwatch-run
  std::string templates_dir;  // pipelines/ (file.pipeline, live.pipeline)
  std::string data_dir;       // sessions/<id>/{zones.json,calibration.json,run.log}
  std::string model;          // yolox_nano.onnx path
  std::string plugin_dir;     // GST_PLUGIN_PATH for children (empty: inherit)
  rw::publish::RedisEndpoint redis;
  std::string key_prefix = "roadwatch";
  bool burn_overlays = false;             // runners draw the overlay into the frames
  std::chrono::seconds stop_timeout{10};  // SIGTERM, then SIGKILL
  std::chrono::milliseconds status_interval{1000};
  // Beyond the shared contract, with defaults: the restart policy's knobs (tests shorten them).
  rw::publish::Backoff::Config restart_backoff{std::chrono::seconds(1), std::chrono::seconds(30),
                                               0.2};
  int max_failures = 5;  // in a row (restart_policy.hpp); then the session fails
  std::chrono::seconds snapshot_timeout{15};
};

using JsonCallback = std::function<void(std::variant<nlohmann::json, ApiError>)>;

class Supervisor {
 public:
  Supervisor(SupervisorConfig config, PgAsync &pg, Metrics &metrics);
  // Stops watching; the runners keep running, for the next server to re-attach to.
  ~Supervisor();
  Supervisor(const Supervisor &) = delete;
  Supervisor &operator=(const Supervisor &) = delete;

  // After PG is ready: re-attach to / restart sessions whose desired_state is running (retried
  // while PostgreSQL is unavailable).
  void start();
  // 201 session json; 404, 409 (already running), 503.
  void start_session(int source_id, JsonCallback cb);
  // 200 session json once the runner is gone; 404, 409 (not running), 503.
  void stop_session(int source_id, JsonCallback cb);
  // After a PATCH: push the source's zones/calibration/speed limit to the running pipeline
  // (config hash), no restart. The session json, or null when the source has no running
  // session; 404, 400 (a config the pipeline would reject), 503.
  void apply_config(int source_id, JsonCallback cb);
  void list_sessions(JsonCallback cb);  // [{session json}...] newest first (at most 1000)
  void get_session(std::int64_t session_id, JsonCallback cb);
  // The session json of a session this supervisor runs (fresher than its row), else nullopt.
  std::optional<nlohmann::json> live_session(std::int64_t session_id);
  // A JPEG of the source's first frame; 404, 502 (cannot decode), 504 (too slow), 503.
  void snapshot_frame(int source_id, std::function<void(std::variant<std::string, ApiError>)> cb);
  std::vector<int> active_sources() const;  // sources with a session that should run

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rw::server
