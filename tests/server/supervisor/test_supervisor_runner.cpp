// The Supervisor with the real roadwatch-run on the sample clip (341 frames), and calibration
// snapshots with the real gst-launch-1.0.
#include <glib.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "supervisor/runner_process.hpp"
#include "supervisor_fixture.hpp"

namespace rw::server::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kClipTimeout = std::chrono::minutes(4);  // 2 shared cores, other tests running
constexpr int kClipFrames = 341;

// scripts/resolve-asset.sh KIND NAME; "" when the asset is not on this machine.
std::string resolve_asset(const char *kind, const char *name) {
  const std::string script = std::string(RW_SOURCE_DIR) + "/scripts/resolve-asset.sh";
  const gchar *argv[] = {script.c_str(), kind, name, nullptr};
  gchar *out = nullptr;
  gint status = 0;
  if (!g_spawn_sync(nullptr, const_cast<gchar **>(argv), nullptr, G_SPAWN_STDERR_TO_DEV_NULL,
                    nullptr, nullptr, &out, nullptr, &status, nullptr)) {
    return "";
  }
  std::string path = out != nullptr ? out : "";
  g_free(out);
  while (!path.empty() && path.back() == '\n') path.pop_back();
  return g_spawn_check_wait_status(status, nullptr) ? path : "";
}

class RunnerTest : public SupervisorTest {
 protected:
  void SetUp() override {
    SupervisorTest::SetUp();
    clip_ = resolve_asset("media", "highway-640x360.mp4");
    model_ = resolve_asset("model", "yolox_nano.onnx");
    if (clip_.empty() || model_.empty()) GTEST_SKIP() << "the sample clip or model is missing";
  }

  SupervisorConfig runner_config() const {
    SupervisorConfig config = fake_config(RW_RUNNER);
    config.model = model_;
    config.plugin_dir = RW_PLUGIN_DIR;
    config.stop_timeout = 20s;
    config.status_interval = 250ms;
    return config;
  }

  // The clip with its zones, counting line and calibration (pipelines/zones, calibration).
  int add_clip() {
    const auto zones = nlohmann::json::parse(
        read_text(std::string(RW_SOURCE_DIR) + "/pipelines/zones/highway-640x360.json"));
    const nlohmann::json roi = {{"roi_polygon", zones["zones"][0]["polygon"]}};
    const std::string calibration =
        read_text(std::string(RW_SOURCE_DIR) + "/pipelines/calibration/highway-640x360.json");
    return std::stoi(cluster_->value(
        db_,
        "INSERT INTO sources (kind, name, file_path, roi, lines, calibration, speed_limit_kmh) "
        "VALUES ('video', 'highway', $1, $2::jsonb, $3::jsonb, $4::jsonb, 80) RETURNING id",
        {clip_, roi.dump(), zones["lines"].dump(), calibration}));
  }

  std::string clip_;
  std::string model_;
};

TEST_F(RunnerTest, RunsTheClipToEndOfStream) {
  Supervisor &sup = make_supervisor(runner_config());
  const int source = add_clip();
  const nlohmann::json started = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  const std::int64_t id = started.value("id", std::int64_t{0});
  EXPECT_EQ(started["state"], "starting");

  // Every state the session shows, in order.
  std::vector<std::string> states;
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string state = session(id)["state"];
        if (states.empty() || states.back() != state) states.push_back(state);
        return state == "stopped" || state == "failed";
      },
      kClipTimeout));
  EXPECT_EQ(states, (std::vector<std::string>{"starting", "running", "stopped"}))
      << read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/run.log");
  const nlohmann::json done = session(id);
  EXPECT_EQ(done["reason"], "end of stream");
  EXPECT_EQ(done["frames"], kClipFrames);
  EXPECT_EQ(done["restarts"], 0);
  EXPECT_EQ(done["desired_state"], "stopped");
  EXPECT_TRUE(wait_for([&] {
    return db_value("SELECT state || ' ' || frames || ' ' || reason FROM sessions WHERE id = " +
                    std::to_string(id)) == "stopped 341 end of stream";
  }));
  // Every event carries the session as its run (redissink run-id), the summary included.
  const rw::control::Reply events = redis_reply({"XRANGE", prefix_ + ":events", "-", "+"});
  ASSERT_FALSE(events.elements.empty());
  bool summary = false;
  for (const rw::control::Reply &entry : events.elements) {
    ASSERT_EQ(entry.elements.size(), 2u);
    const auto fields = rw::control::to_hash(entry.elements[1]);
    EXPECT_EQ(fields.at("run_id"), std::to_string(id));
    summary = summary || fields.at("json").find("end_of_stream") != std::string::npos;
  }
  EXPECT_TRUE(summary);
}

