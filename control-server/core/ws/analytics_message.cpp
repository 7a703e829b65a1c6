#include "ws/analytics_message.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "rw/common/error.hpp"
#include "ws/channel.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

const json &member(const json &object, const char *key, json::value_t type, const char *where) {
  const auto it = object.find(key);
  const bool number_ok = type == json::value_t::number_float && it != object.end() &&
                         it->is_number();  // 1 is a fine float
  const bool integer_ok =
      type == json::value_t::number_integer && it != object.end() && it->is_number_integer();
  if (it == object.end() || !(it->type() == type || number_ok || integer_ok)) {
    throw rw::Error(std::string("roadwatch/1 record: ") + where + "." + key +
                    (it == object.end() ? " is missing" : " has the wrong type"));
  }
  return *it;
}

bool inside_a_zone(const json &object) {
  const auto zones = object.find("zones");
  return zones != object.end() && zones->is_array() && !zones->empty();
}

json speeding_vehicle(const json &object, double frame_w, double frame_h) {
  const json &bbox = member(object, "bbox", json::value_t::object, "objects[]");
  const double x = member(bbox, "x", json::value_t::number_float, "bbox").get<double>();
  const double y = member(bbox, "y", json::value_t::number_float, "bbox").get<double>();
  const double w = member(bbox, "w", json::value_t::number_float, "bbox").get<double>();
  const double h = member(bbox, "h", json::value_t::number_float, "bbox").get<double>();
  json vehicle = {
      {"track_id", object.value("track_id", json())},
      {"bbox",
       {{"x1", std::lround(x * frame_w)},
        {"y1", std::lround(y * frame_h)},
        {"x2", std::lround((x + w) * frame_w)},
        {"y2", std::lround((y + h) * frame_h)}}},
      {"speed", object.at("speed_kmh")},
      {"speed_unit", "km/h"},
      {"class_id", member(object, "class_id", json::value_t::number_integer, "objects[]")},
      {"confidence", member(object, "confidence", json::value_t::number_float, "objects[]")},
  };
  return vehicle;
}

json speeding_vehicles(const json &objects, const json *stats, double frame_w, double frame_h) {
  json vehicles = json::array();
  if (stats == nullptr) return vehicles;
  const auto count =
      member(*stats, "speeding_count", json::value_t::number_integer, "stats").get<std::int64_t>();
  std::vector<const json *> candidates;
  for (const json &object : objects) {
    if (!object.is_object()) throw rw::Error("roadwatch/1 record: objects[] must be objects");
    const auto speed = object.find("speed_kmh");
    if (speed != object.end() && speed->is_number() && inside_a_zone(object)) {
      candidates.push_back(&object);
    }
  }
  // Fastest first; stable so that equal speeds keep the record's order.
  std::stable_sort(candidates.begin(), candidates.end(), [](const json *a, const json *b) {
    return a->at("speed_kmh").get<double>() > b->at("speed_kmh").get<double>();
  });
  const auto n = std::min<std::size_t>(candidates.size(),
                                       static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
  for (std::size_t i = 0; i < n; ++i) {
    vehicles.push_back(speeding_vehicle(*candidates[i], frame_w, frame_h));
  }
  return vehicles;
}

}  // namespace

json analytics_data(const json &record, int source_id) {
  if (!record.is_object()) throw rw::Error("roadwatch/1 record: not a JSON object");
  const json &frame_size = member(record, "frame_size", json::value_t::object, "record");
  const json &width = member(frame_size, "w", json::value_t::number_integer, "frame_size");
  const json &height = member(frame_size, "h", json::value_t::number_integer, "frame_size");
  const json &objects = member(record, "objects", json::value_t::array, "record");
  const auto stats_it = record.find("stats");
  const json *stats = nullptr;
  if (stats_it != record.end()) stats = &member(record, "stats", json::value_t::object, "record");
  const auto events_it = record.find("events");

  json data = {
      {"video_id", source_id},
      {"frame_number", member(record, "frame_number", json::value_t::number_integer, "record")},
      {"timestamp", member(record, "ts_unix_ms", json::value_t::number_integer, "record")},
  };
  if (const auto pts = record.find("pts_ns"); pts != record.end()) data["pts_ns"] = *pts;
  data["frame_size"] = {{"w", width}, {"h", height}};
  data["stats"] = stats != nullptr ? *stats : json::object();
  data["speeding_vehicles"] =
      speeding_vehicles(objects, stats, width.get<double>(), height.get<double>());
  data["objects"] = objects;
  data["events"] = events_it != record.end()
                       ? member(record, "events", json::value_t::array, "record")
                       : json::array();
  return data;
}

std::string analytics_message(const json &record, int source_id) {
  const json message = {
      {"type", "analytics"},
      {"channel", channel_name({ChannelKind::kAnalytics, source_id})},
      {"data", analytics_data(record, source_id)},
  };
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rw::server
