// ZoneAnalyzer over scripted scenes at 10 frames/s (frame n has PTS n * 100 ms): enter/exit
// with dwell, hysteresis on borders and lines, line directions, speeding, labels, bounds,
// timeouts and the end-of-stream summary.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rw/common/error.hpp"
#include "rw/zones/analyzer.hpp"

namespace {

using rw::zones::AnalyzerConfig;
using rw::zones::Event;
using rw::zones::EventType;
using rw::zones::FrameResult;
using rw::zones::TrackedObject;
using rw::zones::ZoneAnalyzer;
using rw::zones::ZoneConfig;

constexpr std::int64_t kFrameNs = 100'000'000;

ZoneConfig rectangle_zone(const std::string &name = "roi", double x1 = 100, double y1 = 100,
                          double x2 = 300, double y2 = 300) {
  ZoneConfig config;
  config.zones.push_back({name, {{x1, y1}, {x2, y1}, {x2, y2}, {x1, y2}}});
  return config;
}

ZoneConfig vertical_line() {  // x = 200, drawn top to bottom
  ZoneConfig config;
  config.lines.push_back({"l1", {200, 0}, {200, 400}});
  return config;
}

AnalyzerConfig analyzer_config(ZoneConfig zones, double speed_limit_kmh = 0) {
  AnalyzerConfig config;
  config.zones = std::move(zones);
  config.speed_limit_kmh = speed_limit_kmh;
  return config;
}

TrackedObject car(std::uint64_t id, double x, double y = 200,
                  std::optional<double> speed_kmh = std::nullopt, std::string label = "car") {
  return {id, 2, std::move(label), {x, y}, speed_kmh};
}

// Drives an analyzer frame by frame and keeps every event.
struct Scene {
  ZoneAnalyzer analyzer;
  std::uint64_t frame = 0;
  std::vector<Event> events;
  FrameResult last;

  explicit Scene(AnalyzerConfig config) : analyzer(std::move(config)) {}

  FrameResult &step(const std::vector<TrackedObject> &objects) {
    last = analyzer.update(objects, frame, pts(frame));
    events.insert(events.end(), last.events.begin(), last.events.end());
    ++frame;
    return last;
  }
  static std::int64_t pts(std::uint64_t frame) {
    return static_cast<std::int64_t>(frame) * kFrameNs;
  }

