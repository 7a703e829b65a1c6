// redissink without a Redis server (port 1 refuses at once): the pipeline runs, the warning
// comes once, records, events and frames are queued and counted exactly, and the drop policy
// and the EOS drain show in the counters. With a private redis-server: the fields of the
// events entries (run_id, snapshot JPEGs). Streams end to end: tests/integration/test_redissink.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "harness.h"
#include "meta/rwmeta.h"
#include "redis_server.h"
#include "rw/draw/overlay.hpp"

namespace {

constexpr GstClockTime kWait = 30 * GST_SECOND;

guint64 counter(GstElement *element, const char *name) {
  guint64 value = 0;
  g_object_get(element, name, &value, nullptr);
  return value;
}

// The next element message named `name`, waiting up to kWait for it.
GstStructure *next_element_message(GstBus *bus, const char *name) {
  while (GstMessage *m = gst_bus_timed_pop_filtered(bus, kWait, GST_MESSAGE_ELEMENT)) {
    const GstStructure *s = gst_message_get_structure(m);
    if (gst_structure_has_name(s, name)) {
      GstStructure *copy = gst_structure_copy(s);
      gst_message_unref(m);
      return copy;
    }
    gst_message_unref(m);
  }
  return nullptr;
}

guint64 field(const GstStructure *s, const char *name) {
  guint64 value = G_MAXUINT64;
  EXPECT_TRUE(gst_structure_get_uint64(s, name, &value)) << name;
  return value;
}

class RedisSinkDown : public testing::Test {
 protected:
  // A redissink pointed at a port nobody listens on, with a bus, inside a harness.
  void make(GstCaps *caps, const char *properties) {
    element_ = gst_element_factory_make("redissink", nullptr);
    ASSERT_NE(element_, nullptr);
    gst_util_set_object_arg(G_OBJECT(element_), "port", "1");
    gst_util_set_object_arg(G_OBJECT(element_), "drain-timeout-ms", "0");
    gchar **pairs = g_strsplit(properties, " ", -1);
    for (gchar **p = pairs; *p != nullptr; ++p) {
      gchar **kv = g_strsplit(*p, "=", 2);
      if (kv[0] != nullptr && kv[1] != nullptr)
        gst_util_set_object_arg(G_OBJECT(element_), kv[0], kv[1]);
      g_strfreev(kv);
    }
    g_strfreev(pairs);
    bus_ = gst_bus_new();
    gst_element_set_bus(element_, bus_);
    h_ = gst_harness_new_with_element(element_, "sink", nullptr);
    gst_harness_set_src_caps(h_, caps);
  }
  void TearDown() override {
    if (h_ != nullptr) gst_harness_teardown(h_);
    if (element_ != nullptr) gst_object_unref(element_);
    if (bus_ != nullptr) gst_object_unref(bus_);
  }

  GstElement *element_ = nullptr;
  GstBus *bus_ = nullptr;
  GstHarness *h_ = nullptr;
};

rw::zones::Event event(rw::zones::EventType type, std::uint64_t track_id) {
  rw::zones::Event e;
  e.type = type;
  e.track_id = track_id;
  e.label = "car";
  e.zone = "roi";
  return e;
}

// Down at start is a warning, not an error: frames flow, every record and each of its events
// is queued, and at EOS (drain-timeout-ms=0) they are all counted as dropped, in the
// redissink-stats message and the properties.
TEST_F(RedisSinkDown, QueuesRecordsAndEventsThenCountsThemAtEos) {
  make(rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 64, 48), "source-id=cam-1");
  GstMessage *warning = gst_bus_timed_pop_filtered(bus_, kWait, GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr);
  GError *error = nullptr;
  gst_message_parse_warning(warning, &error, nullptr);
  EXPECT_NE(std::string(error->message).find("redis at 127.0.0.1:1 unreachable"), std::string::npos)
      << error->message;
  g_clear_error(&error);
  gst_message_unref(warning);

