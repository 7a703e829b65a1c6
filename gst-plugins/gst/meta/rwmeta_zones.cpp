// RwZoneFrame and the roadwatch-event / roadwatch-summary structures (rwmeta.h).
#include <string_view>

#include "meta/rwmeta.h"

namespace rw::meta {
namespace {

using rw::zones::Event;
using rw::zones::EventType;
using rw::zones::LineCount;
using rw::zones::Stats;
using rw::zones::Summary;

constexpr const char *kFieldType = "type";
constexpr const char *kFieldTrackId = "track-id";
constexpr const char *kFieldZone = "zone";
constexpr const char *kFieldDirection = "direction";
constexpr const char *kFieldSpeedKmh = "speed-kmh";
constexpr const char *kFieldLimitKmh = "limit-kmh";
constexpr const char *kFieldDwellNs = "dwell-ns";
constexpr const char *kFieldFrameNumber = "frame-number";
constexpr const char *kFieldPtsNs = "pts-ns";
constexpr const char *kFieldTotalVehicles = "total-vehicles";
constexpr const char *kFieldCurrentInRoi = "current-in-roi";
constexpr const char *kFieldSpeedingCount = "speeding-count";
constexpr const char *kFieldByClass = "by-class";  // array of "class" {label, count}
constexpr const char *kFieldLineCounts =
    "line-counts";                              // array of "line" {name, forward, backward}
constexpr const char *kFieldEvents = "events";  // array of roadwatch-event
constexpr const char *kFieldSummary = "summary";
constexpr const char *kFieldAverageDwellS = "average-dwell-s";
constexpr const char *kFieldViolations = "violations";
constexpr const char *kFieldCount = "count";
constexpr const char *kFieldName = "name";
constexpr const char *kFieldForward = "forward";
constexpr const char *kFieldBackward = "backward";

const GstMetaInfo *zone_frame_info() {
  static const gchar *no_tags[] = {nullptr};
  static const GstMetaInfo *info =
      gst_meta_register_custom(kZoneFrameMeta, no_tags, nullptr, nullptr, nullptr);
  return info;
}

// Appends a structure to a GstValueArray, taking ownership of it.
void append_structure(GValue *array, GstStructure *structure) {
  GValue value = G_VALUE_INIT;
  g_value_init(&value, GST_TYPE_STRUCTURE);
  g_value_take_boxed(&value, structure);
  gst_value_array_append_and_take_value(array, &value);
}

template <typename Visit>
void for_each_structure(const GstStructure *s, const char *field, Visit visit) {
  const GValue *array = gst_structure_get_value(s, field);
  if (array == nullptr || !GST_VALUE_HOLDS_ARRAY(array)) return;
  for (guint i = 0; i < gst_value_array_get_size(array); ++i) {
    const GValue *item = gst_value_array_get_value(array, i);
    if (GST_VALUE_HOLDS_STRUCTURE(item)) visit(gst_value_get_structure(item));
  }
}

void set_by_class(GstStructure *s, const std::map<std::string, std::uint64_t> &by_class) {
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, static_cast<guint>(by_class.size()));
  for (const auto &[label, count] : by_class) {
    append_structure(&array, gst_structure_new("class", kFieldLabel, G_TYPE_STRING, label.c_str(),
                                               kFieldCount, G_TYPE_UINT64, count, nullptr));
  }
  gst_structure_take_value(s, kFieldByClass, &array);
}

std::map<std::string, std::uint64_t> get_by_class(const GstStructure *s) {
  std::map<std::string, std::uint64_t> by_class;
  for_each_structure(s, kFieldByClass, [&](const GstStructure *item) {
    const gchar *label = gst_structure_get_string(item, kFieldLabel);
    guint64 count = 0;
    if (label != nullptr && gst_structure_get_uint64(item, kFieldCount, &count)) {
      by_class[label] = count;
    }
  });
  return by_class;
}

std::string string_field(const GstStructure *s, const char *field) {
  const gchar *value = gst_structure_get_string(s, field);
  return value != nullptr ? value : "";
}

void set_stats(GstStructure *s, const Stats &stats) {
  gst_structure_set(s, kFieldTotalVehicles, G_TYPE_UINT64, stats.total_vehicles, kFieldCurrentInRoi,
                    G_TYPE_UINT64, stats.current_in_roi, kFieldSpeedingCount, G_TYPE_UINT64,
                    stats.speeding_count, nullptr);
  set_by_class(s, stats.by_class);
  GValue lines = G_VALUE_INIT;
  gst_value_array_init(&lines, static_cast<guint>(stats.line_counts.size()));
  for (const LineCount &line : stats.line_counts) {
    append_structure(&lines,
                     gst_structure_new("line", kFieldName, G_TYPE_STRING, line.name.c_str(),
                                       kFieldForward, G_TYPE_UINT64, line.forward, kFieldBackward,
                                       G_TYPE_UINT64, line.backward, nullptr));
  }
  gst_structure_take_value(s, kFieldLineCounts, &lines);
}

Stats read_stats(const GstStructure *s) {
  Stats stats;
  gst_structure_get_uint64(s, kFieldTotalVehicles, &stats.total_vehicles);
  gst_structure_get_uint64(s, kFieldCurrentInRoi, &stats.current_in_roi);
  gst_structure_get_uint64(s, kFieldSpeedingCount, &stats.speeding_count);
  stats.by_class = get_by_class(s);
  for_each_structure(s, kFieldLineCounts, [&](const GstStructure *item) {
    LineCount line{string_field(item, kFieldName), 0, 0};
    gst_structure_get_uint64(item, kFieldForward, &line.forward);
    gst_structure_get_uint64(item, kFieldBackward, &line.backward);
    stats.line_counts.push_back(std::move(line));
  });
  return stats;
}

}  // namespace