  std::vector<Event> of(EventType type) const {
    std::vector<Event> out;
    for (const Event &e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
};

TEST(ZoneAnalyzer, EnterStayExitWithDwellFromPts) {
  Scene scene(analyzer_config(rectangle_zone()));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(scene.step({car(1, 50)}).zones[0].empty());
  for (int i = 0; i < 20; ++i) {
    const FrameResult &r = scene.step({car(1, 150)});
    ASSERT_EQ(r.zones[0], std::vector<std::string>{"roi"});
    EXPECT_EQ(r.stats.current_in_roi, 1u);
  }
  EXPECT_EQ(scene.step({car(1, 350)}).stats.current_in_roi, 0u);

  const auto enters = scene.of(EventType::kEnter);
  ASSERT_EQ(enters.size(), 1u);
  EXPECT_EQ(enters[0].frame_number, 10u);
  EXPECT_EQ(enters[0].pts_ns, 1'000'000'000);
  EXPECT_EQ(enters[0].zone, "roi");
  EXPECT_EQ(enters[0].track_id, 1u);
  const auto exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].frame_number, 30u);
  EXPECT_EQ(exits[0].dwell_ns, 2'000'000'000);
  EXPECT_EQ(scene.last.stats.total_vehicles, 1u);
  EXPECT_DOUBLE_EQ(scene.analyzer.summary().average_dwell_s, 2.0);
}

TEST(ZoneAnalyzer, BorderJitterWithinHysteresisEntersOnce) {
  Scene scene(analyzer_config(rectangle_zone()));  // hysteresis 4 px, border at x = 100
  scene.step({car(1, 90)});
  for (int i = 0; i < 20; ++i) scene.step({car(1, i % 2 ? 102 : 98)});
  EXPECT_TRUE(scene.events.empty());
  scene.step({car(1, 110)});
  for (int i = 0; i < 20; ++i) scene.step({car(1, i % 2 ? 102 : 98)});
  EXPECT_EQ(scene.of(EventType::kEnter).size(), 1u);
  EXPECT_TRUE(scene.of(EventType::kExit).empty());
  EXPECT_EQ(scene.last.zones[0], std::vector<std::string>{"roi"});  // still inside
}

TEST(ZoneAnalyzer, WithoutHysteresisJitterToggles) {
  AnalyzerConfig config = analyzer_config(rectangle_zone());
  config.hysteresis_px = 0;
  Scene scene(std::move(config));
  for (int i = 0; i < 4; ++i) scene.step({car(1, i % 2 ? 102 : 98)});
  EXPECT_EQ(scene.of(EventType::kEnter).size(), 2u);  // the contrast the margin exists for
}

TEST(LineCrossing, OppositeDirectionsAreCountedWithSigns) {
  Scene scene(analyzer_config(vertical_line()));
  for (double x = 150; x <= 250; x += 10) scene.step({car(1, x)});  // screen left -> right
  for (double x = 250; x >= 150; x -= 10) scene.step({car(2, x)});  // screen right -> left
  const auto crossings = scene.of(EventType::kLineCross);
  ASSERT_EQ(crossings.size(), 2u);
  EXPECT_EQ(crossings[0].track_id, 1u);
  EXPECT_EQ(crossings[0].direction, 1);  // from the right of a->b (top->bottom) to its left
  EXPECT_EQ(crossings[0].zone, "l1");
  EXPECT_EQ(crossings[1].track_id, 2u);
  EXPECT_EQ(crossings[1].direction, -1);
  ASSERT_EQ(scene.last.stats.line_counts.size(), 1u);
  EXPECT_EQ(scene.last.stats.line_counts[0].name, "l1");
  EXPECT_EQ(scene.last.stats.line_counts[0].forward, 1u);
  EXPECT_EQ(scene.last.stats.line_counts[0].backward, 1u);
  EXPECT_EQ(scene.last.stats.total_vehicles, 2u);  // no zones: every track seen counts
}

TEST(LineCrossing, JitterOnTheLineCountsOnce) {
  Scene scene(analyzer_config(vertical_line()));
  scene.step({car(1, 190)});
  for (int i = 0; i < 20; ++i) scene.step({car(1, i % 2 ? 202 : 198)});
  EXPECT_TRUE(scene.of(EventType::kLineCross).empty());
  scene.step({car(1, 210)});
  for (int i = 0; i < 20; ++i) scene.step({car(1, i % 2 ? 202 : 198)});
  scene.step({car(1, 230)});
  ASSERT_EQ(scene.of(EventType::kLineCross).size(), 1u);
  EXPECT_EQ(scene.last.stats.line_counts[0].forward, 1u);
  EXPECT_EQ(scene.last.stats.line_counts[0].backward, 0u);
}

TEST(LineCrossing, GoingRoundTheEndDoesNotCount) {
  Scene scene(analyzer_config(vertical_line()));  // segment ends at y = 400
  for (const cv::Point2d p : {cv::Point2d(150, 300), {150, 450}, {250, 450}, {250, 300}}) {
    scene.step({car(1, p.x, p.y)});
  }
  EXPECT_TRUE(scene.of(EventType::kLineCross).empty());
}

// The exit's speed is the mean over the frames inside that had a speed: frames outside, frames
// without a (finite) speed and earlier stays do not count; a stay without any has none.
TEST(ZoneSpeedMean, ExitCarriesTheMeanSpeedOfTheStay) {
  Scene scene(analyzer_config(rectangle_zone()));
  scene.step({car(1, 50, 200, 200), car(2, 50, 250)});  // outside: not part of the stay
  const std::optional<double> speeds[] = {50, std::nullopt, 70, std::nan(""), 90};
  for (const std::optional<double> &speed : speeds) {
    scene.step({car(1, 150, 200, speed), car(2, 150, 250)});
  }
  scene.step({car(1, 350, 200, 300), car(2, 350, 250)});  // the exit frame is outside
  auto exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0].track_id, 1u);
  EXPECT_DOUBLE_EQ(exits[0].speed_kmh.value(), (50.0 + 70.0 + 90.0) / 3);
  EXPECT_EQ(exits[1].track_id, 2u);
  EXPECT_FALSE(exits[1].speed_kmh) << "no speed inside: none reported";
  EXPECT_TRUE(scene.of(EventType::kEnter).at(0).speed_kmh == std::nullopt);

