// roianalytics on metadata-only buffers: hysteresis, line directions, speeding, per-class
// counts, drop-outside, normalized zones, the held-back last frame with the EOS summary,
// flushes, live reconfiguration and clean config errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

using rw::meta::SpeedUnit;
using rw::zones::Event;
using rw::zones::EventType;

constexpr int kW = 640, kH = 360;
// Zone "roi": x 100..500, y 100..300.
constexpr const char *kZone =
    R"({"zones": [{"name": "roi", "polygon": [[100, 100], [500, 100], [500, 300], [100, 300]]}]})";
// Line "gate" at x = 300, drawn top to bottom: moving left to right on screen is forward.
constexpr const char *kGate = R"({"lines": [{"name": "gate", "points": [[300, 0], [300, 360]]}]})";
constexpr const char *kZoneAndGate =
    R"({"zones": [{"name": "roi", "polygon": [[100, 100], [500, 100], [500, 300], [100, 300]]}],
        "lines": [{"name": "gate", "points": [[300, 0], [300, 360]]}]})";
// The right half of the frame, whatever its size.
constexpr const char *kRightHalf =
    R"({"normalized": true, "zones": [{"name": "right", "polygon": [[0.5, 0], [1, 0], [1, 1],
        [0.5, 1]]}]})";

GstStaticPadTemplate any_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate any_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// An object by its anchor (bottom-centre of a 40x30 box).
struct Obj {
  Obj(guint64 track, double ax, double ay, std::string name = "car",
      std::optional<double> in_units = std::nullopt, SpeedUnit unit = SpeedUnit::kKmh,
      bool valid = true)
      : id(track),
        x(ax),
        y(ay),
        label(std::move(name)),
        speed(in_units),
        units(unit),
        speed_valid(valid) {}

  guint64 id;  // 0: no tracking param
  double x, y;
  std::string label;
  std::optional<double> speed;  // a kinematics param, in units
  SpeedUnit units;
  bool speed_valid;
};

struct Out {
  std::vector<rw::meta::Object> objects;
  std::optional<rw::meta::ZoneFrame> frame;
};

std::vector<Event> events_of(const std::vector<Out> &outs) {
  std::vector<Event> events;
  for (const Out &out : outs) {
    if (out.frame) events.insert(events.end(), out.frame->events.begin(), out.frame->events.end());
  }
  return events;
}

std::size_t count(const std::vector<Event> &events, EventType type, guint64 id = 0) {
  return std::count_if(events.begin(), events.end(), [&](const Event &e) {
    return e.type == type && (id == 0 || e.track_id == id);
  });
}

class RoiAnalytics : public testing::Test {
 protected:
  void TearDown() override { teardown(); }

  // (Re)creates the harness with properties in launch syntax, e.g. "hysteresis-px=0".
  void start(const std::string &zones, const std::string &properties = "", int w = kW, int h = kH) {
    teardown();
    GstElement *element = gst_parse_launch(("roianalytics " + properties).c_str(), nullptr);
    ASSERT_NE(element, nullptr);
    g_object_set(element, "zones", zones.c_str(), nullptr);
    h_ = gst_harness_new_empty();
    gst_harness_add_element_full(h_, element, &any_src, "sink", &any_sink, "src");
    gst_object_unref(element);  // the harness holds its own reference
    bus_ = gst_bus_new();
    gst_element_set_bus(h_->element, bus_);
    set_size(w, h);
  }