  for (int i = 0; i < 3; ++i) {
    GstBuffer *frame = gst_buffer_new();
    GST_BUFFER_PTS(frame) = GstClockTime(i) * GST_SECOND / 30;
    rw::meta::ZoneFrame zones;
    zones.events = {event(rw::zones::EventType::kEnter, 5), event(rw::zones::EventType::kExit, 6)};
    rw::meta::set_zone_frame(frame, zones);
    ASSERT_EQ(gst_harness_push(h_, frame), GST_FLOW_OK);
  }
  EXPECT_EQ(counter(element_, "dropped-analytics"), 0u);
  EXPECT_FALSE(gst_harness_push_event(h_, gst_event_new_eos()) == FALSE);
  GstStructure *stats = next_element_message(bus_, "redissink-stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(field(stats, "enqueued-analytics"), 3u);
  EXPECT_EQ(field(stats, "dropped-analytics"), 3u);
  EXPECT_EQ(field(stats, "enqueued-events"), 6u);
  EXPECT_EQ(field(stats, "dropped-events"), 6u);
  EXPECT_EQ(field(stats, "pending-events"), 0u);
  EXPECT_EQ(field(stats, "enqueued-frames"), 0u);
  gboolean connected = TRUE;
  EXPECT_TRUE(gst_structure_get_boolean(stats, "connected", &connected));
  EXPECT_FALSE(connected);
  gst_structure_free(stats);
  EXPECT_EQ(counter(element_, "dropped-analytics"), 3u);
  EXPECT_EQ(counter(element_, "dropped-events"), 6u);
  EXPECT_EQ(counter(element_, "published-analytics"), 0u);
}

// A full queue drops the oldest frames while running; EOS drops the rest; the counters stay
// readable after the element stopped.
TEST_F(RedisSinkDown, FullQueueDropsFrames) {
  make(gst_caps_new_empty_simple("image/jpeg"), "queue-size=5");
  for (int i = 0; i < 12; ++i) {
    GstBuffer *jpeg = gst_buffer_new_memdup("\xff\xd8\x00\xff\xd9", 5);
    ASSERT_EQ(gst_harness_push(h_, jpeg), GST_FLOW_OK);
  }
  EXPECT_EQ(counter(element_, "dropped-frames"), 7u);
  gst_harness_push_event(h_, gst_event_new_eos());
  EXPECT_EQ(counter(element_, "dropped-frames"), 12u);
  gst_element_set_state(element_, GST_STATE_NULL);
  EXPECT_EQ(counter(element_, "dropped-frames"), 12u);
  EXPECT_EQ(counter(element_, "published-frames"), 0u);
  gboolean connected = TRUE;
  g_object_get(element_, "connected", &connected, nullptr);
  EXPECT_FALSE(connected);
}

// snapshot-events on frames packed_mat() cannot read: one warning at caps, records still flow.
TEST_F(RedisSinkDown, SnapshotsNeedPackedRgbFrames) {
  make(rw::test::video_caps(GST_VIDEO_FORMAT_I420, 64, 48), "snapshot-events=speeding");
  GstBuffer *frame = rw::test::video_frame(GST_VIDEO_FORMAT_I420, 64, 48, 0);
  rw::meta::set_zone_frame(frame, {{}, {event(rw::zones::EventType::kSpeeding, 5)}, {}});
  ASSERT_EQ(gst_harness_push(h_, frame), GST_FLOW_OK);
  gst_harness_push_event(h_, gst_event_new_eos());
  const std::vector<std::string> warnings = rw::test::bus_messages(bus_, GST_MESSAGE_WARNING);
  const auto snapshot_warnings = std::count_if(warnings.begin(), warnings.end(), [](auto &w) {
    return w.find("snapshot-events needs BGR, RGB") != std::string::npos;
  });
  EXPECT_EQ(snapshot_warnings, 1) << warnings.size() << " warnings";
  EXPECT_EQ(counter(element_, "dropped-events"), 1u) << "the event itself was queued";
}

// An unknown type in snapshot-events fails the start, naming it.
TEST(RedisSink, UnknownSnapshotEventFailsStart) {
  GstElement *element = gst_element_factory_make("redissink", nullptr);
  g_object_set(element, "port", 1u, "snapshot-events", "speeding,speedy", nullptr);
  const rw::test::StartResult result = rw::test::start_element(element);
  EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(result.error.find("'speedy' is not an event type"), std::string::npos) << result.error;
  gst_object_unref(element);
}

// The fields of one stream entry of an XRANGE reply.
std::map<std::string, std::string> entry_fields(const rw::control::Reply &entry) {
  std::map<std::string, std::string> fields;
  const auto &pairs = entry.elements.at(1).elements;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) fields[pairs[i].text] = pairs[i + 1].text;
  return fields;
}

