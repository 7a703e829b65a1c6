#pragma once

// The supervisor's state, shared by supervisor.cpp (the API) and session_lifecycle.cpp (runners
// from spawn to exit, status polling, database writes, recovery after a server restart).

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "redis/redis_async.hpp"
#include "supervisor/restart_policy.hpp"
#include "supervisor/runner_process.hpp"
#include "supervisor/runner_status.hpp"
#include "supervisor/session.hpp"
#include "supervisor/snapshotter.hpp"
#include "supervisor/source_config.hpp"
#include "supervisor/supervisor.hpp"

namespace rw::server {

// One session the supervisor looks after, from its start (or its recovery) until its final
// state is in the database.
struct Managed {
  explicit Managed(const rw::publish::Backoff::Config &backoff_config)
      : backoff(backoff_config, std::random_device{}()) {}

  Session session;  // the live view
  Session written;  // the row as last written
  bool write_in_flight = false;
  bool write_failed = false;  // retried on the next status tick
  std::chrono::steady_clock::time_point last_write;
  SourceConfig source;  // as of the last start or apply_config
  SessionFiles files;
  std::optional<int> spawned_version;  // the config version in the files the runner started with

  std::unique_ptr<RunnerProcess> process;
  std::uint64_t generation = 0;       // of the runner: news of an older one is dropped
  std::int64_t child_started_ms = 0;  // Unix ms; 0 for a re-attached runner
  std::int64_t restarts_before_runner = 0;
  bool published_frames = false;  // the current runner
  int failures_in_a_row = 0;
  rw::publish::Backoff backoff;
  guint restart_timer = 0;
  guint kill_timer = 0;

  bool spawning = false;      // files written, waiting to launch
  bool exit_pending = false;  // the runner ended; its last status is being read
  bool config_push_pending = false;
  bool finished = false;  // stopped or failed: forgotten once written
  bool row_gone = false;  // the row was deleted (its source was): nothing to write

  std::vector<JsonCallback> start_waiters;
  std::vector<JsonCallback> stop_waiters;
};

struct Supervisor::Impl {
  Impl(SupervisorConfig config, PgAsync &pg, Metrics &metrics);
  ~Impl();

  // Callbacks that may run after the Supervisor is gone (PostgreSQL, Redis) go through this:
  // they do nothing then.
  template <typename F>
  auto guarded(F f) {
    return [weak = self, f = std::move(f)](auto &&...args) {
      if (auto alive = weak.lock()) f(std::forward<decltype(args)>(args)...);
    };
  }

  Managed *find(std::int64_t session_id);
  Managed *active_for(int source_id);  // the session of the source that should run
  Managed &adopt(const Session &session, const SourceConfig &source);
  std::string status_key(int source_id) const;
  std::string config_key(int source_id) const;

  // session_lifecycle.cpp
  void spawn(Managed &m);
  void launch(std::int64_t session_id);
  void on_exit(std::int64_t session_id, std::uint64_t generation, ChildExit exit);
  void conclude_exit(Managed &m, ChildExit exit, std::optional<RunnerStatus> final_status);
  void schedule_restart(Managed &m, const ExitDecision &decision);
  void finish(Managed &m, SessionState state, const std::string &reason, const std::string &error);
  void fail_to_start(Managed &m, const ApiError &error);
  void request_stop(Managed &m);
  void attach(Managed &m, pid_t pid);
  void tick();
  void read_status(Managed &m);
  void push_config(Managed &m);
  void persist(Managed &m);
  void recover();
  void schedule_recovery();
  void recover_session(const Session &session);
  void update_gauges();

  SupervisorConfig config;
  PgAsync &pg;
  Metrics &metrics;
  RunnerSettings runner;
  RedisAsync redis;
  Snapshotter snapshotter;
  std::weak_ptr<Impl> self;
  std::map<std::int64_t, std::unique_ptr<Managed>> sessions;
  guint tick_timer = 0;
  guint recovery_timer = 0;

  double &restarts_total;
};

std::int64_t unix_now_ms();

}  // namespace rw::server
