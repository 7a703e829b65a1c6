// Sources rows -> the runner's files, variables and live config hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "supervisor/source_config.hpp"

namespace rw::server {
namespace {

constexpr const char *kCalibration = R"({"image_points": [[0, 0], [100, 0], [100, 100], [0, 100]],
    "world_points": [[0, 0], [10, 0], [10, 10], [0, 10]]})";

SourceConfig video() {
  SourceConfig s;
  s.id = 3;
  s.kind = SourceKind::kVideo;
  s.file_path = "/data/videos/3.mp4";
  s.roi = R"({"roi_polygon": [[0, 0], [640, 0], [640, 360], [0, 360]]})";
  s.lines = R"([{"name": "count", "points": [[10, 200], [600, 200]]}])";
  s.calibration = kCalibration;
  s.speed_limit_kmh = 60;
  s.config_version = 4;
  return s;
}

// The value of --set NAME=... in argv; "" when absent.
std::string variable(const std::vector<std::string> &argv, const std::string &name) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--set" && argv[i + 1].rfind(name + "=", 0) == 0) {
      return argv[i + 1].substr(name.size() + 1);
    }
  }
  return "";
}

TEST(ZonesConfig, RoiBecomesZoneRoiBesideTheLines) {
  const auto config = nlohmann::json::parse(zones_config_json(video()));
  EXPECT_EQ(config, nlohmann::json::parse(R"({
      "zones": [{"name": "roi", "polygon": [[0, 0], [640, 0], [640, 360], [0, 360]]}],
      "lines": [{"name": "count", "points": [[10, 200], [600, 200]]}]})"));
}

TEST(ZonesConfig, WithoutRoiTheZoneCoversAnyFrame) {
  for (const char *roi : {"", R"({"roi_polygon": []})", R"({"roi_polygon": null})"}) {
    SourceConfig s = video();
    s.roi = *roi ? std::optional<std::string>(roi) : std::nullopt;
    s.lines.reset();
    const auto config = nlohmann::json::parse(zones_config_json(s));
    ASSERT_EQ(config["zones"].size(), 1u) << roi;
    EXPECT_EQ(config["zones"][0]["name"], "roi");
    const auto polygon = config["zones"][0]["polygon"].get<std::vector<std::vector<double>>>();
    ASSERT_EQ(polygon.size(), 4u);
    EXPECT_EQ(polygon[0], (std::vector<double>{0, 0}));
    EXPECT_GE(polygon[2][0], 10000);  // beyond any frame width
    EXPECT_GE(polygon[2][1], 10000);
    EXPECT_FALSE(config.contains("lines"));
  }
}

TEST(ZonesConfig, RejectsWhatRoianalyticsWouldWithItsMessage) {
  SourceConfig s = video();
  s.roi = R"({"roi_polygon": [[0, 0], [1, 1]]})";
  try {
    zones_config_json(s);
    FAIL() << "accepted a two-point polygon";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("at least 3 points"), std::string::npos) << e.what();
  }
  s = video();
  s.lines = R"([{"name": "roi", "points": [[0, 0], [5, 5]]}])";  // clashes with the zone
  EXPECT_THROW(zones_config_json(s), std::invalid_argument);
  s = video();
  s.roi = "{not json";
  EXPECT_THROW(zones_config_json(s), std::invalid_argument);
  s = video();
  s.lines = R"({"name": "count"})";
  EXPECT_THROW(zones_config_json(s), std::invalid_argument);
}

TEST(Calibration, CheckedWithHomographyspeedsParser) {
  EXPECT_EQ(calibration_json(video()), kCalibration);
  SourceConfig s = video();
  s.calibration.reset();
  EXPECT_EQ(calibration_json(s), std::nullopt);
  s.calibration = R"({"image_points": [[0, 0]], "world_points": [[0, 0]]})";
  EXPECT_THROW(calibration_json(s), std::invalid_argument);
}

TEST(SourceFromRow, JsonNullIsNotSet) {
  SqlRows rows;
  rows.columns = {"id",    "kind",        "file_path",       "uri",           "roi",
                  "lines", "calibration", "speed_limit_kmh", "config_version"};
  rows.rows.push_back({"5", "camera", std::nullopt, "rtsp://cam/stream", "null", std::nullopt,
                       kCalibration, "50.5", "2"});
  const SourceConfig s = source_from_row(rows, 0);
  EXPECT_EQ(s.kind, SourceKind::kCamera);
  EXPECT_EQ(s.uri, "rtsp://cam/stream");
  EXPECT_EQ(s.roi, std::nullopt);
  EXPECT_EQ(s.lines, std::nullopt);
  EXPECT_EQ(s.calibration, kCalibration);
  EXPECT_EQ(s.speed_limit_kmh, 50.5);
  EXPECT_EQ(s.config_version, 2);
  rows.rows[0][3] = std::nullopt;  // a camera without a URI
  EXPECT_THROW(source_from_row(rows, 0), std::invalid_argument);
}