  void set_size(int w, int h) {
    w_ = w;
    h_px_ = h;
    gst_harness_set_src_caps(h_, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, w, h));
  }

  void teardown() {
    if (bus_ != nullptr) {
      // Queued messages hold the element: drop them, or element and bus keep each other.
      gst_bus_set_flushing(bus_, TRUE);
      gst_object_unref(bus_);
      bus_ = nullptr;
    }
    if (h_ != nullptr) gst_harness_teardown(h_);
    h_ = nullptr;
    frame_ = 0;
  }

  GstBuffer *frame(const std::vector<Obj> &objs) {
    GstBuffer *buffer = gst_buffer_new();
    GST_BUFFER_PTS(buffer) = frame_++ * GST_SECOND / 30;
    for (const Obj &o : objs) {
      rw::meta::Object object;
      object.box = {o.x - 20, o.y - 30, 40, 30};
      object.detection = rw::meta::Detection{o.label == "truck" ? 7 : 2, o.label, 0.9};
      if (o.id != 0) object.tracking = rw::meta::Tracking{o.id, "confirmed", 5, 5};
      if (o.speed) {
        rw::meta::Kinematics k;
        k.speed = *o.speed;
        k.units = o.units;
        k.valid = o.speed_valid;
        object.kinematics = k;
      }
      rw::meta::add_object(buffer, object, w_, h_px_);
    }
    return buffer;
  }

  void push(const std::vector<Obj> &objs) {
    ASSERT_EQ(gst_harness_push(h_, frame(objs)), GST_FLOW_OK);
  }

  std::vector<Out> pull_all() {
    std::vector<Out> outs;
    while (GstBuffer *buffer = gst_harness_try_pull(h_)) {
      outs.push_back({rw::meta::read_objects(buffer, w_, h_px_), rw::meta::zone_frame(buffer)});
      gst_buffer_unref(buffer);
    }
    return outs;
  }

  // Pushes an empty frame so that every frame pushed so far comes out, and pulls them.
  std::vector<Out> drain() {
    push({});
    return pull_all();
  }

  std::vector<Out> finish() {
    EXPECT_TRUE(gst_harness_push_event(h_, gst_event_new_eos()));
    return pull_all();
  }

  // Element messages (events and summaries) and warnings posted so far.
  void read_bus() {
    while (GstMessage *message = gst_bus_pop(bus_)) {
      if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT) {
        const GstStructure *s = gst_message_get_structure(message);
        if (auto event = rw::meta::parse_event(s)) bus_events_.push_back(*event);
        if (auto summary = rw::meta::parse_summary(s)) bus_summaries_.push_back(*summary);
      } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) {
        GError *error = nullptr;
        gst_message_parse_warning(message, &error, nullptr);
        warnings_.emplace_back(error->message);
        g_error_free(error);
      }
      gst_message_unref(message);
    }
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  int w_ = kW, h_px_ = kH;
  guint64 frame_ = 0;
  std::vector<Event> bus_events_;
  std::vector<rw::zones::Summary> bus_summaries_;
  std::vector<std::string> warnings_;
};

// The newest frame is held until the next arrives; at EOS the last frame carries the final
// exits, end_of_stream and the summary, and the summary is posted on the bus.
TEST_F(RoiAnalytics, LastFrameCarriesSummaryAtEos) {
  start(kZone);
  push({{1, 200, 200}});
  EXPECT_EQ(gst_harness_buffers_received(h_), 0u) << "the first frame is held back";
  push({{1, 210, 200}});
  std::vector<Out> outs = pull_all();
  ASSERT_EQ(outs.size(), 1u);
  ASSERT_TRUE(outs[0].frame);
  ASSERT_EQ(outs[0].frame->events.size(), 1u);
  EXPECT_EQ(outs[0].frame->events[0].type, EventType::kEnter);
  EXPECT_EQ(outs[0].frame->events[0].zone, "roi");
  EXPECT_EQ(outs[0].frame->stats.total_vehicles, 1u);
  EXPECT_FALSE(outs[0].frame->summary);
  ASSERT_EQ(outs[0].objects.size(), 1u);
  EXPECT_EQ(outs[0].objects[0].zones, std::vector<std::string>{"roi"});

  push({{1, 220, 200}, {2, 400, 200, "truck"}});
  outs = finish();
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(gst_harness_buffers_received(h_), 3u);
  EXPECT_FALSE(outs[0].frame->summary);
  const rw::meta::ZoneFrame &last = *outs[1].frame;
  ASSERT_TRUE(last.summary);
  EXPECT_EQ(last.summary->total_vehicles, 2u);
  EXPECT_EQ(last.summary->by_class,
            (std::map<std::string, std::uint64_t>{{"car", 1}, {"truck", 1}}));
  // Dwell: car 1 from frame 0 to its last sighting at frame 2, truck 2 for 0 s.
  EXPECT_NEAR(last.summary->average_dwell_s, (2.0 / 30 + 0.0) / 2, 1e-6);
  std::vector<EventType> types;
  for (const Event &e : last.events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<EventType>{EventType::kEnter, EventType::kExit, EventType::kExit,
                                           EventType::kEndOfStream}));

  read_bus();
  ASSERT_EQ(bus_summaries_.size(), 1u);
  EXPECT_EQ(bus_summaries_[0].total_vehicles, 2u);
  EXPECT_EQ(bus_summaries_[0].by_class, last.summary->by_class);
  EXPECT_EQ(count(bus_events_, EventType::kEnter), 2u);
  EXPECT_EQ(count(bus_events_, EventType::kExit), 2u);
  EXPECT_EQ(count(bus_events_, EventType::kEndOfStream), 1u);
}

