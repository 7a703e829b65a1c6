// rw::publish streams: SPEC §6 key names and fields; events exactly as in the record.
#include <gtest/gtest.h>

#include <string>

#include "rw/publish/streams.hpp"

namespace {

using rw::publish::Item;
using rw::publish::Kind;
using rw::zones::Event;
using rw::zones::EventType;

TEST(Streams, KeyNames) {
  EXPECT_EQ(rw::publish::analytics_key("roadwatch", "cam-1"), "roadwatch:cam-1:analytics");
  EXPECT_EQ(rw::publish::frames_key("rw", "7"), "rw:7:frames");
  EXPECT_EQ(rw::publish::events_key("roadwatch"), "roadwatch:events");
}

Event event(EventType type, std::uint64_t track_id) {
  Event e;
  e.type = type;
  e.track_id = track_id;
  e.label = "car";
  e.zone = "roi";
  e.frame_number = 9;
  e.pts_ns = 300;
  return e;
}

// The record goes to the analytics stream; each event to the events stream with its source,
// as the same JSON object the record's "events" array holds.
TEST(Streams, RecordItems) {
  rw::schema::FrameRecord record;
  record.source_id = "cam-1";
  record.frame_number = 9;
  record.frame_w = 4;
  record.frame_h = 2;
  record.stats = rw::zones::Stats{};
  record.events = {event(EventType::kEnter, 5), event(EventType::kEndOfStream, 0)};
  record.summary = rw::zones::Summary{};
  record.summary->total_vehicles = 3;
  rw::publish::StreamConfig config;
  config.key_prefix = "p";
  config.analytics_maxlen = 11;
  config.events_maxlen = 22;

  const std::vector<Item> items = rw::publish::record_items(record, config);
  ASSERT_EQ(items.size(), 3u);
  const std::string json = rw::schema::to_json(record);
  EXPECT_EQ(items[0].kind, Kind::kAnalytics);
  EXPECT_EQ(items[0].entry.key, "p:cam-1:analytics");
  EXPECT_EQ(items[0].entry.maxlen, 11u);
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(items[0].entry.fields, (Fields{{"json", json}}));

  const std::string enter =
      "{\"type\":\"enter\",\"track_id\":5,\"label\":\"car\",\"zone\":\"roi\","
      "\"frame_number\":9,\"pts_ns\":300}";
  EXPECT_EQ(items[1].kind, Kind::kEvent);
  EXPECT_EQ(items[1].entry.key, "p:events");
  EXPECT_EQ(items[1].entry.maxlen, 22u);
  EXPECT_EQ(items[1].entry.fields, (Fields{{"source_id", "cam-1"}, {"json", enter}}));
  // The summary rides in the end_of_stream event, as in the record.
  EXPECT_EQ(items[2].entry.fields.at(1).second.find("\"type\":\"end_of_stream\""), 1u);
  EXPECT_NE(items[2].entry.fields.at(1).second.find("\"summary\":{\"total_vehicles\":3"),
            std::string::npos);
  const std::string events =
      "\"events\":[" + enter + "," + items[2].entry.fields.at(1).second + "]";
  EXPECT_NE(json.find(events), std::string::npos) << json;
}

// run_id on every event entry when set; a snapshot only on the event of its index, after json;
// the analytics entry never gets either.
TEST(Streams, RunIdAndSnapshotsOnEventEntries) {
  rw::schema::FrameRecord record;
  record.source_id = "3";
  record.events = {event(EventType::kEnter, 5), event(EventType::kSpeeding, 5),
                   event(EventType::kExit, 6)};
  rw::publish::StreamConfig config;
  config.run_id = "42";
  const std::string jpeg("\xff\xd8\x00\xff\xd9", 5);
  const std::vector<Item> items = rw::publish::record_items(record, config, {{1, jpeg}});
  ASSERT_EQ(items.size(), 4u);
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(items[0].entry.fields.size(), 1u);
  const auto json = rw::schema::events_to_json(record);
  EXPECT_EQ(items[1].entry.fields,
            (Fields{{"source_id", "3"}, {"run_id", "42"}, {"json", json[0]}}));
  EXPECT_EQ(items[2].entry.fields,
            (Fields{{"source_id", "3"}, {"run_id", "42"}, {"json", json[1]}, {"jpeg", jpeg}}));
  EXPECT_EQ(items[3].entry.fields,
            (Fields{{"source_id", "3"}, {"run_id", "42"}, {"json", json[2]}}));
  EXPECT_EQ(items[2].entry.bytes(),
            items[1].entry.bytes() - json[0].size() + json[1].size() + 4 + 5)
      << "the outbox bounds the JPEG bytes too";

  config.run_id.clear();
  EXPECT_EQ(rw::publish::record_items(record, config)[1].entry.fields,
            (Fields{{"source_id", "3"}, {"json", json[0]}}))
      << "no run_id field without a run";
}

TEST(Streams, RecordWithoutEventsIsOneItem) {
  rw::schema::FrameRecord record;
  record.source_id = "0";
  EXPECT_EQ(rw::publish::record_items(record, {}).size(), 1u);
}

// JPEG bytes go as they are, NULs included; pts_ns only when known.
TEST(Streams, FrameItem) {
  const std::string jpeg("\xff\xd8\x00\x01\xff\xd9", 6);
  rw::publish::StreamConfig config;
  const Item with_pts = rw::publish::frame_item(config, "cam-1", 12, 400000000, jpeg);
  EXPECT_EQ(with_pts.kind, Kind::kFrame);
  EXPECT_EQ(with_pts.entry.key, "roadwatch:cam-1:frames");
  EXPECT_EQ(with_pts.entry.maxlen, 50u);
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(with_pts.entry.fields,
            (Fields{{"frame_number", "12"}, {"pts_ns", "400000000"}, {"jpeg", jpeg}}));
  EXPECT_EQ(with_pts.entry.bytes(), 22 + 12 + 2 + 6 + 9 + 4 + 6);
  const Item without = rw::publish::frame_item(config, "cam-1", 0, std::nullopt, jpeg);
  EXPECT_EQ(without.entry.fields, (Fields{{"frame_number", "0"}, {"jpeg", jpeg}}));
}

}  // namespace
