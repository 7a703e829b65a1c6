#pragma once

// The WebSocket analytics message for one roadwatch/1 record (docs/schema/roadwatch-1.schema.json):
// {"type":"analytics","channel":"analytics_metrics_3","data":{"video_id":3,"frame_number",
//  "timestamp":<ts_unix_ms>,"pts_ns" (when known),"frame_size":{"w","h"},"stats":{...},
//  "speeding_vehicles":[{"track_id","bbox":{"x1","y1","x2","y2"} (pixels),"speed",
//  "speed_unit":"km/h","class_id","confidence"}],"objects":[...],"events":[...]}}
//
// speeding_vehicles are the objects stats.speeding_count counts: roianalytics counts the
// objects inside a zone whose speed exceeds the limit, so they are the speeding_count fastest
// objects inside a zone. The record does not carry the limit itself (only speeding events,
// once per zone stay, do), and this needs no state. Without stats (no zone analysis) the list
// is empty; stats is then {} and events [].

#include <string>

#include <nlohmann/json.hpp>

namespace rw::server {

// Throws rw::Error naming the field when the record lacks one this message needs or has it
// with the wrong type.
nlohmann::json analytics_data(const nlohmann::json &record, int source_id);

// The whole message, serialised.
std::string analytics_message(const nlohmann::json &record, int source_id);

}  // namespace rw::server