  // A second stay starts over; a track still inside at the end exits with its own mean.
  scene.step({car(1, 150, 200, 30)});
  scene.step({car(1, 350, 200)});
  scene.step({car(1, 150, 200, 40)});
  scene.step({car(1, 150, 200, 60)});
  const std::vector<Event> tail = scene.analyzer.finish(Scene::pts(scene.frame));
  exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 3u);
  EXPECT_DOUBLE_EQ(exits[2].speed_kmh.value(), 30);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].type, EventType::kExit);
  EXPECT_DOUBLE_EQ(tail[0].speed_kmh.value(), 50);
}

// A track dropped after the timeout exits with the mean of what it had inside.
TEST(ZoneSpeedMean, TimedOutTrackExitsWithItsMean) {
  AnalyzerConfig config = analyzer_config(rectangle_zone());
  config.track_timeout_ns = 3 * kFrameNs;
  Scene scene(std::move(config));
  scene.step({car(7, 150, 200, 81)});
  scene.step({car(7, 150, 200, 83)});
  for (int i = 0; i < 4; ++i) scene.step({});
  const auto exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_DOUBLE_EQ(exits[0].speed_kmh.value(), 82);
}

TEST(ZoneSpeeding, OneEventWithTheMaxSpeedOnExit) {
  Scene scene(analyzer_config(rectangle_zone(), 60));
  scene.step({car(1, 50, 200, 90)});  // fast outside the zone: not a violation
  const double speeds[] = {50, 70, 80, 60};
  std::uint64_t speeding_now[4];
  for (int i = 0; i < 4; ++i)
    speeding_now[i] = scene.step({car(1, 150, 200, speeds[i])}).stats.speeding_count;
  EXPECT_EQ(speeding_now[0], 0u);
  EXPECT_EQ(speeding_now[1], 1u);
  EXPECT_EQ(speeding_now[2], 1u);
  EXPECT_EQ(speeding_now[3], 0u);
  EXPECT_TRUE(scene.of(EventType::kSpeeding).empty());  // emitted on exit, with the max
  scene.step({car(1, 350, 200, 60)});
  const auto speeding = scene.of(EventType::kSpeeding);
  ASSERT_EQ(speeding.size(), 1u);
  EXPECT_DOUBLE_EQ(speeding[0].speed_kmh.value(), 80);
  EXPECT_DOUBLE_EQ(speeding[0].limit_kmh, 60);
  EXPECT_EQ(speeding[0].zone, "roi");
  EXPECT_EQ(speeding[0].frame_number, 5u);
  // Re-entering faster is the same track in the same zone: no second event.
  scene.step({car(1, 150, 200, 100)});
  scene.step({car(1, 350, 200, 100)});
  EXPECT_EQ(scene.of(EventType::kSpeeding).size(), 1u);
  EXPECT_EQ(scene.analyzer.summary().violations, 1u);
}

