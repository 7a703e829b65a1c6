#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rw/zones/analyzer.hpp"

namespace rw::schema {

inline constexpr const char *kSchemaName = "roadwatch/1";

// A box normalised to the frame: x, y top-left, w, h, all in [0, 1].
struct NormBox {
  double x = 0, y = 0, w = 0, h = 0;
};

// Ground-plane position from the calibration (homographyspeed).
struct WorldPosition {
  double x_m = 0, y_m = 0;
};

struct ObjectRecord {
  std::optional<std::uint64_t> track_id;  // absent without a tracker
  int class_id = 0;
  std::string label;
  double confidence = 0;
  NormBox bbox;
  std::optional<double> speed_kmh;                // absent until the speed is measurable
  std::optional<double> speed_err_kmh;            // 1-sigma; only with speed_kmh
  std::optional<WorldPosition> world;             // absent without a calibration
  std::optional<std::vector<std::string>> zones;  // absent without roianalytics
};

// One roadwatch/1 record: everything known about one frame (SPEC §5).
struct FrameRecord {
  std::string source_id;
  std::uint64_t frame_number = 0;
  std::optional<std::int64_t> pts_ns;  // absent when the buffer has no timestamp
  std::int64_t ts_unix_ms = 0;
  int frame_w = 0;
  int frame_h = 0;
  std::vector<ObjectRecord> objects;
  // roianalytics' frame results; absent without it.
  std::optional<rw::zones::Stats> stats;
  std::vector<rw::zones::Event> events;  // written (possibly []) with stats, or when any
  // Written into the end_of_stream event, which is where a consumer of the stream looks.
  std::optional<rw::zones::Summary> summary;
};

// Normalises a pixel box to the frame, clamped to [0, 1].
NormBox normalise_box(double x_px, double y_px, double w_px, double h_px, int frame_w, int frame_h);

// One line of JSON, no trailing newline, keys in SPEC order. Rounding: normalised coordinates
// and confidences 6 decimals, speeds 0.01 km/h, world positions 1 mm, durations 1 ms.
// Events carry the keys of their
// type: track_id and label (all but end_of_stream), zone (enter, exit, speeding), line and
// direction "forward"/"backward" (line_cross), speed_kmh and limit_kmh (speeding), dwell_s and,
// when known, speed_kmh (exit), then frame_number and pts_ns, and summary (end_of_stream, when
// known).
std::string to_json(const FrameRecord &record);

// Each event of the record as a JSON object of its own, exactly as in to_json's "events".
std::vector<std::string> events_to_json(const FrameRecord &record);

}  // namespace rw::schema
