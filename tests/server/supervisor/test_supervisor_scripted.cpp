// The Supervisor with scripted runners (bash scripts standing in for roadwatch-run): conflicts,
// status, the restart policy, stop timeouts, and taking over after the server restarts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "supervisor/runner_process.hpp"
#include "supervisor_fixture.hpp"

namespace rw::server::test {
namespace {

using namespace std::chrono_literals;

// Runs until SIGTERM, which it answers like roadwatch-run: a final status, exit 0.
constexpr const char *kRunsUntilTerm = R"(
trap 'status state stopped reason "stopped by SIGTERM"; exit 0' TERM
status state running reason "" frames 7 fps 12.5 latency_ms 80.0 errors 0 restarts 0
while :; do sleep 0.1; done
)";

TEST_F(SupervisorTest, StartShowsTheRunnersStatusAndStopEndsIt) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source = add_video("/videos/a.mp4");
  const nlohmann::json started = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  ASSERT_TRUE(started.is_object());
  const std::int64_t id = id_of(started);
  EXPECT_EQ(started["state"], "starting");
  EXPECT_EQ(started["desired_state"], "running");
  EXPECT_EQ(started["source_id"], source);
  EXPECT_EQ(started["kind"], "video");
  const int pid = pid_of(started);
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(sup.active_sources(), std::vector<int>{source});

  ASSERT_TRUE(wait_for_state(id, "running"));
  const nlohmann::json running = session(id);
  EXPECT_EQ(running["frames"], 7);
  EXPECT_EQ(running["fps"], 12.5);
  EXPECT_EQ(running["latency_ms"], 80.0);
  EXPECT_EQ(running["config_version"], 0);  // the files' version: no config hash applied
  EXPECT_NE(metrics_.render().find("rw_supervisor_sessions{state=\"running\"} 1"),
            std::string::npos);
  // A change of state is written at once.
  EXPECT_TRUE(wait_for([&] {
    return db_value("SELECT state || ' ' || pid FROM sessions WHERE id = " + std::to_string(id)) ==
           "running " + std::to_string(pid);
  }));
  // The runner got its files and variables.
  const std::string session_dir = dir_ + "/data/sessions/" + std::to_string(id);
  EXPECT_TRUE(std::filesystem::exists(session_dir + "/zones.json"));
  EXPECT_FALSE(std::filesystem::exists(session_dir + "/calibration.json"));  // the source has none
  const auto cmdline = read_proc_strings(pid, "cmdline");
  ASSERT_TRUE(cmdline);
  EXPECT_NE(std::find(cmdline->begin(), cmdline->end(), "RUN_ID=" + std::to_string(id)),
            cmdline->end());
  for (const std::string &arg : *cmdline)
    EXPECT_EQ(arg.rfind("CALIBRATION=", 0), std::string::npos);

  const nlohmann::json stopped = call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_EQ(stopped["desired_state"], "stopped");
  EXPECT_EQ(stopped["reason"], "stopped by operator");
  EXPECT_TRUE(stopped["pid"].is_null());
  EXPECT_TRUE(stopped["stopped_at"].is_string());
  EXPECT_TRUE(wait_for([&] { return !process_alive(pid); }));
  EXPECT_TRUE(sup.active_sources().empty());
  EXPECT_TRUE(wait_for([&] {
    return db_value(
               "SELECT state || ' ' || desired_state || ' ' || reason || ' ' || "
               "(stopped_at IS NOT NULL) || ' ' || (pid IS NULL) FROM sessions WHERE id = " +
               std::to_string(id)) == "stopped stopped stopped by operator true true";
  }));
  EXPECT_NE(metrics_.render().find("rw_supervisor_child_exits_total{how=\"exit_0\"} 1"),
            std::string::npos);
}