TEST(ZoneSpeeding, OneEventPerZoneAndFinishFlushes) {
  ZoneConfig zones = rectangle_zone("a");
  zones.zones.push_back(rectangle_zone("b", 120, 120, 400, 300).zones[0]);
  Scene scene(analyzer_config(zones, 60));
  for (int i = 0; i < 5; ++i) {
    const FrameResult &r = scene.step({car(1, 150, 200, 70 + i)});
    EXPECT_EQ(r.zones[0], (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.stats.current_in_roi, 1u);  // one object, however many zones
    EXPECT_EQ(r.stats.speeding_count, 1u);
  }
  scene.step({car(1, 350, 200, 80)});  // leaves a only
  auto speeding = scene.of(EventType::kSpeeding);
  ASSERT_EQ(speeding.size(), 1u);
  EXPECT_EQ(speeding[0].zone, "a");
  EXPECT_DOUBLE_EQ(speeding[0].speed_kmh.value(), 74);

  const std::vector<Event> tail = scene.analyzer.finish(Scene::pts(scene.frame));
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].type, EventType::kExit);
  EXPECT_EQ(tail[0].zone, "b");
  EXPECT_EQ(tail[0].dwell_ns, 5 * kFrameNs);  // up to the last sighting
  EXPECT_EQ(tail[1].type, EventType::kSpeeding);
  EXPECT_EQ(tail[1].zone, "b");
  EXPECT_DOUBLE_EQ(tail[1].speed_kmh.value(), 80);
  EXPECT_EQ(tail[2].type, EventType::kEndOfStream);
  EXPECT_EQ(scene.analyzer.track_count(), 0u);
  EXPECT_EQ(scene.analyzer.summary().violations, 2u);
}

// A live limit change applies from the next frame and keeps tracks and totals.
TEST(ZoneSpeeding, SpeedLimitChangeKeepsCounts) {
  Scene scene(analyzer_config(rectangle_zone(), 0));
  EXPECT_EQ(scene.step({car(1, 150, 200, 70)}).stats.speeding_count, 0u);  // no limit yet
  scene.analyzer.set_speed_limit(60);
  const FrameResult &r = scene.step({car(1, 150, 200, 70)});
  EXPECT_EQ(r.stats.speeding_count, 1u);
  EXPECT_EQ(r.stats.total_vehicles, 1u);
  EXPECT_EQ(scene.of(EventType::kEnter).size(), 1u);  // the track was not restarted
  scene.step({car(1, 350, 200, 70)});
  const auto speeding = scene.of(EventType::kSpeeding);
  ASSERT_EQ(speeding.size(), 1u);
  EXPECT_DOUBLE_EQ(speeding[0].limit_kmh, 60);
  EXPECT_THROW(scene.analyzer.set_speed_limit(-1), rw::Error);
}

TEST(ZoneAnalyzer, LabelFlickerCountsTheFirstLabelOnce) {
  Scene scene(analyzer_config(rectangle_zone()));
  scene.step({car(1, 150, 200, std::nullopt, "car")});
  for (int i = 0; i < 5; ++i) scene.step({car(1, 150, 200, std::nullopt, "truck")});
  scene.step({car(2, 150, 250, std::nullopt, "truck")});
  EXPECT_EQ(scene.last.stats.total_vehicles, 2u);
  EXPECT_EQ(scene.last.stats.by_class,
            (std::map<std::string, std::uint64_t>{{"car", 1}, {"truck", 1}}));
  scene.step({car(1, 350, 200, std::nullopt, "truck")});
  EXPECT_EQ(scene.of(EventType::kExit).at(0).label, "car");
}

TEST(ZoneAnalyzer, OnlyTracksInsideAZoneAreCounted) {
  Scene scene(analyzer_config(rectangle_zone()));
  scene.step({car(1, 50), car(2, 150), car(3, 500)});
  EXPECT_EQ(scene.last.stats.total_vehicles, 1u);
  EXPECT_EQ(scene.last.zones.size(), 3u);
  EXPECT_TRUE(scene.last.zones[0].empty());
  EXPECT_EQ(scene.last.zones[1], std::vector<std::string>{"roi"});
}

