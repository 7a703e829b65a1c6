#pragma once

#include <optional>
#include <vector>

#include "rw/zones/analyzer.hpp"
#include "schema/json_writer.hpp"

// The roadwatch/1 parts that roianalytics fills: "stats" and "events" (SPEC §5).
namespace rw::schema {

// {"total_vehicles", "current_in_roi", "speeding_count", "by_class": {label: n},
//  "line_counts": {name: {"forward": n, "backward": m}}}, lines in config order.
void write_stats(JsonWriter &json, const rw::zones::Stats &stats);

// One event object; the summary goes in only if it is an end_of_stream event.
void write_event(JsonWriter &json, const rw::zones::Event &event,
                 const std::optional<rw::zones::Summary> &summary);

// An array of events; the summary goes into each end_of_stream event (see to_json).
void write_events(JsonWriter &json, const std::vector<rw::zones::Event> &events,
                  const std::optional<rw::zones::Summary> &summary);

}  // namespace rw::schema