TEST_F(SupervisorTest, SecondStartIsAConflictAndANewSessionFollowsAStop) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source = add_video("/videos/a.mp4");
  const nlohmann::json first = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  JsonOrError second = call([&](JsonCallback cb) { sup.start_session(source, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(second));
  EXPECT_EQ(std::get<ApiError>(second).status, 409);

  // Two requests at once: the database's unique index refuses the second.
  std::vector<JsonOrError> answers;
  call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  sup.start_session(source, [&](JsonOrError r) { answers.push_back(std::move(r)); });
  sup.start_session(source, [&](JsonOrError r) { answers.push_back(std::move(r)); });
  ASSERT_TRUE(wait_for([&] { return answers.size() == 2; }));
  const int conflicts = int(std::holds_alternative<ApiError>(answers[0])) +
                        int(std::holds_alternative<ApiError>(answers[1]));
  EXPECT_EQ(conflicts, 1);
  for (const JsonOrError &answer : answers) {
    if (const auto *error = std::get_if<ApiError>(&answer)) {
      EXPECT_EQ(error->status, 409);
    } else {
      EXPECT_GT(id_of(std::get<nlohmann::json>(answer)), id_of(first));
    }
  }
  EXPECT_EQ(db_value("SELECT count(*) FROM sessions WHERE source_id = " + std::to_string(source)),
            "2");
}

TEST_F(SupervisorTest, AStopBeforeTheRunnerIsLaunchedAnswersBothRequests) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source = add_video("/videos/a.mp4");
  auto started = std::make_shared<std::optional<JsonOrError>>();
  sup.start_session(source, [started](JsonOrError r) { *started = std::move(r); });
  // The row exists and the runner is about to be launched (its config hash is being cleared).
  ASSERT_TRUE(wait_for([&] { return !sup.active_sources().empty(); }));
  ASSERT_FALSE(started->has_value());
  const nlohmann::json stopped = call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_EQ(stopped["reason"], "stopped by operator");
  ASSERT_TRUE(started->has_value());
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(**started));
  EXPECT_EQ(std::get<nlohmann::json>(**started)["state"], "stopped");
  EXPECT_TRUE(std::get<nlohmann::json>(**started)["pid"].is_null());  // never launched
  EXPECT_EQ(metrics_.render().find("rw_supervisor_child_exits_total"), std::string::npos);
}

TEST_F(SupervisorTest, AnEarlierRunnersStatusIsNotTakenForTheNewOne) {
  // This runner never reports: what the session shows can only come from the old hash.
  Supervisor &sup = make_supervisor(
      fake_config(write_runner("runner", "trap 'exit 0' TERM\nwhile :; do sleep 0.1; done")));
  const int source = add_video("/videos/a.mp4");
  const std::string old_ms =
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                         (std::chrono::system_clock::now() - 60s).time_since_epoch())
                         .count());
  redis({"HSET", prefix_ + ":" + std::to_string(source) + ":status", "state", "running", "frames",
         "500", "updated_ms", old_ms});
  const std::int64_t id = id_of(call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }));
  // Several status periods go by.
  const auto until = std::chrono::steady_clock::now() + 600ms;
  wait_for([&] { return std::chrono::steady_clock::now() >= until; }, 2s);
  const nlohmann::json now = session(id);
  EXPECT_EQ(now["state"], "starting");
  EXPECT_EQ(now["frames"], 0);
}

TEST_F(SupervisorTest, TheRowCatchesUpAfterTheDatabaseComesBack) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source = add_camera("rtsp://127.0.0.1:1/none");
  const std::int64_t id = id_of(call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }));
  ASSERT_TRUE(wait_for_state(id, "running"));
  cluster_->kill();
  redis({"HSET", prefix_ + ":" + std::to_string(source) + ":status", "state", "reconnecting",
         "reason", "stall: no frame for 10 s", "errors", "1"});
  EXPECT_TRUE(wait_for([&] { return session(id)["state"] == "reconnecting"; }));
  // Stopping needs no database: it is written when the database is back.
  const nlohmann::json stopped = call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  EXPECT_EQ(stopped["state"], "stopped");
  ASSERT_TRUE(cluster_->start()) << cluster_->error();
  EXPECT_TRUE(wait_for(
      [&] {
        return db_value(
                   "SELECT state || ' ' || desired_state || ' ' || errors FROM sessions "
                   "WHERE id = " +
                   std::to_string(id)) == "stopped stopped 1";
      },
      30s));
  EXPECT_TRUE(sup.active_sources().empty());
}