// decodebin sends stream-group-done (and demuxers tags) between the last frame and EOS: such
// events wait behind the held frame, so it still gets the summary and the order is kept.
TEST_F(RoiAnalytics, EventsBeforeEosWaitBehindTheLastFrame) {
  start(kZone);
  push({{1, 200, 200}});
  while (GstEvent *event = gst_harness_try_pull_event(h_)) gst_event_unref(event);
  const guint events_before = gst_harness_events_received(h_);
  ASSERT_TRUE(gst_harness_push_event(h_, gst_event_new_stream_group_done(1)));
  ASSERT_TRUE(gst_harness_push_event(h_, gst_event_new_tag(gst_tag_list_new_empty())));
  EXPECT_EQ(gst_harness_events_received(h_), events_before) << "events wait for the frame";
  const std::vector<Out> outs = finish();
  ASSERT_EQ(outs.size(), 1u);
  ASSERT_TRUE(outs[0].frame);
  ASSERT_TRUE(outs[0].frame->summary);
  EXPECT_EQ(outs[0].frame->summary->total_vehicles, 1u);
  std::vector<GstEventType> order;
  while (GstEvent *event = gst_harness_try_pull_event(h_)) {
    order.push_back(GST_EVENT_TYPE(event));
    gst_event_unref(event);
  }
  EXPECT_EQ(order,
            (std::vector<GstEventType>{GST_EVENT_STREAM_GROUP_DONE, GST_EVENT_TAG, GST_EVENT_EOS}));
}

// An anchor jittering +-2 px around the zone's left edge (x = 100) after entering: with the
// default 4 px hysteresis one enter and no exit; with none, every crossing of the edge counts.
TEST_F(RoiAnalytics, HysteresisOnZoneBorder) {
  const std::vector<double> xs = {90, 110, 98, 102, 98, 102, 98, 102, 98, 102};
  for (const char *properties : {"", "hysteresis-px=0"}) {
    start(kZone, properties);
    for (double x : xs) push({{1, x, 200}});
    const std::vector<Out> outs = drain();
    ASSERT_EQ(outs.size(), xs.size());
    const std::vector<Event> events = events_of(outs);
    if (std::string(properties).empty()) {
      EXPECT_EQ(count(events, EventType::kEnter), 1u);
      EXPECT_EQ(count(events, EventType::kExit), 0u);
      for (std::size_t f = 1; f < outs.size(); ++f) {
        EXPECT_EQ(outs[f].objects[0].zones, std::vector<std::string>{"roi"}) << "frame " << f;
        EXPECT_EQ(outs[f].frame->stats.current_in_roi, 1u) << "frame " << f;
      }
    } else {
      EXPECT_EQ(count(events, EventType::kEnter), 5u);
      EXPECT_EQ(count(events, EventType::kExit), 4u);
    }
    EXPECT_EQ(outs.back().frame->stats.total_vehicles, 1u);
  }
}

// Left to right across a top-to-bottom line is forward, right to left backward, and a track
// jittering on the line before it goes across counts once.
TEST_F(RoiAnalytics, LineCrossingDirection) {
  start(kGate);
  const std::vector<double> jitter = {280, 298, 302, 298, 302, 298, 302, 320};
  for (std::size_t f = 0; f < jitter.size(); ++f) {
    const double step = 30.0 * double(std::min<std::size_t>(f, 4));
    push({{1, 200 + step, 100}, {2, 400 - step, 200}, {3, jitter[f], 300}});
  }
  const std::vector<Out> outs = drain();
  const std::vector<Event> events = events_of(outs);
  ASSERT_EQ(count(events, EventType::kLineCross), 3u);
  for (const Event &e : events) {
    if (e.type != EventType::kLineCross) continue;
    EXPECT_EQ(e.zone, "gate");
    EXPECT_EQ(e.direction, e.track_id == 2 ? -1 : 1) << "track " << e.track_id;
  }
  const rw::zones::Stats &stats = outs.back().frame->stats;
  ASSERT_EQ(stats.line_counts.size(), 1u);
  EXPECT_EQ(stats.line_counts[0].name, "gate");
  EXPECT_EQ(stats.line_counts[0].forward, 2u);
  EXPECT_EQ(stats.line_counts[0].backward, 1u);
  EXPECT_EQ(stats.total_vehicles, 3u) << "without zones every track counts";
}