// A real Redis: run-id on every events entry; the speeding event's entry carries its frame as a
// JPEG with the vehicle boxed in its class colour, the other events none.
TEST(RedisSinkUp, RunIdAndSpeedingSnapshot) {
  rw::test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.error();
  GstElement *element = gst_element_factory_make("redissink", nullptr);
  g_object_set(element, "port", guint(redis.port()), "source-id", "3", "run-id", "17",
               "snapshot-events", "speeding", nullptr);
  GstHarness *h = gst_harness_new_with_element(element, "sink", nullptr);
  constexpr int kW = 320, kH = 240;
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  GstBuffer *frame = rw::test::video_frame(GST_VIDEO_FORMAT_BGR, kW, kH, GST_SECOND);
  rw::meta::Object car;
  car.box = {80, 120, 80, 60};
  car.detection = rw::meta::Detection{2, "car", 0.9};
  car.tracking = rw::meta::Tracking{5, "confirmed", 9, 9};
  rw::meta::add_object(frame, car, kW, kH);
  rw::zones::Event speeding = event(rw::zones::EventType::kSpeeding, 5);
  speeding.speed_kmh = 87.4;
  speeding.limit_kmh = 60;
  rw::meta::set_zone_frame(frame, {{},
                                   {event(rw::zones::EventType::kExit, 5), speeding,
                                    event(rw::zones::EventType::kEnter, 6)},
                                   {}});
  ASSERT_EQ(gst_harness_push(h, frame), GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());  // drains to Redis
  EXPECT_EQ(counter(element, "published-events"), 3u);

  const rw::control::Reply entries = redis.reply({"XRANGE", "roadwatch:events", "-", "+"});
  ASSERT_EQ(entries.elements.size(), 3u) << entries.text;
  for (const rw::control::Reply &entry : entries.elements) {
    const auto fields = entry_fields(entry);
    EXPECT_EQ(fields.at("source_id"), "3");
    EXPECT_EQ(fields.at("run_id"), "17");
    const bool is_speeding = fields.at("json").find("\"type\":\"speeding\"") == 1;
    EXPECT_EQ(fields.count("jpeg"), is_speeding ? 1u : 0u) << fields.at("json");
    if (!is_speeding) continue;
    const std::string &jpeg = fields.at("jpeg");
    const cv::Mat picture = cv::imdecode(
        cv::Mat(1, int(jpeg.size()), CV_8U, const_cast<char *>(jpeg.data())), cv::IMREAD_COLOR);
    ASSERT_EQ(picture.size(), cv::Size(kW, kH));
    const cv::Vec3b edge = picture.at<cv::Vec3b>(150, 80), road = picture.at<cv::Vec3b>(150, 120);
    const cv::Scalar colour = rw::draw::class_colour(2);
    EXPECT_LT(
        cv::norm(cv::Vec3d(edge[0], edge[1], edge[2]) - cv::Vec3d(colour[0], colour[1], colour[2])),
        60)
        << "the box's left edge in the car colour";
    EXPECT_LT(cv::norm(cv::Vec3d(road[0], road[1], road[2])), 12) << "the black frame inside";
  }
  gst_harness_teardown(h);
  gst_object_unref(element);
}

