#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/types.hpp>

#include "rw/zones/config.hpp"

namespace rw::zones {

struct AnalyzerConfig {
  ZoneConfig zones;               // in pixels (ZoneConfig::to_pixels)
  double hysteresis_px = 4.0;     // margin a track must pass a zone border or line by
  double speed_limit_kmh = 0;     // 0 turns speeding detection off
  std::size_t max_tracks = 1000;  // bound on tracks held at once
  std::int64_t track_timeout_ns = 5'000'000'000;  // unseen this long (PTS): track dropped
  std::size_t max_classes = 256;                  // by_class bound; more labels go to "other"
};

struct TrackedObject {
  std::uint64_t track_id = 0;
  int class_id = 0;
  std::string label;
  cv::Point2d anchor_px;            // bottom-centre of the box: where the vehicle meets the road
  std::optional<double> speed_kmh;  // absent when no estimate exists yet
};

enum class EventType { kEnter, kExit, kLineCross, kSpeeding, kEndOfStream };

const char *to_string(EventType type);  // "enter", "exit", "line_cross", ... as in roadwatch/1
// The inverse of to_string; nullopt for any other name.
std::optional<EventType> event_type_from(std::string_view name);

struct Event {
  EventType type = EventType::kEnter;
  std::uint64_t track_id = 0;  // 0 for end_of_stream
  std::string label;           // the track's counted label (see ZoneAnalyzer)
  std::string zone;            // zone name; the line name for line_cross
  int direction = 0;           // line_cross: +1 right->left of a->b, -1 left->right
  // speeding: the highest speed reached inside the zone; exit: the mean of the track's valid
  // speeds over the frames it was inside (absent when it had none). Absent for other types.
  std::optional<double> speed_kmh;
  double limit_kmh = 0;       // speeding
  std::int64_t dwell_ns = 0;  // exit: time of leaving - time of entering (see ZoneAnalyzer)
  std::uint64_t frame_number = 0;
  std::int64_t pts_ns = 0;  // the frame that reports the event
};

struct LineCount {
  std::string name;
  std::uint64_t forward = 0;   // direction +1
  std::uint64_t backward = 0;  // direction -1
};

struct Stats {
  std::uint64_t total_vehicles = 0;  // unique tracks ever inside a zone (seen, without zones)
  std::uint64_t current_in_roi = 0;  // objects of this frame inside any zone
  std::uint64_t speeding_count = 0;  // of those, objects whose speed now exceeds the limit
  std::map<std::string, std::uint64_t> by_class;  // total_vehicles split by label
  std::vector<LineCount> line_counts;             // in config order
};

struct FrameResult {
  std::vector<std::vector<std::string>> zones;  // per input object: zones it is inside
  std::vector<Event> events;
  Stats stats;
};

struct Summary {
  std::uint64_t total_vehicles = 0;
  double average_dwell_s = 0;  // over every exit so far; 0 without any
  std::map<std::string, std::uint64_t> by_class;
  std::uint64_t violations = 0;  // speeding events emitted
};

// Zone occupancy, enter/exit with dwell, line crossings and speeding per track, with time from
// PTS. Rules:
// - Zones: a track enters when its anchor is inside by >= hysteresis_px and exits when it is
//   outside by >= hysteresis_px (by > 0 when hysteresis is 0), so border jitter smaller than
//   the margin makes no events. A track first seen deep inside enters on that frame. Zones
//   narrower than twice the margin are never entered. Dwell runs from the entering frame to
//   the frame that sees the track outside; for a dropped track, to its last sighting. An exit
//   carries the mean of the speeds the track had on the frames it was inside (those with one).
// - Lines: each track has a side per line, updated only when its anchor is >= hysteresis_px
//   from the line (a track's first position sets it whatever the distance). A crossing counts
//   when the side flips and some step since the last confirmed side crossed the segment itself
//   (crossing_direction), so jitter on the line counts once and going round an end never.
// - Speeding: one event per track per zone, for the first stay in which its speed exceeds
//   speed_limit_kmh. It is emitted when the track leaves the zone (or is dropped, or at
//   finish()) and carries the highest speed reached during that stay.
// - Labels: a track keeps the label it was first seen with (events, by_class); later
//   flicker is ignored, so by_class sums to total_vehicles.
// - Tracks unseen for track_timeout_ns are dropped, exiting the zones they were in; past
//   max_tracks the least recently seen track is dropped the same way. A dropped id that comes
//   back is a new vehicle (tracker ids are never reused, so this needs a long occlusion).
class ZoneAnalyzer {
 public:
  // Throws rw::Error for a normalized config, a negative hysteresis or limit, or max_tracks 0.
  explicit ZoneAnalyzer(AnalyzerConfig config);
  ~ZoneAnalyzer();
  ZoneAnalyzer(const ZoneAnalyzer &) = delete;
  ZoneAnalyzer &operator=(const ZoneAnalyzer &) = delete;

  FrameResult update(std::span<const TrackedObject> objects, std::uint64_t frame_number,
                     std::int64_t pts_ns);

  // End of stream: every track still inside exits (dwell up to when it was last seen), each
  // exit followed by its pending speeding event, then one end_of_stream event. Tracks are
  // forgotten; totals stay for summary().
  std::vector<Event> finish(std::int64_t pts_ns);

  Summary summary() const;
  std::size_t track_count() const;

  // A new limit from the next update on, keeping tracks and totals (a live change of the
  // limit must not restart the counts). A stay already over the old limit stays reported.
  // Throws rw::Error for a negative limit.
  void set_speed_limit(double speed_limit_kmh);

  // Forgets tracks and totals (new stream, flush).
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::zones