// One violation per track per zone, reported when the track leaves, with the highest speed of
// that stay; re-entering faster adds none.
TEST_F(RoiAnalytics, SpeedingOncePerTrackPerZone) {
  start(kZone, "speed-limit=60");
  const std::vector<std::pair<double, double>> path = {{150, 50}, {200, 70}, {250, 80}, {300, 65},
                                                       {520, 70}, {450, 90}, {520, 95}};
  for (const auto &[x, speed] : path) push({{1, x, 200, "car", speed}, {2, 300, 150, "car", 55}});
  std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), path.size());
  EXPECT_EQ(outs[0].frame->stats.speeding_count, 0u);
  EXPECT_EQ(outs[1].frame->stats.speeding_count, 1u);
  const std::vector<Event> events = events_of(outs);
  ASSERT_EQ(count(events, EventType::kSpeeding), 1u);
  const Event &speeding = *std::find_if(
      events.begin(), events.end(), [](const Event &e) { return e.type == EventType::kSpeeding; });
  EXPECT_EQ(speeding.track_id, 1u);
  EXPECT_EQ(speeding.zone, "roi");
  EXPECT_DOUBLE_EQ(speeding.speed_kmh.value(), 80);
  EXPECT_DOUBLE_EQ(speeding.limit_kmh, 60);
  EXPECT_EQ(count(events, EventType::kEnter, 1), 2u);
  outs = finish();
  ASSERT_TRUE(outs.back().frame->summary);
  EXPECT_EQ(outs.back().frame->summary->violations, 1u);
  read_bus();
  EXPECT_EQ(count(bus_events_, EventType::kSpeeding), 1u);
}

// units=mph: the limit is in mph, events in km/h; invalid kinematics never speed.
TEST_F(RoiAnalytics, SpeedLimitInMph) {
  start(kZone, "speed-limit=40 units=mph");  // 64.37 km/h
  for (int f = 0; f < 3; ++f) {
    push({{1, 200, 150, "car", 60.0},
          {2, 300, 200, "car", 45.0, SpeedUnit::kMph},  // 72.42 km/h
          {3, 400, 250, "car", 200.0, SpeedUnit::kKmh, false}});
  }
  std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 3u);
  for (const Out &out : outs) EXPECT_EQ(out.frame->stats.speeding_count, 1u);
  outs = finish();
  const std::vector<Event> events = events_of(outs);
  ASSERT_EQ(count(events, EventType::kSpeeding), 1u);
  const Event &e = *std::find_if(events.begin(), events.end(),
                                 [](const Event &ev) { return ev.type == EventType::kSpeeding; });
  EXPECT_EQ(e.track_id, 2u);
  EXPECT_NEAR(e.speed_kmh.value(), 45 * 1.609344, 1e-9);
  EXPECT_NEAR(e.limit_kmh, 40 * 1.609344, 1e-9);
  // Each exit at the end carries the mean speed of the stay in km/h; invalid kinematics none.
  std::vector<std::optional<double>> exit_speeds(4);
  for (const Event &ev : events) {
    if (ev.type == EventType::kExit) exit_speeds.at(ev.track_id) = ev.speed_kmh;
  }
  EXPECT_DOUBLE_EQ(exit_speeds[1].value(), 60);
  EXPECT_NEAR(exit_speeds[2].value(), 45 * 1.609344, 1e-9);
  EXPECT_EQ(exit_speeds[3], std::nullopt);
  EXPECT_EQ(count(events, EventType::kExit), 3u);
}

