#include "rw/publish/streams.hpp"

#include <utility>

namespace rw::publish {

std::string source_key(std::string_view prefix, std::string_view source_id, std::string_view leaf) {
  std::string key(prefix);
  key.append(":").append(source_id).append(":").append(leaf);
  return key;
}

std::string analytics_key(std::string_view prefix, std::string_view source_id) {
  return source_key(prefix, source_id, "analytics");
}

std::string frames_key(std::string_view prefix, std::string_view source_id) {
  return source_key(prefix, source_id, "frames");
}

std::string events_key(std::string_view prefix) {
  return std::string(prefix) + ":events";
}

std::vector<Item> record_items(const rw::schema::FrameRecord &record, const StreamConfig &config,
                               std::map<std::size_t, std::string> snapshots) {
  std::vector<Item> items;
  items.reserve(1 + record.events.size());
  Item analytics{Kind::kAnalytics,
                 {analytics_key(config.key_prefix, record.source_id),
                  config.analytics_maxlen,
                  {{"json", rw::schema::to_json(record)}}}};
  items.push_back(std::move(analytics));
  const std::string events = events_key(config.key_prefix);
  std::vector<std::string> jsons = rw::schema::events_to_json(record);
  for (std::size_t i = 0; i < jsons.size(); ++i) {
    Item item{Kind::kEvent, {events, config.events_maxlen, {{"source_id", record.source_id}}}};
    auto &fields = item.entry.fields;
    if (!config.run_id.empty()) fields.emplace_back("run_id", config.run_id);
    fields.emplace_back("json", std::move(jsons[i]));
    if (auto jpeg = snapshots.find(i); jpeg != snapshots.end()) {
      fields.emplace_back("jpeg", std::move(jpeg->second));
    }
    items.push_back(std::move(item));
  }
  return items;
}

Item frame_item(const StreamConfig &config, std::string_view source_id, std::uint64_t frame_number,
                std::optional<std::int64_t> pts_ns, std::string jpeg) {
  Item item{Kind::kFrame, {frames_key(config.key_prefix, source_id), config.frames_maxlen, {}}};
  item.entry.fields.emplace_back("frame_number", std::to_string(frame_number));
  if (pts_ns) item.entry.fields.emplace_back("pts_ns", std::to_string(*pts_ns));
  item.entry.fields.emplace_back("jpeg", std::move(jpeg));
  return item;
}

}  // namespace rw::publish