TEST(RunnerArgv, VideoRunsTheFileTemplateWithEveryVariable) {
  RunnerSettings settings;
  settings.runner = "/opt/rw/roadwatch-run";
  settings.templates_dir = "/opt/rw/pipelines";
  settings.model = "/models/yolox_nano.onnx";
  settings.redis.host = "10.0.0.2";
  settings.redis.port = 6380;
  settings.key_prefix = "rwtest";
  settings.eos_timeout = std::chrono::seconds(5);
  const SessionFiles files = session_files("/var/rw", 17);
  EXPECT_EQ(files.zones_path, "/var/rw/sessions/17/zones.json");
  EXPECT_EQ(files.log_path, "/var/rw/sessions/17/run.log");
  const RunnerCommand command = runner_command(video(), 17, settings, files);
  const auto &argv = command.argv;
  ASSERT_GE(argv.size(), 5u);
  EXPECT_EQ(argv[0], "/opt/rw/roadwatch-run");
  EXPECT_EQ(argv[1], "--template");
  EXPECT_EQ(argv[2], "/opt/rw/pipelines/file.pipeline");
  EXPECT_EQ(argv[3], "--eos-timeout-s");
  EXPECT_EQ(argv[4], "5");
  EXPECT_EQ(variable(argv, "SOURCE_ID"), "3");
  EXPECT_EQ(variable(argv, "RUN_ID"), "17");
  EXPECT_EQ(variable(argv, "INPUT"), "/data/videos/3.mp4");
  EXPECT_EQ(variable(argv, "MODEL"), "/models/yolox_nano.onnx");
  EXPECT_EQ(variable(argv, "CALIBRATION"), "/var/rw/sessions/17/calibration.json");
  EXPECT_EQ(variable(argv, "ZONES"), "/var/rw/sessions/17/zones.json");
  EXPECT_EQ(variable(argv, "SPEED_LIMIT"), "60");
  EXPECT_EQ(variable(argv, "REDIS_HOST"), "10.0.0.2");
  EXPECT_EQ(variable(argv, "REDIS_PORT"), "6380");
  EXPECT_EQ(variable(argv, "KEY_PREFIX"), "rwtest");
  EXPECT_EQ(variable(argv, "URI"), "");
  // The dashboard draws the overlay from the analytics: frames come without it by default.
  EXPECT_EQ(variable(argv, "OVERLAY_SILENT"), "true");
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--set"), 11);
  EXPECT_TRUE(command.environment.empty());  // no password
}

TEST(RunnerArgv, CameraRunsTheLiveTemplateAndMissingSettingsAreLeftOut) {
  SourceConfig camera = video();
  camera.kind = SourceKind::kCamera;
  camera.uri = "rtsp://cam/stream";
  camera.calibration.reset();
  camera.speed_limit_kmh.reset();
  RunnerSettings settings;
  settings.templates_dir = "pipelines";
  settings.redis.password = "s3cret";
  const RunnerCommand command = runner_command(camera, 9, settings, session_files("d", 9));
  const auto &argv = command.argv;
  EXPECT_EQ(argv[2], "pipelines/live.pipeline");
  EXPECT_EQ(variable(argv, "URI"), "rtsp://cam/stream");
  EXPECT_EQ(variable(argv, "INPUT"), "");
  // No calibration: the template's default, "none" (homographyspeed measures nothing).
  for (const std::string &arg : argv) EXPECT_EQ(arg.find("CALIBRATION"), std::string::npos);
  EXPECT_EQ(variable(argv, "SPEED_LIMIT"), "0");
  // The password never on the command line: from the environment.
  for (const std::string &arg : argv) EXPECT_EQ(arg.find("s3cret"), std::string::npos);
  EXPECT_EQ(argv[argv.size() - 2], "--set-env");
  EXPECT_EQ(argv.back(), "REDIS_PASSWORD");
  EXPECT_EQ(command.environment.at("REDIS_PASSWORD"), "s3cret");
}

// --burn-overlays: the template's default (silent=false), the overlay drawn into the frames;
// the password stays the last argument either way.
TEST(RunnerArgv, BurnOverlaysLeavesOverlaySilentOut) {
  RunnerSettings settings;
  settings.redis.password = "s3cret";
  const RunnerCommand silent = runner_command(video(), 9, settings, session_files("d", 9));
  EXPECT_EQ(variable(silent.argv, "OVERLAY_SILENT"), "true");
  settings.burn_overlays = true;
  const RunnerCommand burnt = runner_command(video(), 9, settings, session_files("d", 9));
  for (const std::string &arg : burnt.argv) {
    EXPECT_EQ(arg.find("OVERLAY_SILENT"), std::string::npos) << arg;
  }
  EXPECT_EQ(burnt.argv.size() + 2, silent.argv.size());
  EXPECT_EQ(burnt.argv.back(), "REDIS_PASSWORD");
  EXPECT_EQ(silent.argv.back(), "REDIS_PASSWORD");
}

TEST(RunnerEosTimeout, EndsBeforeTheServerKills) {
  EXPECT_EQ(runner_eos_timeout(std::chrono::seconds(10)), std::chrono::seconds(5));
  EXPECT_EQ(runner_eos_timeout(std::chrono::seconds(1)), std::chrono::seconds(1));
  EXPECT_EQ(runner_eos_timeout(std::chrono::seconds(3)), std::chrono::seconds(1));
}

TEST(ConfigHash, EveryFieldWithVersionLast) {
  const auto fields = config_hash_fields(video());
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].first, "zones");
  EXPECT_EQ(fields[0].second, zones_config_json(video()));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"speed_limit", "60"}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"calibration", kCalibration}));
  EXPECT_EQ(fields[3], (std::pair<std::string, std::string>{"version", "4"}));
}

TEST(ConfigHash, CalibrationTakenAwayIsNone) {
  SourceConfig s = video();
  s.calibration.reset();
  s.speed_limit_kmh = 55.5;
  const auto fields = config_hash_fields(s);
  EXPECT_EQ(fields[1].second, "55.5");
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"calibration", "none"}));
}

}  // namespace
}  // namespace rw::server