GstStructure *event_structure(const Event &event) {
  GstStructure *s = gst_structure_new(
      kEventStructure, kFieldType, G_TYPE_STRING, rw::zones::to_string(event.type), kFieldTrackId,
      G_TYPE_UINT64, event.track_id, kFieldLabel, G_TYPE_STRING, event.label.c_str(), kFieldZone,
      G_TYPE_STRING, event.zone.c_str(), kFieldDirection, G_TYPE_INT, event.direction,
      kFieldLimitKmh, G_TYPE_DOUBLE, event.limit_kmh, kFieldDwellNs, G_TYPE_INT64, event.dwell_ns,
      kFieldFrameNumber, G_TYPE_UINT64, event.frame_number, kFieldPtsNs, G_TYPE_INT64, event.pts_ns,
      nullptr);
  // Absent, not 0, when unknown (an exit without a measured speed).
  if (event.speed_kmh)
    gst_structure_set(s, kFieldSpeedKmh, G_TYPE_DOUBLE, *event.speed_kmh, nullptr);
  return s;
}

std::optional<Event> parse_event(const GstStructure *s) {
  if (s == nullptr || !gst_structure_has_name(s, kEventStructure)) return std::nullopt;
  const std::optional<EventType> type = rw::zones::event_type_from(string_field(s, kFieldType));
  if (!type) return std::nullopt;
  Event event;
  event.type = *type;
  gst_structure_get_uint64(s, kFieldTrackId, &event.track_id);
  event.label = string_field(s, kFieldLabel);
  event.zone = string_field(s, kFieldZone);
  gst_structure_get_int(s, kFieldDirection, &event.direction);
  if (double speed_kmh = 0; gst_structure_get_double(s, kFieldSpeedKmh, &speed_kmh)) {
    event.speed_kmh = speed_kmh;
  }
  gst_structure_get_double(s, kFieldLimitKmh, &event.limit_kmh);
  gint64 dwell_ns = 0, pts_ns = 0;
  gst_structure_get_int64(s, kFieldDwellNs, &dwell_ns);
  gst_structure_get_int64(s, kFieldPtsNs, &pts_ns);
  event.dwell_ns = dwell_ns;
  event.pts_ns = pts_ns;
  gst_structure_get_uint64(s, kFieldFrameNumber, &event.frame_number);
  return event;
}

GstStructure *summary_structure(const Summary &summary) {
  GstStructure *s = gst_structure_new(kSummaryStructure, kFieldTotalVehicles, G_TYPE_UINT64,
                                      summary.total_vehicles, kFieldAverageDwellS, G_TYPE_DOUBLE,
                                      summary.average_dwell_s, kFieldViolations, G_TYPE_UINT64,
                                      summary.violations, nullptr);
  set_by_class(s, summary.by_class);
  return s;
}

std::optional<Summary> parse_summary(const GstStructure *s) {
  if (s == nullptr || !gst_structure_has_name(s, kSummaryStructure)) return std::nullopt;
  Summary summary;
  gst_structure_get_uint64(s, kFieldTotalVehicles, &summary.total_vehicles);
  gst_structure_get_double(s, kFieldAverageDwellS, &summary.average_dwell_s);
  gst_structure_get_uint64(s, kFieldViolations, &summary.violations);
  summary.by_class = get_by_class(s);
  return summary;
}

void set_zone_frame(GstBuffer *buffer, const ZoneFrame &frame) {
  zone_frame_info();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kZoneFrameMeta);
  if (meta == nullptr) meta = gst_buffer_add_custom_meta(buffer, kZoneFrameMeta);
  // The meta owns its structure: refill it rather than replace it.
  GstStructure *s = gst_custom_meta_get_structure(meta);
  gst_structure_remove_all_fields(s);
  set_stats(s, frame.stats);
  GValue events = G_VALUE_INIT;
  gst_value_array_init(&events, static_cast<guint>(frame.events.size()));
  for (const Event &event : frame.events) append_structure(&events, event_structure(event));
  gst_structure_take_value(s, kFieldEvents, &events);
  if (frame.summary) {
    GValue summary = G_VALUE_INIT;
    g_value_init(&summary, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&summary, summary_structure(*frame.summary));
    gst_structure_take_value(s, kFieldSummary, &summary);
  }
}

std::optional<ZoneFrame> zone_frame(GstBuffer *buffer) {
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kZoneFrameMeta);
  if (meta == nullptr) return std::nullopt;
  const GstStructure *s = gst_custom_meta_get_structure(meta);
  ZoneFrame frame;
  frame.stats = read_stats(s);
  for_each_structure(s, kFieldEvents, [&](const GstStructure *item) {
    if (auto event = parse_event(item)) frame.events.push_back(std::move(*event));
  });
  if (gst_structure_has_field_typed(s, kFieldSummary, GST_TYPE_STRUCTURE)) {
    const GValue *value = gst_structure_get_value(s, kFieldSummary);
    frame.summary = parse_summary(gst_value_get_structure(value));
  }
  return frame;
}

}  // namespace rw::meta
