#pragma once

// What a run of roadwatch-run needs from a sources row: the zones and calibration files, the
// template variables, and the live config hash that carries later changes to a running
// pipeline without a restart (pipelines/README.md).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rw/publish/connection.hpp"
#include "supervisor/session.hpp"

namespace rw::server {

struct SourceConfig {
  int id = 0;
  SourceKind kind = SourceKind::kVideo;
  std::string file_path;                   // video
  std::string uri;                         // camera
  std::optional<std::string> roi;          // JSON {"roi_polygon": [[x, y], ...]}
  std::optional<std::string> lines;        // JSON [{"name", "points": [[x, y], [x, y]]}]
  std::optional<std::string> calibration;  // homographyspeed calibration JSON
  std::optional<double> speed_limit_kmh;   // NULL or 0: no speeding events
  int config_version = 0;
};

// Row `row` of a result with the columns id, kind, file_path, uri, roi, lines, calibration
// (JSON as text), speed_limit_kmh, config_version. Throws std::invalid_argument naming a bad
// column.
SourceConfig source_from_row(const SqlRows &rows, std::size_t row);

// The zones config of roianalytics and trafficoverlay: the ROI as the zone "roi" and the
// counting lines. Without an ROI the zone "roi" covers the whole frame (the seed counts every
// vehicle then). Checked with roianalytics' own parser: throws std::invalid_argument with its
// message for a config the pipeline would reject.
std::string zones_config_json(const SourceConfig &source);

// The calibration JSON, checked with homographyspeed's own parser (std::invalid_argument
// otherwise); nullopt when the source has none.
std::optional<std::string> calibration_json(const SourceConfig &source);

// Everything that is the same for every run the server starts.
struct RunnerSettings {
  std::string runner;         // roadwatch-run
  std::string templates_dir;  // file.pipeline, live.pipeline
  std::string model;
  rw::publish::RedisEndpoint redis;
  std::string key_prefix = "roadwatch";
  std::chrono::seconds eos_timeout{5};  // the runner's --eos-timeout-s
  bool burn_overlays = false;           // --burn-overlays: frames with the overlay drawn in
};

// Where a session's files are.
struct SessionFiles {
  std::string zones_path;
  std::string calibration_path;  // written only when the source has a calibration
  std::string log_path;
};

SessionFiles session_files(const std::string &data_dir, std::int64_t session_id);

// How to start roadwatch-run for a session: its argv (argv[0] = the runner) and what it needs
// in its environment on top of the server's.
struct RunnerCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;
};

// file.pipeline for videos, live.pipeline for cameras; SOURCE_ID = the source id, RUN_ID = the
// session id. A source without a calibration leaves CALIBRATION out: the template's default
// "none" runs it without speeds (zones and counts still work). OVERLAY_SILENT=true unless
// burn_overlays: the dashboard draws boxes, zones and lines itself from the analytics, so the
// frames must come without them (trafficoverlay silent). The Redis password goes through
// the environment (--set-env), never the command line that every user of the machine can read.
RunnerCommand runner_command(const SourceConfig &source, std::int64_t session_id,
                             const RunnerSettings &settings, const SessionFiles &files);

// The runner stops cleanly on SIGTERM within its --eos-timeout-s; the server sends SIGKILL
// after stop_timeout, so the runner's wait must end first: half of it, at least 1 s.
std::chrono::seconds runner_eos_timeout(std::chrono::seconds stop_timeout);

// HSET fields of {prefix}:{source}:config, version last: the runner applies a hash only when
// its version changes, and reads every field it has. A calibration taken away is "none".
std::vector<std::pair<std::string, std::string>> config_hash_fields(const SourceConfig &source);

}  // namespace rw::server