// Unique tracks inside the zone per class, with the first label kept; a track outside the zone
// and an untracked object are not counted (the latter gets zones and a warning, once).
TEST_F(RoiAnalytics, UniqueCountsPerClass) {
  start(kZone);
  push({{1, 200, 200}, {2, 300, 200, "truck"}, {4, 50, 200}, {0, 400, 200}});
  push({{1, 210, 200}, {2, 310, 200, "car"}, {3, 250, 150}, {4, 60, 200}, {0, 400, 200}});
  const std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  const rw::zones::Stats &stats = outs[1].frame->stats;
  EXPECT_EQ(stats.total_vehicles, 3u);
  EXPECT_EQ(stats.by_class, (std::map<std::string, std::uint64_t>{{"car", 2}, {"truck", 1}}));
  EXPECT_EQ(stats.current_in_roi, 3u);
  const std::vector<rw::meta::Object> &objects = outs[1].objects;
  ASSERT_EQ(objects.size(), 5u);
  EXPECT_EQ(objects[3].zones, std::vector<std::string>{});
  EXPECT_EQ(objects[4].zones, std::vector<std::string>{"roi"}) << "untracked: membership only";
  read_bus();
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("deepsorttrack"), std::string::npos) << warnings_[0];
}

// drop-outside removes objects inside no zone, keeping the params of the others; dropped
// objects still count on lines. Without zones it keeps everything.
TEST_F(RoiAnalytics, DropOutside) {
  start(kZoneAndGate, "drop-outside=true");
  push({{1, 200, 200, "car", 50.0}, {2, 280, 340}});
  push({{1, 210, 200, "car", 50.0}, {2, 320, 340}});
  const std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  for (std::size_t f = 0; f < 2; ++f) {
    ASSERT_EQ(outs[f].objects.size(), 1u) << "frame " << f;
    const rw::meta::Object &o = outs[f].objects[0];
    EXPECT_EQ(o.tracking->id, 1u);
    EXPECT_EQ(o.detection->label, "car");
    ASSERT_TRUE(o.kinematics);
    EXPECT_DOUBLE_EQ(o.kinematics->speed_kmh(), 50);
    EXPECT_EQ(o.zones, std::vector<std::string>{"roi"});
    EXPECT_NEAR(o.box.x, 200 + 10.0 * double(f) - 20, 1e-6);
  }
  EXPECT_EQ(outs[1].frame->stats.line_counts[0].forward, 1u);
  EXPECT_EQ(outs[1].frame->stats.total_vehicles, 1u);

  start(kGate, "drop-outside=true");
  push({{1, 200, 200}, {2, 280, 340}});
  EXPECT_EQ(drain()[0].objects.size(), 2u);
}

// Normalized zones are resolved with the negotiated frame size, again when it changes
// (the frame held under the old caps goes out before the new caps, which wait behind it).
TEST_F(RoiAnalytics, NormalizedZonesFollowCaps) {
  start(kRightHalf);
  push({{1, 400, 200}, {2, 200, 200}});
  set_size(1280, 720);
  EXPECT_EQ(gst_harness_buffers_received(h_), 0u);
  push({{1, 400, 200}, {3, 800, 400}});
  std::vector<Out> outs = pull_all();
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].frame->stats.current_in_roi, 1u);
  outs = drain();
  ASSERT_EQ(outs.size(), 1u);
  ASSERT_EQ(outs[0].objects.size(), 2u);
  EXPECT_EQ(outs[0].objects[0].zones, std::vector<std::string>{});
  EXPECT_EQ(outs[0].objects[1].zones, std::vector<std::string>{"right"});
}

// A flush drops the held frame and restarts counts and frame numbers.
TEST_F(RoiAnalytics, FlushDropsHeldFrameAndResets) {
  start(kZone);
  push({{1, 200, 200}});
  push({{2, 300, 200}});
  EXPECT_TRUE(gst_harness_push_event(h_, gst_event_new_flush_start()));
  EXPECT_TRUE(gst_harness_push_event(h_, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(h_, gst_event_new_segment(&segment)));
  std::vector<Out> outs = pull_all();
  ASSERT_EQ(outs.size(), 1u) << "the frame held at the flush is dropped";
  push({{3, 250, 200}});
  outs = drain();
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].frame->stats.total_vehicles, 1u);
  ASSERT_EQ(outs[0].frame->events.size(), 1u);
  EXPECT_EQ(outs[0].frame->events[0].frame_number, 0u);
}