TEST(ZoneAnalyzer, TrackCountIsBounded) {
  AnalyzerConfig config = analyzer_config(rectangle_zone());
  config.max_tracks = 2;
  Scene scene(std::move(config));
  scene.step({car(1, 150)});
  scene.step({car(2, 160)});
  scene.step({car(3, 170)});  // track 1 is the least recently seen: it exits
  EXPECT_EQ(scene.analyzer.track_count(), 2u);
  const auto exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].track_id, 1u);
  EXPECT_EQ(scene.last.stats.total_vehicles, 3u);
}

TEST(ZoneAnalyzer, UnseenTracksTimeOutWithAnExit) {
  Scene scene(analyzer_config(rectangle_zone()));
  scene.step({car(1, 150)});
  scene.step({car(1, 150)});  // last seen at 100 ms
  for (int i = 0; i < 50; ++i) scene.step({});
  EXPECT_EQ(scene.analyzer.track_count(), 1u);  // 5.0 s unseen: not yet beyond the timeout
  scene.step({});
  EXPECT_EQ(scene.analyzer.track_count(), 0u);
  const auto exits = scene.of(EventType::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].dwell_ns, kFrameNs);
  EXPECT_EQ(exits[0].frame_number, 52u);
}

TEST(ZoneAnalyzer, SummaryAtEndOfStream) {
  Scene scene(analyzer_config(rectangle_zone(), 60));
  for (int i = 0; i < 20; ++i) scene.step({car(1, 150, 200, 50), car(2, 200, 200, 70, "truck")});
  scene.step({car(1, 350, 200, 50), car(2, 200, 200, 70, "truck")});  // 1 leaves after 2 s
  for (int i = 0; i < 19; ++i) scene.step({car(2, 200, 200, 70, "truck")});
  scene.analyzer.finish(Scene::pts(scene.frame));  // 2 was last seen inside at 3.9 s
  const auto summary = scene.analyzer.summary();
  EXPECT_EQ(summary.total_vehicles, 2u);
  EXPECT_NEAR(summary.average_dwell_s, (2.0 + 3.9) / 2, 1e-12);
  EXPECT_EQ(summary.by_class, (std::map<std::string, std::uint64_t>{{"car", 1}, {"truck", 1}}));
  EXPECT_EQ(summary.violations, 1u);
  scene.analyzer.reset();
  EXPECT_EQ(scene.analyzer.summary().total_vehicles, 0u);
}

TEST(ZoneAnalyzer, RejectsBadConfig) {
  ZoneConfig normalized = rectangle_zone();
  normalized.normalized = true;
  EXPECT_THROW(ZoneAnalyzer{analyzer_config(normalized)}, rw::Error);
  AnalyzerConfig negative = analyzer_config(rectangle_zone());
  negative.hysteresis_px = -1;
  EXPECT_THROW(ZoneAnalyzer{negative}, rw::Error);
}

TEST(ZoneAnalyzer, EventTypeNamesMatchTheRecord) {
  EXPECT_STREQ(rw::zones::to_string(EventType::kLineCross), "line_cross");
  EXPECT_STREQ(rw::zones::to_string(EventType::kEndOfStream), "end_of_stream");
  for (EventType type : {EventType::kEnter, EventType::kExit, EventType::kLineCross,
                         EventType::kSpeeding, EventType::kEndOfStream}) {
    EXPECT_EQ(rw::zones::event_type_from(rw::zones::to_string(type)), type);
  }
  EXPECT_EQ(rw::zones::event_type_from("Speeding"), std::nullopt);
  EXPECT_EQ(rw::zones::event_type_from(""), std::nullopt);
}

}  // namespace