TEST_F(SupervisorTest, UnknownSourcesAre404AndStoppingWhatDoesNotRunIs409) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  for (const auto &request : std::vector<std::function<void(JsonCallback)>>{
           [&](JsonCallback cb) { sup.start_session(999, cb); },
           [&](JsonCallback cb) { sup.stop_session(999, cb); },
           [&](JsonCallback cb) { sup.apply_config(999, cb); },
           [&](JsonCallback cb) { sup.get_session(12345, cb); }}) {
    const JsonOrError answer = call(request);
    ASSERT_TRUE(std::holds_alternative<ApiError>(answer));
    EXPECT_EQ(std::get<ApiError>(answer).status, 404) << std::get<ApiError>(answer).message;
  }
  const int source = add_video("/videos/a.mp4");
  const JsonOrError stop = call([&](JsonCallback cb) { sup.stop_session(source, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(stop));
  EXPECT_EQ(std::get<ApiError>(stop).status, 409);
  // Not running: nothing to apply to.
  EXPECT_TRUE(call_ok([&](JsonCallback cb) { sup.apply_config(source, cb); }).is_null());
}

TEST_F(SupervisorTest, ASourceThePipelineWouldRejectIsRefusedBeforeARowExists) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source =
      add_video("/videos/a.mp4", ", roi", ", '{\"roi_polygon\": [[0, 0], [1, 1]]}'::jsonb");
  const JsonOrError answer = call([&](JsonCallback cb) { sup.start_session(source, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(answer));
  EXPECT_EQ(std::get<ApiError>(answer).status, 400);
  EXPECT_NE(std::get<ApiError>(answer).message.find("at least 3 points"), std::string::npos)
      << std::get<ApiError>(answer).message;
  EXPECT_EQ(db_value("SELECT count(*) FROM sessions"), "0");
}

TEST_F(SupervisorTest, BadVariablesFailAtOnceWithTheRunnersMessage) {
  Supervisor &sup = make_supervisor(fake_config(
      write_runner("runner",
                   "echo 'roadwatch-run: unknown variables: RUN_ID (the template uses INPUT)' >&2\n"
                   "exit 2")));
  const int source = add_video("/videos/a.mp4");
  const std::int64_t id = id_of(call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }));
  ASSERT_TRUE(wait_for_state(id, "failed"));
  const nlohmann::json failed = session(id);
  EXPECT_EQ(failed["reason"],
            "bad template or variables: unknown variables: RUN_ID (the template uses INPUT)");
  EXPECT_EQ(failed["last_error"], failed["reason"]);
  EXPECT_EQ(failed["restarts"], 0);
  EXPECT_EQ(failed["desired_state"], "stopped");
  EXPECT_TRUE(sup.active_sources().empty());
  EXPECT_TRUE(wait_for([&] {
    return db_value("SELECT state FROM sessions WHERE id = " + std::to_string(id)) == "failed";
  }));
}

TEST_F(SupervisorTest, CameraThatKeepsFailingIsRestartedThenGivenUp) {
  SupervisorConfig config = fake_config(write_runner(
      "runner", "echo 'roadwatch-run: failed: yolodetect: cannot open the model' >&2\nexit 1"));
  config.max_failures = 3;
  Supervisor &sup = make_supervisor(config);
  const int source = add_camera("rtsp://127.0.0.1:1/none");
  const std::int64_t id = id_of(call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }));
  ASSERT_TRUE(wait_for_state(id, "failed"));
  const nlohmann::json failed = session(id);
  EXPECT_EQ(failed["reason"],
            "gave up after 3 failures in a row without a frame: roadwatch-run exited with "
            "status 1: failed: yolodetect: cannot open the model");
  EXPECT_EQ(failed["restarts"], 2);
  const std::string rendered = metrics_.render();
  EXPECT_NE(rendered.find("rw_supervisor_child_exits_total{how=\"exit_1\"} 3"), std::string::npos)
      << rendered;
  EXPECT_NE(rendered.find("rw_supervisor_restarts_total 2"), std::string::npos) << rendered;
  // Each run's output, one after the other, with the server's notes between them.
  const std::string log = read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/run.log");
  std::size_t runs = 0;
  for (std::size_t at = log.find("cannot open the model"); at != std::string::npos;
       at = log.find("cannot open the model", at + 1)) {
    ++runs;
  }
  EXPECT_GE(runs, 3u) << log;
}

