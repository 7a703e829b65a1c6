#include "supervisor_fixture.hpp"

#include <glib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace rw::server::test {

std::int64_t id_of(const nlohmann::json &session) {
  return session.value("id", std::int64_t{0});
}

int pid_of(const nlohmann::json &session) {
  return session["pid"].is_number() ? session["pid"].get<int>() : -1;
}

rw::test::PgCluster *SupervisorTest::cluster_ = nullptr;
rw::test::RedisServer *SupervisorTest::redis_ = nullptr;

void SupervisorTest::SetUpTestSuite() {
  cluster_ = new rw::test::PgCluster();
  ASSERT_TRUE(cluster_->start()) << cluster_->error();
  redis_ = new rw::test::RedisServer();
  ASSERT_TRUE(redis_->start()) << redis_->error();
}

void SupervisorTest::TearDownTestSuite() {
  delete redis_;
  delete cluster_;
  redis_ = nullptr;
  cluster_ = nullptr;
}

void SupervisorTest::SetUp() {
  ASSERT_NE(cluster_, nullptr);
  static int counter = 0;
  ++counter;
  db_ = "supervisor_" + std::to_string(counter);
  prefix_ = "sup" + std::to_string(counter);
  cluster_->create_database(db_);
  gchar *dir = g_dir_make_tmp("rw-supervisor-XXXXXX", nullptr);
  ASSERT_NE(dir, nullptr);
  dir_ = dir;
  g_free(dir);
  pg_ = std::make_unique<PgAsync>(cluster_->conninfo(db_), RW_SERVER_MIGRATIONS_DIR,
                                  g_main_context_default());
  pg_->start();
  ASSERT_TRUE(wait_for([&] { return pg_->ready(); })) << pg_->last_error();
}

void SupervisorTest::TearDown() {
  // Stop what a failed test left running, so that no runner outlives the test program.
  if (supervisor_) {
    for (const int source : supervisor_->active_sources()) {
      call([&](JsonCallback cb) { supervisor_->stop_session(source, cb); });
    }
  }
  supervisor_.reset();
  pg_.reset();
  std::filesystem::remove_all(dir_);
}

SupervisorConfig SupervisorTest::fake_config(const std::string &runner) const {
  SupervisorConfig config;
  config.runner = runner;
  config.templates_dir = RW_TEMPLATES_DIR;
  config.data_dir = dir_ + "/data";
  config.model = "/nonexistent/model.onnx";  // a scripted runner never loads it
  config.redis.port = redis_->port();
  config.key_prefix = prefix_;
  config.stop_timeout = std::chrono::seconds(1);
  config.status_interval = std::chrono::milliseconds(100);
  config.restart_backoff = {std::chrono::milliseconds(20), std::chrono::milliseconds(80), 0.2};
  return config;
}

Supervisor &SupervisorTest::make_supervisor(SupervisorConfig config) {
  supervisor_ = std::make_unique<Supervisor>(std::move(config), *pg_, metrics_);
  supervisor_->start();
  return *supervisor_;
}

int SupervisorTest::add_video(const std::string &path, const std::string &extra_columns,
                              const std::string &extra_values) {
  return std::stoi(cluster_->value(db_,
                                   "INSERT INTO sources (kind, name, file_path" + extra_columns +
                                       ") VALUES ('video', 'clip', $1" + extra_values +
                                       ") RETURNING id",
                                   {path}));
}

int SupervisorTest::add_camera(const std::string &uri) {
  return std::stoi(cluster_->value(
      db_, "INSERT INTO sources (kind, name, uri) VALUES ('camera', 'cam', $1) RETURNING id",
      {uri}));
}

JsonOrError SupervisorTest::call(const std::function<void(JsonCallback)> &fn,
                                 std::chrono::milliseconds timeout) {
  // Shared: an answer after the deadline must not write into a finished call.
  auto result = std::make_shared<std::optional<JsonOrError>>();
  fn([result](JsonOrError r) { *result = std::move(r); });
  EXPECT_TRUE(wait_for([&] { return result->has_value(); }, timeout)) << "no answer in time";
  return result->value_or(ApiError::internal("no answer"));
}

nlohmann::json SupervisorTest::call_ok(const std::function<void(JsonCallback)> &fn,
                                       std::chrono::milliseconds timeout) {
  JsonOrError result = call(fn, timeout);
  if (auto *error = std::get_if<ApiError>(&result)) {
    ADD_FAILURE() << "error " << error->status << " " << error->code << ": " << error->message;
    return nullptr;
  }
  return std::get<nlohmann::json>(result);
}

nlohmann::json SupervisorTest::session(std::int64_t id) {
  return call_ok([&](JsonCallback cb) { supervisor_->get_session(id, cb); });
}

bool SupervisorTest::wait_for(const std::function<bool()> &pred,
                              std::chrono::milliseconds timeout) {
  return rw::test::run_until(g_main_context_default(), pred, timeout);
}

bool SupervisorTest::wait_for_state(std::int64_t id, const std::string &state,
                                    std::chrono::milliseconds timeout) {
  // get_session answers from memory while the supervisor manages the session, else from the
  // database: both complete within the loop iterations wait_for runs.
  auto latest = std::make_shared<std::optional<JsonOrError>>();
  bool asked = false;
  return wait_for(
      [&] {
        if (latest->has_value()) {
          const auto *json = std::get_if<nlohmann::json>(&**latest);
          if (json != nullptr && (*json)["state"] == state) return true;
          latest->reset();
          asked = false;
        }
        if (!asked) {
          asked = true;
          supervisor_->get_session(id, [latest](JsonOrError r) { *latest = std::move(r); });
        }
        return false;
      },
      timeout);
}

RunningSession SupervisorTest::run_before_restart(const std::string &runner_body, int source) {
  RunningSession running;
  running.runner = write_runner("runner", runner_body);
  Supervisor &sup = make_supervisor(fake_config(running.runner));
  const nlohmann::json started = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  if (!started.is_object()) return running;
  const std::int64_t id = id_of(started);
  running.pid = pid_of(started);
  const std::string state = "SELECT state FROM sessions WHERE id = " + std::to_string(id);
  if (wait_for_state(id, "running") && wait_for([&] { return db_value(state) == "running"; })) {
    running.id = id;
  } else {
    ADD_FAILURE() << "session " << id << " did not run";
  }
  return running;
}

std::string SupervisorTest::write_runner(const std::string &name, const std::string &body) const {
  const std::string path = dir_ + "/" + name;
  std::ofstream script(path);
  script << "#!/bin/bash\n"
            "for arg in \"$@\"; do\n"
            "  case \"$arg\" in\n"
            "    REDIS_PORT=*) port=${arg#*=} ;;\n"
            "    KEY_PREFIX=*) prefix=${arg#*=} ;;\n"
            "    SOURCE_ID=*) src=${arg#*=} ;;\n"
            "    RUN_ID=*) run_id=${arg#*=} ;;\n"
            "  esac\n"
            "done\n"
            "status() {\n"
            "  redis-cli -p \"$port\" HSET \"$prefix:$src:status\" \"$@\" "
            "updated_ms \"$(date +%s%3N)\" > /dev/null\n"
            "}\n"
         << body << "\n";
  script.close();
  chmod(path.c_str(), 0755);
  return path;
}

}  // namespace rw::server::test
