#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rw::schema {

inline constexpr const char *kSchemaName = "roadwatch/1";

// A box normalised to the frame: x, y top-left, w, h, all in [0, 1].
struct NormBox {
  double x = 0, y = 0, w = 0, h = 0;
};

struct ObjectRecord {
  std::optional<std::uint64_t> track_id;  // absent without a tracker
  int class_id = 0;
  std::string label;
  double confidence = 0;
  NormBox bbox;
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
};

// Normalises a pixel box to the frame, clamped to [0, 1].
NormBox normalise_box(double x_px, double y_px, double w_px, double h_px, int frame_w, int frame_h);

// One line of JSON, no trailing newline. Normalised coordinates and confidences are rounded
// to 6 decimals; keys appear in SPEC order.
std::string to_json(const FrameRecord &record);

}  // namespace rw::schema
