#include "schema/zone_json.hpp"

#include <cstdint>
#include <map>
#include <string>

#include "schema/rounding.hpp"

namespace rw::schema {
namespace {

using rw::zones::Event;
using rw::zones::EventType;

void write_by_class(JsonWriter &json, const std::map<std::string, std::uint64_t> &by_class) {
  json.key("by_class").begin_object();
  for (const auto &[label, count] : by_class) json.key(label).value(count);
  json.end_object();
}

void write_summary(JsonWriter &json, const rw::zones::Summary &summary) {
  json.key("summary").begin_object();
  json.key("total_vehicles").value(summary.total_vehicles);
  json.key("average_dwell_s").value(round_to(summary.average_dwell_s, kPerSecond));
  write_by_class(json, summary.by_class);
  json.key("violations").value(summary.violations);
  json.end_object();
}

}  // namespace

// Key order follows SPEC §5's example (type, track_id, speed_kmh, limit_kmh, zone, frame_number,
// pts_ns), with each type's own keys in their natural places.
void write_event(JsonWriter &json, const Event &event,
                 const std::optional<rw::zones::Summary> &summary) {
  json.begin_object();
  json.key("type").value(rw::zones::to_string(event.type));
  if (event.type != EventType::kEndOfStream) {
    json.key("track_id").value(event.track_id);
    json.key("label").value(event.label);
  }
  if (event.type == EventType::kSpeeding) {
    json.key("speed_kmh").value(round_to(event.speed_kmh.value_or(0), kPerKmh));
    json.key("limit_kmh").value(round_to(event.limit_kmh, kPerKmh));
  } else if (event.type == EventType::kExit && event.speed_kmh) {
    json.key("speed_kmh").value(round_to(*event.speed_kmh, kPerKmh));  // the stay's mean
  }
  if (event.type == EventType::kLineCross) {
    // Named like stats.line_counts, so a consumer can tally events into the same buckets.
    json.key("line").value(event.zone);
    json.key("direction").value(event.direction > 0 ? "forward" : "backward");
  } else if (event.type != EventType::kEndOfStream) {
    json.key("zone").value(event.zone);
  }
  if (event.type == EventType::kExit) {
    json.key("dwell_s").value(round_to(static_cast<double>(event.dwell_ns) / 1e9, kPerSecond));
  }
  json.key("frame_number").value(event.frame_number);
  json.key("pts_ns").value(event.pts_ns);
  if (event.type == EventType::kEndOfStream && summary) write_summary(json, *summary);
  json.end_object();
}

void write_stats(JsonWriter &json, const rw::zones::Stats &stats) {
  json.begin_object();
  json.key("total_vehicles").value(stats.total_vehicles);
  json.key("current_in_roi").value(stats.current_in_roi);
  json.key("speeding_count").value(stats.speeding_count);
  write_by_class(json, stats.by_class);
  json.key("line_counts").begin_object();
  for (const rw::zones::LineCount &line : stats.line_counts) {
    json.key(line.name).begin_object();
    json.key("forward").value(line.forward).key("backward").value(line.backward);
    json.end_object();
  }
  json.end_object();
  json.end_object();
}

void write_events(JsonWriter &json, const std::vector<Event> &events,
                  const std::optional<rw::zones::Summary> &summary) {
  json.begin_array();
  for (const Event &event : events) write_event(json, event, summary);
  json.end_array();
}

}  // namespace rw::schema
