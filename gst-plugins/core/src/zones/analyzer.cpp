#include "rw/zones/analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rw/common/error.hpp"
#include "rw/zones/geometry.hpp"

namespace rw::zones {

const char *to_string(EventType type) {
  switch (type) {
    case EventType::kEnter:
      return "enter";
    case EventType::kExit:
      return "exit";
    case EventType::kLineCross:
      return "line_cross";
    case EventType::kSpeeding:
      return "speeding";
    case EventType::kEndOfStream:
      return "end_of_stream";
  }
  return "unknown";
}

std::optional<EventType> event_type_from(std::string_view name) {
  for (EventType type : {EventType::kEnter, EventType::kExit, EventType::kLineCross,
                         EventType::kSpeeding, EventType::kEndOfStream}) {
    if (name == to_string(type)) return type;
  }
  return std::nullopt;
}

namespace {

struct ZoneState {
  bool inside = false;
  std::int64_t entered_ns = 0;
  bool speeding = false;           // exceeded the limit during this stay, not yet reported
  bool speeding_reported = false;  // one speeding event per track per zone
  double max_speed_kmh = 0;
  double speed_sum_kmh = 0;  // over the frames of this stay with a speed, for the exit's mean
  std::uint64_t speed_frames = 0;
};

struct LineState {
  int side = 0;                  // sign of signed_distance_to_line; 0 until known
  bool crossed_segment = false;  // a step crossed the segment since the side was last confirmed
};

struct TrackState {
  std::string label;
  bool counted = false;
  cv::Point2d anchor_px;
  std::int64_t last_seen_ns = 0;
  std::vector<ZoneState> zones;
  std::vector<LineState> lines;
};

int sign(double v) {
  return (v > 0) - (v < 0);
}

}  // namespace

struct ZoneAnalyzer::Impl {
  AnalyzerConfig config;
  std::map<std::uint64_t, TrackState> tracks;  // by id, for a stable event order; max_tracks
  Stats totals;  // total_vehicles, by_class, line_counts; the current_* fields stay 0
  std::int64_t dwell_sum_ns = 0;
  std::uint64_t exits = 0;
  std::uint64_t violations = 0;
  std::uint64_t last_frame_number = 0;

  explicit Impl(AnalyzerConfig c) : config(std::move(c)) { reset(); }

  void reset() {
    tracks.clear();
    totals = {};
    for (const CountingLine &line : config.zones.lines) totals.line_counts.push_back({line.name});
    dwell_sum_ns = 0;
    exits = violations = 0;
    last_frame_number = 0;
  }

  Event event(EventType type, std::uint64_t id, const TrackState &track, std::size_t zone,
              std::uint64_t frame_number, std::int64_t pts_ns) const {
    Event e;
    e.type = type;
    e.track_id = id;
    e.label = track.label;
    e.zone = config.zones.zones[zone].name;
    e.frame_number = frame_number;
    e.pts_ns = pts_ns;
    return e;
  }

  // Exit, with the dwell up to left_ns, followed by the stay's pending speeding event.
  void leave(std::uint64_t id, TrackState &track, std::size_t zone, std::int64_t left_ns,
             std::uint64_t frame_number, std::int64_t pts_ns, std::vector<Event> &events) {
    ZoneState &state = track.zones[zone];
    Event exit = event(EventType::kExit, id, track, zone, frame_number, pts_ns);
    exit.dwell_ns = left_ns - state.entered_ns;
    if (state.speed_frames > 0) {
      exit.speed_kmh = state.speed_sum_kmh / static_cast<double>(state.speed_frames);
    }
    dwell_sum_ns += exit.dwell_ns;
    ++exits;
    events.push_back(std::move(exit));
    if (state.speeding) {
      Event speeding = event(EventType::kSpeeding, id, track, zone, frame_number, pts_ns);
      speeding.speed_kmh = state.max_speed_kmh;
      speeding.limit_kmh = config.speed_limit_kmh;
      events.push_back(std::move(speeding));
      state.speeding = false;
      state.speeding_reported = true;
      ++violations;
    }
    state.inside = false;
  }