TEST_F(RunnerTest, StopMidRunEndsTheStreamCleanly) {
  Supervisor &sup = make_supervisor(runner_config());
  const int source = add_clip();
  const std::int64_t id =
      call_ok([&](JsonCallback cb) { sup.start_session(source, cb); }).value("id", std::int64_t{0});
  ASSERT_TRUE(wait_for([&] { return session(id)["frames"].get<int>() > 0; }, kClipTimeout));
  const nlohmann::json stopped =
      call_ok([&](JsonCallback cb) { sup.stop_session(source, cb); }, 30s);
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_EQ(stopped["reason"], "stopped by operator");
  EXPECT_LT(stopped["frames"].get<int>(), kClipFrames);
  const std::string log = read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/run.log");
  EXPECT_NE(log.find("SIGTERM: ending the stream"), std::string::npos) << log;
  EXPECT_EQ(log.find("SIGKILL"), std::string::npos) << log;  // it ended within the timeout
  EXPECT_NE(metrics_.render().find("rw_supervisor_child_exits_total{how=\"exit_0\"} 1"),
            std::string::npos);
}

TEST_F(RunnerTest, KilledRunnerIsRestartedAndFinishesTheClip) {
  Supervisor &sup = make_supervisor(runner_config());
  const int source = add_clip();
  const nlohmann::json started = call_ok([&](JsonCallback cb) { sup.start_session(source, cb); });
  const std::int64_t id = started.value("id", std::int64_t{0});
  const int pid = started["pid"].get<int>();
  ASSERT_TRUE(wait_for([&] { return session(id)["frames"].get<int>() > 0; }, kClipTimeout));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_for([&] { return session(id)["restarts"] == 1; }));
  const nlohmann::json restarting = session(id);
  EXPECT_EQ(restarting["state"], "starting");
  EXPECT_EQ(restarting["reason"], "restarted after roadwatch-run killed by signal 9 (SIGKILL)");

  ASSERT_TRUE(wait_for_state(id, "stopped", kClipTimeout))
      << read_text(dir_ + "/data/sessions/" + std::to_string(id) + "/run.log");
  const nlohmann::json done = session(id);
  EXPECT_EQ(done["reason"], "end of stream");
  EXPECT_EQ(done["restarts"], 1);
  EXPECT_EQ(done["frames"], kClipFrames);  // the new runner read the file from the start
  EXPECT_NE(metrics_.render().find("rw_supervisor_child_exits_total{how=\"signal\"} 1"),
            std::string::npos);
}

TEST_F(RunnerTest, SnapshotIsAJpegOfTheFirstFrameCachedUntilTheFileChanges) {
  Supervisor &sup = make_supervisor(runner_config());
  const std::string copy = dir_ + "/clip.mp4";
  std::filesystem::copy_file(clip_, copy);
  const int source = add_video(copy);
  using Snapshot = std::variant<std::string, ApiError>;
  const auto snapshot = [&](int id) {
    auto result = std::make_shared<std::optional<Snapshot>>();
    sup.snapshot_frame(id, [result](Snapshot s) { *result = std::move(s); });
    EXPECT_TRUE(wait_for([&] { return result->has_value(); }, 30s));
    return result->value_or(ApiError::internal("no answer"));
  };
  const Snapshot first = snapshot(source);
  ASSERT_TRUE(std::holds_alternative<std::string>(first)) << std::get<ApiError>(first).message;
  const std::string &jpeg = std::get<std::string>(first);
  ASSERT_GT(jpeg.size(), 10000u);
  EXPECT_EQ(static_cast<unsigned char>(jpeg[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(jpeg[1]), 0xD8);
  EXPECT_EQ(std::get<std::string>(snapshot(source)), jpeg);
  const std::string rendered = metrics_.render();
  EXPECT_NE(rendered.find("rw_supervisor_snapshots_total{result=\"decoded\"} 1"),
            std::string::npos);
  EXPECT_NE(rendered.find("rw_supervisor_snapshots_total{result=\"cached\"} 1"), std::string::npos);

  // Another file under the same name: decoded again (and it is not a video).
  std::ofstream(copy, std::ios::trunc) << "no longer a video\n";
  const Snapshot replaced = snapshot(source);
  ASSERT_TRUE(std::holds_alternative<ApiError>(replaced));
  EXPECT_EQ(std::get<ApiError>(replaced).status, 502);

  const Snapshot missing = snapshot(9999);
  ASSERT_TRUE(std::holds_alternative<ApiError>(missing));
  EXPECT_EQ(std::get<ApiError>(missing).status, 404);

  // Not a video: a clear 502, not a crash or a hang.
  const std::string text_file = dir_ + "/not-a-video.mp4";
  std::ofstream(text_file) << "hello, this is not a video\n";
  const Snapshot broken = snapshot(add_video(text_file));
  ASSERT_TRUE(std::holds_alternative<ApiError>(broken));
  EXPECT_EQ(std::get<ApiError>(broken).status, 502);
  EXPECT_NE(std::get<ApiError>(broken).message.find("Could not determine type of stream"),
            std::string::npos)
      << std::get<ApiError>(broken).message;
}

}  // namespace
}  // namespace rw::server::test