// Defaults documented in the README; an analytics sink does not sync to the clock.
TEST(RedisSink, Defaults) {
  GstElement *e = gst_element_factory_make("redissink", nullptr);
  ASSERT_NE(e, nullptr);
  gchar *host = nullptr, *prefix = nullptr, *source = nullptr;
  guint port = 0, queue = 0, drain = 0;
  guint64 maxlen = 0, frames_maxlen = 0, events_maxlen = 0;
  gboolean sync = TRUE;
  g_object_get(e, "host", &host, "port", &port, "key-prefix", &prefix, "source-id", &source,
               "maxlen", &maxlen, "frames-maxlen", &frames_maxlen, "events-maxlen", &events_maxlen,
               "queue-size", &queue, "drain-timeout-ms", &drain, "sync", &sync, nullptr);
  EXPECT_STREQ(host, "127.0.0.1");
  EXPECT_EQ(port, 6379u);
  EXPECT_STREQ(prefix, "roadwatch");
  EXPECT_STREQ(source, "0");
  EXPECT_EQ(maxlen, 10000u);
  EXPECT_EQ(frames_maxlen, 50u);
  EXPECT_EQ(events_maxlen, 100000u);
  EXPECT_EQ(queue, 1000u);
  EXPECT_EQ(drain, 5000u);
  EXPECT_FALSE(sync);
  gchar *run_id = nullptr, *snapshot_events = nullptr;
  guint quality = 0;
  g_object_get(e, "run-id", &run_id, "snapshot-events", &snapshot_events, "snapshot-quality",
               &quality, nullptr);
  EXPECT_STREQ(run_id, "");
  EXPECT_STREQ(snapshot_events, "") << "snapshots cost Redis memory: opt in";
  EXPECT_EQ(quality, 85u);
  g_free(run_id);
  g_free(snapshot_events);
  g_free(host);
  g_free(prefix);
  g_free(source);
  gst_object_unref(e);
}

// source-id and key-prefix change while frames flow (read once per frame under the lock).
TEST_F(RedisSinkDown, PropertyStress) {
  make(rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 64, 48), "queue-size=10");
  GValue id = G_VALUE_INIT;
  g_value_init(&id, G_TYPE_STRING);
  g_value_set_string(&id, "cam-9");
  GValue prefix = G_VALUE_INIT;
  g_value_init(&prefix, G_TYPE_STRING);
  g_value_set_string(&prefix, "rw2");
  GstHarnessThread *t1 = gst_harness_stress_property_start_full(h_, "source-id", &id, 0);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full(h_, "key-prefix", &prefix, 0);
  // At least 300 frames, and on until both threads have set their value (they may not be
  // scheduled before a fast stream ends); bounded so it cannot hang.
  guint64 frames = 0;
  for (;;) {
    ASSERT_LT(frames, 100000u) << "the property threads never ran";
    ASSERT_EQ(gst_harness_push(h_, gst_buffer_new()), GST_FLOW_OK);
    ++frames;
    gchar *id_now = nullptr, *prefix_now = nullptr;
    g_object_get(element_, "source-id", &id_now, "key-prefix", &prefix_now, nullptr);
    const bool both_set = g_strcmp0(id_now, "cam-9") == 0 && g_strcmp0(prefix_now, "rw2") == 0;
    g_free(id_now);
    g_free(prefix_now);
    if (frames >= 300 && both_set) break;
  }
  EXPECT_GT(gst_harness_stress_thread_stop(t1), 0u);
  EXPECT_GT(gst_harness_stress_thread_stop(t2), 0u);
  g_value_unset(&id);
  g_value_unset(&prefix);
  EXPECT_EQ(counter(element_, "dropped-analytics"), frames - 10);
}

}  // namespace