  void drop(std::uint64_t id, TrackState &track, std::uint64_t frame_number, std::int64_t pts_ns,
            std::vector<Event> &events) {
    for (std::size_t z = 0; z < track.zones.size(); ++z) {
      if (track.zones[z].inside) {
        leave(id, track, z, track.last_seen_ns, frame_number, pts_ns, events);
      }
    }
  }

  void drop_stale(std::uint64_t frame_number, std::int64_t pts_ns, std::vector<Event> &events) {
    for (auto it = tracks.begin(); it != tracks.end();) {
      if (pts_ns - it->second.last_seen_ns > config.track_timeout_ns) {
        drop(it->first, it->second, frame_number, pts_ns, events);
        it = tracks.erase(it);
      } else {
        ++it;
      }
    }
  }

  TrackState &find_or_add(const TrackedObject &object, std::uint64_t frame_number,
                          std::int64_t pts_ns, std::vector<Event> &events, bool &is_new) {
    const auto found = tracks.find(object.track_id);
    is_new = found == tracks.end();
    if (!is_new) return found->second;
    if (tracks.size() >= config.max_tracks) {
      const auto oldest =
          std::min_element(tracks.begin(), tracks.end(), [](const auto &l, const auto &r) {
            return l.second.last_seen_ns < r.second.last_seen_ns;
          });
      drop(oldest->first, oldest->second, frame_number, pts_ns, events);
      tracks.erase(oldest);
    }
    TrackState track;
    track.label = object.label;
    track.zones.resize(config.zones.zones.size());
    track.lines.resize(config.zones.lines.size());
    return tracks.emplace(object.track_id, std::move(track)).first->second;
  }

  void count(TrackState &track) {
    track.counted = true;
    ++totals.total_vehicles;
    const bool known = totals.by_class.contains(track.label);
    if (known || totals.by_class.size() < config.max_classes) {
      ++totals.by_class[track.label];
    } else {
      ++totals.by_class["other"];
    }
  }

  void update_zones(const TrackedObject &object, TrackState &track, std::uint64_t frame_number,
                    std::int64_t pts_ns, std::vector<std::string> &inside,
                    std::vector<Event> &events) {
    const double margin_px = config.hysteresis_px;
    for (std::size_t z = 0; z < track.zones.size(); ++z) {
      ZoneState &state = track.zones[z];
      const double depth_px =
          signed_distance_to_polygon_edge(object.anchor_px, config.zones.zones[z].polygon);
      if (!state.inside && depth_px >= margin_px) {
        state.inside = true;
        state.entered_ns = pts_ns;
        state.speed_sum_kmh = 0;
        state.speed_frames = 0;
        events.push_back(event(EventType::kEnter, object.track_id, track, z, frame_number, pts_ns));
      } else if (state.inside && depth_px < 0 && -depth_px >= margin_px) {
        leave(object.track_id, track, z, pts_ns, frame_number, pts_ns, events);
      }
      if (!state.inside) continue;
      inside.push_back(config.zones.zones[z].name);
      if (object.speed_kmh && std::isfinite(*object.speed_kmh)) {
        state.speed_sum_kmh += *object.speed_kmh;
        ++state.speed_frames;
      }
      const bool limited = config.speed_limit_kmh > 0 && !state.speeding_reported;
      if (limited && object.speed_kmh && *object.speed_kmh > config.speed_limit_kmh) {
        state.max_speed_kmh =
            state.speeding ? std::max(state.max_speed_kmh, *object.speed_kmh) : *object.speed_kmh;
        state.speeding = true;
      }
    }
  }