TEST_F(SupervisorTest, RunnerIgnoringSigtermIsKilledAfterTheStopTimeout) {
  Supervisor &sup = make_supervisor(fake_config(write_runner(
      "runner", "trap '' TERM\nstatus state running frames 1\nwhile :; do sleep 0.1; done")));
  const int source = add_video("/videos/a.mp4");
  const nlohmann::json started = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  const std::int64_t id = id_of(started);
  ASSERT_TRUE(wait_for_state(id, "running"));
  const auto asked = std::chrono::steady_clock::now();
  const nlohmann::json stopped = call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  const auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_EQ(stopped["reason"], "stopped by operator");
  EXPECT_GE(took, 1s);  // SIGTERM was ignored for the whole stop timeout
  EXPECT_FALSE(process_alive(pid_of(started)));
  EXPECT_NE(read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/run.log").find("SIGKILL"),
            std::string::npos);
  EXPECT_NE(metrics_.render().find("rw_supervisor_child_exits_total{how=\"signal\"} 1"),
            std::string::npos);
}

TEST_F(SupervisorTest, ANewSupervisorReattachesToARunningRunner) {
  const int source = add_camera("rtsp://127.0.0.1:1/none");
  const RunningSession run = run_before_restart(kRunsUntilTerm, source);
  ASSERT_NE(run.id, 0);

  destroy_supervisor();  // as a server crash: the runner keeps running
  EXPECT_TRUE(process_alive(run.pid));
  Supervisor &sup = make_supervisor(fake_config(run.runner));
  ASSERT_TRUE(wait_for([&] { return sup.active_sources() == std::vector<int>{source}; }));
  const nlohmann::json attached = session(run.id);
  EXPECT_EQ(attached["pid"], run.pid);  // the same process, not a new one
  EXPECT_EQ(attached["restarts"], 0);
  EXPECT_EQ(attached["state"], "running");
  // Its status still flows.
  redis({"HSET", prefix_ + ":" + std::to_string(source) + ":status", "frames", "99"});
  EXPECT_TRUE(wait_for([&] { return session(run.id)["frames"] == 99; }));

  // Not our child any more, so its end is noticed by polling; the stop still works.
  const nlohmann::json stopped = call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); });
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_EQ(stopped["reason"], "stopped by operator");
  EXPECT_FALSE(process_alive(run.pid));
  EXPECT_NE(metrics_.render().find("rw_supervisor_child_exits_total{how=\"vanished\"} 1"),
            std::string::npos);
}

TEST_F(SupervisorTest, ARunnerThatDiedWhileTheServerWasDownIsRestarted) {
  const int source = add_video("/videos/a.mp4");
  const RunningSession run = run_before_restart(kRunsUntilTerm, source);
  ASSERT_NE(run.id, 0);
  destroy_supervisor();
  kill(run.pid, SIGKILL);
  ASSERT_TRUE(wait_for([&] { return !process_alive(run.pid); }));

  Supervisor &sup = make_supervisor(fake_config(run.runner));
  ASSERT_TRUE(wait_for([&] { return sup.active_sources() == std::vector<int>{source}; }));
  ASSERT_TRUE(wait_for([&] {
    const nlohmann::json now = session(run.id);
    return now["state"] == "running" && pid_of(now) > 0 && pid_of(now) != run.pid;
  }));
  const nlohmann::json restarted = session(run.id);
  EXPECT_EQ(restarted["restarts"], 1);
  EXPECT_TRUE(process_alive(pid_of(restarted)));
  EXPECT_EQ(db_value("SELECT restarts FROM sessions WHERE id = " + std::to_string(run.id)), "1");
}

TEST_F(SupervisorTest, ASessionStoppedWhileTheServerWasDownEndsItsRunner) {
  const int source = add_video("/videos/a.mp4");
  const RunningSession run = run_before_restart(kRunsUntilTerm, source);
  ASSERT_NE(run.id, 0);
  destroy_supervisor();
  // The stop was recorded, the server went down before the runner ended.
  db_value("UPDATE sessions SET desired_state = 'stopped' WHERE id = " + std::to_string(run.id) +
           " RETURNING id");

  make_supervisor(fake_config(run.runner));
  EXPECT_TRUE(wait_for([&] { return !process_alive(run.pid); }));
  EXPECT_TRUE(wait_for([&] {
    return db_value("SELECT state || ' ' || reason FROM sessions WHERE id = " +
                    std::to_string(run.id)) == "stopped stopped by operator";
  }));
  EXPECT_TRUE(supervisor_->active_sources().empty());
}

