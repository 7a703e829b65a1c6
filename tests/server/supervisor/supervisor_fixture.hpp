#pragma once

// A Supervisor against a private redis-server and PostgreSQL cluster (one of each per test
// program, a fresh database and key prefix per test), with helpers to add sources, call the
// asynchronous API to completion, and write scripted runners.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "common/metrics.hpp"
#include "db/pg_async.hpp"
#include "pg_cluster.hpp"
#include "read_text.hpp"
#include "redis_server.h"
#include "run_until.hpp"
#include "supervisor/supervisor.hpp"

namespace rw::server::test {

using rw::test::read_text;
using JsonOrError = std::variant<nlohmann::json, ApiError>;

// A session's id (0 when absent) and its runner's pid (-1 when none).
std::int64_t id_of(const nlohmann::json &session);
int pid_of(const nlohmann::json &session);

// A session left running by the first supervisor of a server restart test.
struct RunningSession {
  std::string runner;   // the script, for the next supervisor
  std::int64_t id = 0;  // 0 when it did not get to run (a test failure)
  int pid = -1;         // its runner
};

class SupervisorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // A config for a scripted runner (short intervals); tests adjust it before make_supervisor.
  SupervisorConfig fake_config(const std::string &runner) const;
  Supervisor &make_supervisor(SupervisorConfig config);
  void destroy_supervisor() { supervisor_.reset(); }

  int add_video(const std::string &path, const std::string &extra_columns = "",
                const std::string &extra_values = "");
  int add_camera(const std::string &uri);

  // Calls fn(cb) and runs the loop until cb is called (or the deadline: a test failure).
  JsonOrError call(const std::function<void(JsonCallback)> &fn,
                   std::chrono::milliseconds timeout = std::chrono::seconds(20));
  nlohmann::json call_ok(const std::function<void(JsonCallback)> &fn,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The session as the supervisor shows it now.
  nlohmann::json session(std::int64_t id);
  // Runs the loop until pred() or the deadline.
  bool wait_for(const std::function<bool()> &pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Runs the loop until the session's state is `state`.
  bool wait_for_state(std::int64_t id, const std::string &state,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // An executable bash script: arguments parsed into $port, $prefix, $src, $run_id; status
  // FIELD VALUE... writes the status hash as roadwatch-run does; then `body`.
  std::string write_runner(const std::string &name, const std::string &body) const;

  // The first half of a server restart test: a supervisor with a runner doing runner_body,
  // and a session of source that runs, in memory and in its row (as the next supervisor will
  // find it).
  RunningSession run_before_restart(const std::string &runner_body, int source);

  std::string db_value(const std::string &sql) const { return cluster_->value(db_, sql); }
  std::string redis(const std::vector<std::string> &args) const { return redis_->command(args); }
  rw::control::Reply redis_reply(const std::vector<std::string> &args) const {
    return redis_->reply(args);
  }

  static rw::test::PgCluster *cluster_;
  static rw::test::RedisServer *redis_;
  std::string db_;
  std::string prefix_;
  std::string dir_;
  Metrics metrics_;
  std::unique_ptr<PgAsync> pg_;
  std::unique_ptr<Supervisor> supervisor_;
};

}  // namespace rw::server::test