// The latency query reports upstream's latency plus the frame held back (30 fps).
TEST_F(RoiAnalytics, LatencyAddsOneFrame) {
  start(kZone);
  gst_harness_set_upstream_latency(h_, 10 * GST_MSECOND);
  EXPECT_EQ(gst_harness_query_latency(h_), 10 * GST_MSECOND + GST_SECOND / 30);
}

// Frames without PTS pass through unanalysed, with one warning.
TEST_F(RoiAnalytics, FramesWithoutPtsPassThrough) {
  start(kZone);
  for (int f = 0; f < 2; ++f) {
    GstBuffer *buffer = frame({{1, 200, 200}});
    GST_BUFFER_PTS(buffer) = GST_CLOCK_TIME_NONE;
    ASSERT_EQ(gst_harness_push(h_, buffer), GST_FLOW_OK);
  }
  const std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  for (const Out &out : outs) {
    EXPECT_FALSE(out.frame);
    EXPECT_FALSE(out.objects[0].zones);
  }
  read_bus();
  EXPECT_EQ(warnings_.size(), 1u);
}

// Settings changed while playing apply from the next frame: the old analyzer's tracks exit
// (dwell reported), counts restart. Bad zones while playing are a warning, the old ones stay;
// the same zones string again changes nothing.
TEST_F(RoiAnalytics, LiveReconfiguration) {
  start(kZone);
  push({{1, 200, 200}, {2, 300, 200}});
  push({{1, 200, 200}, {2, 300, 200}});
  g_object_set(h_->element, "speed-limit", 60.0, nullptr);
  push({{3, 250, 200}});
  std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 3u);
  const rw::meta::ZoneFrame &changed = *outs[2].frame;
  EXPECT_EQ(count(changed.events, EventType::kExit), 0u) << "a new limit keeps the tracks";
  EXPECT_EQ(count(changed.events, EventType::kEnter, 3), 1u);
  EXPECT_EQ(changed.stats.total_vehicles, 3u) << "and the counts";

  g_object_set(h_->element, "zones", "{not json", nullptr);
  push({{3, 260, 200}});
  g_object_set(h_->element, "zones", kZone, nullptr);
  push({{3, 270, 200}});
  outs = drain();
  ASSERT_EQ(outs.size(), 3u) << "the empty frame of the last drain, then two";
  for (const Out &out : outs) EXPECT_TRUE(out.frame->events.empty());
  EXPECT_EQ(outs[1].objects[0].zones, std::vector<std::string>{"roi"});
  EXPECT_EQ(outs[1].frame->stats.total_vehicles, 3u);
  read_bus();
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("previous ones stay"), std::string::npos) << warnings_[0];

  const std::string moved =
      R"({"zones": [{"name": "new", "polygon": [[0, 0], [640, 0], [640, 360], [0, 360]]}]})";
  g_object_set(h_->element, "zones", moved.c_str(), nullptr);
  push({{3, 280, 200}});
  outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[1].objects[0].zones, std::vector<std::string>{"new"});
  EXPECT_EQ(count(outs[1].frame->events, EventType::kExit, 3), 1u);
  EXPECT_EQ(count(outs[1].frame->events, EventType::kEnter, 3), 1u);
}

// zones=none: a source without a region yet. Every tracked vehicle counts once with its class,
// objects are in no zone, there are no zone events; zones set later apply like any change.
TEST_F(RoiAnalytics, NoneCountsEveryTrackOnce) {
  start("none", "speed-limit=60");
  push({{1, 200, 200, "car", 90.0}, {2, 600, 50, "truck"}});
  push({{1, 210, 200, "car", 95.0}, {2, 600, 60, "truck"}, {3, 20, 340}});
  std::vector<Out> outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  const rw::zones::Stats &stats = outs[1].frame->stats;
  EXPECT_EQ(stats.total_vehicles, 3u);
  EXPECT_EQ(stats.by_class, (std::map<std::string, std::uint64_t>{{"car", 2}, {"truck", 1}}));
  EXPECT_EQ(stats.current_in_roi, 0u);
  EXPECT_EQ(stats.speeding_count, 0u) << "speeding is per zone";
  EXPECT_TRUE(stats.line_counts.empty());
  for (const Out &out : outs) {
    EXPECT_TRUE(out.frame->events.empty());
    for (const auto &object : out.objects) EXPECT_EQ(object.zones, std::vector<std::string>{});
  }

  g_object_set(h_->element, "zones", kZone, nullptr);
  push({{1, 220, 200, "car", 99.0}});
  outs = drain();
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(count(outs[1].frame->events, EventType::kEnter, 1), 1u);
  EXPECT_EQ(outs[1].frame->stats.total_vehicles, 1u) << "new zones restart the counts";
  read_bus();
  EXPECT_TRUE(warnings_.empty());
}