TEST_F(SupervisorTest, ApplyConfigPushesTheSourcesSettingsToTheRunner) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int source = add_video("/videos/a.mp4");
  const std::string config_key = prefix_ + ":" + std::to_string(source) + ":config";
  redis({"HSET", config_key, "version", "old", "zones", "stale"});  // left by an earlier run
  const std::int64_t id = id_of(call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }));
  ASSERT_TRUE(wait_for_state(id, "running"));
  EXPECT_EQ(redis({"EXISTS", config_key}), "0");  // cleared before the runner started

  db_value(
      "UPDATE sources SET speed_limit_kmh = 70, config_version = 3, "
      "roi = '{\"roi_polygon\": [[0, 0], [640, 0], [640, 360]]}'::jsonb WHERE id = " +
      std::to_string(source) + " RETURNING id");
  const nlohmann::json applied = call_ok([&](JsonCallback cb) { sup.apply_config(source, cb); });
  EXPECT_EQ(id_of(applied), id);
  ASSERT_TRUE(wait_for([&] { return redis({"HGET", config_key, "version"}) == "3"; }));
  EXPECT_EQ(redis({"HGET", config_key, "speed_limit"}), "70");
  EXPECT_EQ(redis({"HGET", config_key, "calibration"}), "none");
  const auto zones = nlohmann::json::parse(redis({"HGET", config_key, "zones"}));
  EXPECT_EQ(zones["zones"][0]["polygon"].size(), 3u);
  // The files too, for a runner restarted later.
  const auto file = nlohmann::json::parse(
      read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/zones.json"));
  EXPECT_EQ(file, zones);

  // A bad one is refused and leaves everything as it was.
  db_value(
      "UPDATE sources SET config_version = 4, roi = '{\"roi_polygon\": [[0, 0]]}'::jsonb "
      "WHERE id = " +
      std::to_string(source) + " RETURNING id");
  const JsonOrError refused = call([&](JsonCallback cb) { sup.apply_config(source, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  EXPECT_EQ(std::get<ApiError>(refused).status, 400);
  EXPECT_EQ(redis({"HGET", config_key, "version"}), "3");
}

TEST_F(SupervisorTest, ListsSessionsNewestFirst) {
  Supervisor &sup = make_supervisor(fake_config(write_runner("runner", kRunsUntilTerm)));
  const int a = add_video("/videos/a.mp4");
  const int b = add_camera("rtsp://127.0.0.1:1/none");
  const std::int64_t first = id_of(call_ok([&](JsonCallback cb) { sup.start_session(a, cb); }));
  const std::int64_t second = id_of(call_ok([&](JsonCallback cb) { sup.start_session(b, cb); }));
  const nlohmann::json list = call_ok([&](JsonCallback cb) { sup.list_sessions(cb); });
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(id_of(list[0]), second);
  EXPECT_EQ(list[0]["kind"], "camera");
  EXPECT_EQ(id_of(list[1]), first);
  EXPECT_EQ(list[1]["kind"], "video");
  EXPECT_EQ(sup.active_sources(), (std::vector<int>{a, b}));
}

TEST_F(SupervisorTest, SnapshotOfACameraThatNeverAnswersTimesOut) {
  // A listening socket that accepts connections and never says anything.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len);
  SupervisorConfig config = fake_config(write_runner("runner", kRunsUntilTerm));
  config.snapshot_timeout = 1s;
  Supervisor &sup = make_supervisor(config);
  const int source =
      add_camera("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/stream");
  auto result = std::make_shared<std::optional<std::variant<std::string, ApiError>>>();
  const auto asked = std::chrono::steady_clock::now();
  sup.snapshot_frame(source, [result](std::variant<std::string, ApiError> r) { *result = r; });
  ASSERT_TRUE(wait_for([&] { return result->has_value(); }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 1s);
  ASSERT_TRUE(std::holds_alternative<ApiError>(**result));
  EXPECT_EQ(std::get<ApiError>(**result).status, 504);
  EXPECT_NE(metrics_.render().find("rw_supervisor_snapshots_total{result=\"timeout\"} 1"),
            std::string::npos);
  close(listener);
}

}  // namespace
}  // namespace rw::server::test