  void update_lines(const TrackedObject &object, TrackState &track, bool is_new,
                    std::uint64_t frame_number, std::int64_t pts_ns, std::vector<Event> &events) {
    for (std::size_t l = 0; l < track.lines.size(); ++l) {
      const CountingLine &line = config.zones.lines[l];
      LineState &state = track.lines[l];
      const double distance_px = signed_distance_to_line(object.anchor_px, line.a, line.b);
      if (is_new) {
        state.side = sign(distance_px);
        continue;
      }
      if (crossing_direction(track.anchor_px, object.anchor_px, line.a, line.b)) {
        state.crossed_segment = true;
      }
      if (distance_px == 0 || std::abs(distance_px) < config.hysteresis_px) continue;
      const int side = sign(distance_px);
      if (state.side != 0 && side != state.side && state.crossed_segment) {
        Event cross;
        cross.type = EventType::kLineCross;
        cross.track_id = object.track_id;
        cross.label = track.label;
        cross.zone = line.name;
        cross.direction = state.side > 0 ? 1 : -1;
        cross.frame_number = frame_number;
        cross.pts_ns = pts_ns;
        LineCount &counts = totals.line_counts[l];
        ++(cross.direction > 0 ? counts.forward : counts.backward);
        events.push_back(std::move(cross));
      }
      state.side = side;
      state.crossed_segment = false;
    }
  }
};

ZoneAnalyzer::ZoneAnalyzer(AnalyzerConfig config) {
  if (config.zones.normalized) {
    throw Error("zone analyzer: the zones config is normalized; resolve it with to_pixels()");
  }
  if (!(config.hysteresis_px >= 0) || !(config.speed_limit_kmh >= 0)) {
    throw Error("zone analyzer: hysteresis and speed limit must be >= 0");
  }
  if (config.max_tracks == 0 || config.track_timeout_ns <= 0) {
    throw Error("zone analyzer: max_tracks and the track timeout must be positive");
  }
  impl_ = std::make_unique<Impl>(std::move(config));
}

ZoneAnalyzer::~ZoneAnalyzer() = default;

FrameResult ZoneAnalyzer::update(std::span<const TrackedObject> objects, std::uint64_t frame_number,
                                 std::int64_t pts_ns) {
  Impl &s = *impl_;
  s.last_frame_number = frame_number;
  FrameResult result;
  s.drop_stale(frame_number, pts_ns, result.events);
  const bool has_zones = !s.config.zones.zones.empty();
  for (const TrackedObject &object : objects) {
    bool is_new = false;
    TrackState &track = s.find_or_add(object, frame_number, pts_ns, result.events, is_new);
    std::vector<std::string> &inside = result.zones.emplace_back();
    s.update_zones(object, track, frame_number, pts_ns, inside, result.events);
    s.update_lines(object, track, is_new, frame_number, pts_ns, result.events);
    track.anchor_px = object.anchor_px;
    track.last_seen_ns = pts_ns;
    if (!track.counted && (!has_zones || !inside.empty())) s.count(track);
    if (inside.empty()) continue;
    ++result.stats.current_in_roi;
    if (s.config.speed_limit_kmh > 0 && object.speed_kmh &&
        *object.speed_kmh > s.config.speed_limit_kmh) {
      ++result.stats.speeding_count;
    }
  }
  result.stats.total_vehicles = s.totals.total_vehicles;
  result.stats.by_class = s.totals.by_class;
  result.stats.line_counts = s.totals.line_counts;
  return result;
}

std::vector<Event> ZoneAnalyzer::finish(std::int64_t pts_ns) {
  Impl &s = *impl_;
  std::vector<Event> events;
  for (auto &[id, track] : s.tracks) s.drop(id, track, s.last_frame_number, pts_ns, events);
  s.tracks.clear();
  Event end;
  end.type = EventType::kEndOfStream;
  end.frame_number = s.last_frame_number;
  end.pts_ns = pts_ns;
  events.push_back(std::move(end));
  return events;
}

Summary ZoneAnalyzer::summary() const {
  const Impl &s = *impl_;
  Summary summary;
  summary.total_vehicles = s.totals.total_vehicles;
  summary.by_class = s.totals.by_class;
  summary.violations = s.violations;
  if (s.exits > 0) {
    summary.average_dwell_s =
        static_cast<double>(s.dwell_sum_ns) / static_cast<double>(s.exits) / 1e9;
  }
  return summary;
}

void ZoneAnalyzer::set_speed_limit(double speed_limit_kmh) {
  if (!(speed_limit_kmh >= 0)) throw Error("zone analyzer: the speed limit must be >= 0");
  impl_->config.speed_limit_kmh = speed_limit_kmh;
}

std::size_t ZoneAnalyzer::track_count() const {
  return impl_->tracks.size();
}

void ZoneAnalyzer::reset() {
  impl_->reset();
}

}  // namespace rw::zones