// Properties flipped from other threads while frames flow: every frame comes out analysed.
// The zones string differs from the initial one (same zone), so each set reloads it.
TEST_F(RoiAnalytics, StressPropertiesWhileStreaming) {
  start(kZone);
  const std::string same_zone = std::string(" ") + kZone;
  GValue limit = G_VALUE_INIT, zones = G_VALUE_INIT;
  g_value_init(&limit, G_TYPE_DOUBLE);
  g_value_set_double(&limit, 60);
  g_value_init(&zones, G_TYPE_STRING);
  g_value_set_string(&zones, same_zone.c_str());
  GstHarnessThread *t1 = gst_harness_stress_property_start_full(h_, "speed-limit", &limit, 0);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full(h_, "zones", &zones, 0);
  // At least 300 frames, and on until both threads have set their value (they may not be
  // scheduled before a fast stream ends); bounded so it cannot hang.
  double speed_limit = 0;
  gchar *zones_now = nullptr;
  for (int f = 0; f < 300 || speed_limit != 60 || g_strcmp0(zones_now, same_zone.c_str()) != 0;
       ++f) {
    ASSERT_LT(f, 100000) << "the property threads never ran";
    push({{1, 200, 200, "car", 50.0}});
    for (const Out &out : pull_all()) {
      ASSERT_TRUE(out.frame);
      EXPECT_EQ(out.frame->stats.total_vehicles, 1u);
      EXPECT_EQ(out.objects[0].zones, std::vector<std::string>{"roi"});
    }
    g_free(zones_now);
    g_object_get(h_->element, "speed-limit", &speed_limit, "zones", &zones_now, nullptr);
  }
  g_free(zones_now);
  EXPECT_GT(gst_harness_stress_thread_stop(t1), 0u);
  EXPECT_GT(gst_harness_stress_thread_stop(t2), 0u);
  g_value_unset(&limit);
  g_value_unset(&zones);
}

// Bad configs fail the state change with the parser's message.
TEST(RoiAnalyticsErrors, BadConfigFailsAtStart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"roianalytics", "or zones=none to count every tracked vehicle"},
      {"roianalytics zones=None", "zones property"},
      {"roianalytics zones-file=/nonexistent/zones.json", "/nonexistent/zones.json"},
      {"roianalytics zones=\"{not json\"", "zones property"},
      {"roianalytics zones=\"{}\"", "no zones and no lines"},
  };
  for (const auto &[launch, expected] : cases) {
    GstElement *element = gst_parse_launch(launch.c_str(), nullptr);
    ASSERT_NE(element, nullptr) << launch;
    const rw::test::StartResult result = rw::test::start_element(element);
    EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE) << launch;
    EXPECT_NE(result.error.find(expected), std::string::npos) << launch << ": " << result.error;
    gst_object_unref(element);
  }
}

// Documented defaults.
TEST(RoiAnalyticsProperties, Defaults) {
  GstElement *element = gst_element_factory_make("roianalytics", nullptr);
  ASSERT_NE(element, nullptr);
  double hysteresis = 0, limit = -1;
  guint timeout = 0;
  gint units = -1;
  gboolean drop = TRUE;
  gchar *file = nullptr;
  g_object_get(element, "hysteresis-px", &hysteresis, "speed-limit", &limit, "track-timeout-ms",
               &timeout, "units", &units, "drop-outside", &drop, "zones-file", &file, nullptr);
  EXPECT_DOUBLE_EQ(hysteresis, 4);
  EXPECT_DOUBLE_EQ(limit, 0);
  EXPECT_EQ(timeout, 5000u);
  EXPECT_EQ(units, int(SpeedUnit::kKmh));
  EXPECT_FALSE(drop);
  EXPECT_EQ(file, nullptr);
  gst_object_unref(element);
}

}  // namespace
