// Runner identity in /proc, reasons from logs and stderr, the snapshot command.
#include <gtest/gtest.h>

#include "supervisor/process_text.hpp"
#include "supervisor/runner_identity.hpp"
#include "supervisor/snapshot_command.hpp"

namespace rw::server {
namespace {

using namespace std::string_literals;

TEST(RunnerIdentity, MatchesTheRunnerWithThisRunId) {
  const std::vector<std::string> argv = {
      "/opt/roadwatch-run", "--template", "file.pipeline", "--set",
      "SOURCE_ID=3",        "--set",      "RUN_ID=17"};
  EXPECT_TRUE(is_runner_of_session(argv, "/opt/roadwatch-run", 17));
  EXPECT_FALSE(is_runner_of_session(argv, "/opt/roadwatch-run", 1));  // RUN_ID=17, not 1
  EXPECT_FALSE(is_runner_of_session(argv, "/opt/roadwatch-run", 170));
  EXPECT_FALSE(is_runner_of_session(argv, "/usr/bin/roadwatch-run", 17));
  // A pid reused by something that merely mentions it.
  EXPECT_FALSE(is_runner_of_session({"/bin/vi", "RUN_ID=17", "/opt/roadwatch-run"},
                                    "/opt/roadwatch-run", 17));
  // A script runner, started through its interpreter.
  EXPECT_TRUE(is_runner_of_session({"/bin/sh", "/tmp/fake-runner", "--set", "RUN_ID=17"},
                                   "/tmp/fake-runner", 17));
}

TEST(RunnerIdentity, SplitsProcFilesAndReadsTheEnvironment) {
  EXPECT_EQ(split_nul("a\0b c\0"s), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(split_nul(""), std::vector<std::string>{});
  const std::vector<std::string> env = {"PATH=/bin", "RW_SESSION_RESTARTS=3",
                                        "X=RW_SESSION_RESTARTS=9"};
  EXPECT_EQ(environment_integer(env, kRestartsEnv), 3);
  EXPECT_EQ(environment_integer({"RW_SESSION_RESTARTSX=4"}, kRestartsEnv), std::nullopt);
  EXPECT_EQ(environment_integer({"RW_SESSION_RESTARTS=x"}, kRestartsEnv), std::nullopt);
  EXPECT_EQ(environment_integer({}, kRestartsEnv), std::nullopt);
}

TEST(LastRunnerMessage, TakesTheRunnersLastLine) {
  const std::string log =
      "Redistribute latency...\n"
      "roadwatch-run: config version 3 applied\n"
      "roadwatch-run: unknown variables: FOO (the template uses INPUT)\n"
      "\n";
  EXPECT_EQ(last_runner_message(log), "unknown variables: FOO (the template uses INPUT)");
  EXPECT_EQ(last_runner_message("Segmentation fault\n"), "Segmentation fault");
  // Only the last runner's output counts: the server's notes separate runs.
  EXPECT_EQ(last_runner_message("roadwatch-run: failed: old\n"
                                "roadwatch-server: starting roadwatch-run for session 1\n"),
            "");
  EXPECT_EQ(last_runner_message("roadwatch-run: failed: old\n"
                                "roadwatch-server: starting roadwatch-run for session 1\n"
                                "terminate called after throwing 'std::bad_alloc'\n"),
            "terminate called after throwing 'std::bad_alloc'");
  EXPECT_EQ(last_runner_message(""), "");
  EXPECT_LE(last_runner_message("roadwatch-run: " + std::string(5000, 'x')).size(), 520u);
}

TEST(GstLaunchError, TakesTheElementsMessage) {
  const std::string stderr_text =
      "ERROR: from element /GstPipeline:pipeline0/GstDecodeBin:decodebin0/"
      "GstTypeFindElement:typefind: Could not determine type of stream.\n"
      "Additional debug info:\n"
      "../plugins/elements/gsttypefindelement.c(1186): gst_type_find_element_loop ()\n"
      "ERROR: pipeline doesn't want to preroll.\n";
  EXPECT_EQ(gst_launch_error(stderr_text), "Could not determine type of stream.");
  EXPECT_EQ(gst_launch_error("ERROR: pipeline could not be constructed: no element \"x\".\n"),
            "ERROR: pipeline could not be constructed: no element \"x\".");
  EXPECT_EQ(gst_launch_error(""), "");
}

TEST(SnapshotCommand, QuotesPathsAndUris) {
  SourceConfig video;
  video.kind = SourceKind::kVideo;
  video.file_path = "/data/a \"b\" ! fakesink.mp4";
  const auto argv = snapshot_argv(video);
  EXPECT_EQ(argv, (std::vector<std::string>{"gst-launch-1.0", "-q", "filesrc",
                                            R"(location="/data/a \"b\" ! fakesink.mp4")", "!",
                                            "decodebin", "!", "videoconvert", "!", "jpegenc",
                                            "snapshot=true", "!", "fdsink", "fd=1"}));
  SourceConfig camera;
  camera.kind = SourceKind::kCamera;
  camera.uri = "rtsp://cam/x";
  EXPECT_EQ(snapshot_argv(camera)[2], "uridecodebin");
  EXPECT_EQ(snapshot_argv(camera)[3], R"(uri="rtsp://cam/x")");
}

TEST(SnapshotCommand, OnlyWholeJpegsPass) {
  EXPECT_TRUE(looks_like_jpeg("\xFF\xD8 image \xFF\xD9"s));
  EXPECT_FALSE(looks_like_jpeg("\xFF\xD8 cut off"s));
  EXPECT_FALSE(looks_like_jpeg("Setting pipeline to PAUSED\n"));
  EXPECT_FALSE(looks_like_jpeg(""));
}

}  // namespace
}  // namespace rw::server
