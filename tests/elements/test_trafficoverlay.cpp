// trafficoverlay: boxes, captions, zones, lines and the stats box land on the right pixels in
// the right colour, in BGR and RGB frames; nothing else is touched.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "harness.h"
#include "meta/rwmeta.h"
#include "rw/draw/overlay.hpp"
#include "rw/draw/zones.hpp"

namespace {

struct Pixel {
  guint8 c0, c1, c2;
};

Pixel pixel_at(GstBuffer *buffer, int width, int x, int y) {
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_READ);
  const guint8 *p = map.data + (y * width + x) * 3;  // 3-byte formats, width a multiple of 4
  const Pixel pixel{p[0], p[1], p[2]};
  gst_buffer_unmap(buffer, &map);
  return pixel;
}

GstBuffer *draw(GstVideoFormat format, int class_id) {
  GstHarness *h = gst_harness_new("trafficoverlay");
  g_object_set(h->element, "show-labels", FALSE, "line-thickness", 1, nullptr);
  gst_harness_set_src_caps(h, rw::test::video_caps(format, 64, 48));
  GstBuffer *frame = rw::test::video_frame(format, 64, 48, 0);
  rw::test::add_detection(frame, {10, 10, 20, 16}, 64, 48, {class_id, "car", 0.9});
  GstBuffer *out = gst_harness_push_and_pull(h, frame);
  gst_harness_teardown(h);
  return out;
}

// The box outline has the class colour; inside and outside stay black.
TEST(TrafficOverlay, DrawsBoxOutlineInClassColour) {
  GstBuffer *out = draw(GST_VIDEO_FORMAT_BGR, 2);
  const cv::Scalar bgr = rw::draw::class_colour(2);
  const Pixel edge = pixel_at(out, 64, 20, 10);  // top edge
  EXPECT_EQ(edge.c0, bgr[0]);
  EXPECT_EQ(edge.c1, bgr[1]);
  EXPECT_EQ(edge.c2, bgr[2]);
  const Pixel inside = pixel_at(out, 64, 20, 18);
  EXPECT_EQ(inside.c0 + inside.c1 + inside.c2, 0);
  const Pixel outside = pixel_at(out, 64, 50, 40);
  EXPECT_EQ(outside.c0 + outside.c1 + outside.c2, 0);
  gst_buffer_unref(out);
}

// In an RGB frame the same colour is written with red first.
TEST(TrafficOverlay, RgbFramesGetSwappedChannels) {
  GstBuffer *out = draw(GST_VIDEO_FORMAT_RGB, 7);
  const cv::Scalar bgr = rw::draw::class_colour(7);
  const Pixel edge = pixel_at(out, 64, 10, 20);  // left edge
  EXPECT_EQ(edge.c0, bgr[2]);
  EXPECT_EQ(edge.c2, bgr[0]);
  gst_buffer_unref(out);
}

// Different classes get different colours.
TEST(TrafficOverlay, ClassColoursDiffer) {
  for (int a = 0; a < 8; ++a) {
    for (int b = a + 1; b < 8; ++b) EXPECT_NE(rw::draw::class_colour(a), rw::draw::class_colour(b));
  }
}

// Labels add pixels above the box that the unlabelled drawing does not have.
TEST(TrafficOverlay, LabelsAreDrawnAboveTheBox) {
  GstHarness *h = gst_harness_new("trafficoverlay");
  g_object_set(h->element, "line-thickness", 1, nullptr);
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 128, 96));
  GstBuffer *frame = rw::test::video_frame(GST_VIDEO_FORMAT_BGR, 128, 96, 0);
  rw::test::add_detection(frame, {20, 40, 40, 30}, 128, 96, {2, "car", 0.9});
  GstBuffer *out = gst_harness_push_and_pull(h, frame);
  int lit_above = 0;
  for (int y = 25; y < 39; ++y) {
    for (int x = 20; x < 60; ++x) {
      const Pixel p = pixel_at(out, 128, x, y);
      lit_above += (p.c0 + p.c1 + p.c2) > 0;
    }
  }
  EXPECT_GT(lit_above, 100);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

// Zone and line tests draw on a 320x240 BGR frame (3 bytes a pixel, rows a multiple of 4).
constexpr int kW = 320, kH = 240;

// Runs one black frame, prepared by `prepare`, through a trafficoverlay configured by
// `configure` before it starts (zones are read at start).
GstBuffer *overlay(const std::function<void(GstElement *)> &configure,
                   const std::function<void(GstBuffer *)> &prepare) {
  GstElement *element = gst_element_factory_make("trafficoverlay", nullptr);
  g_object_set(element, "line-thickness", 1, nullptr);
  configure(element);
  GstHarness *h = gst_harness_new_with_element(element, "sink", "src");
  gst_object_unref(element);
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  GstBuffer *frame = rw::test::video_frame(GST_VIDEO_FORMAT_BGR, kW, kH, 0);
  prepare(frame);
  GstBuffer *out = gst_harness_push_and_pull(h, frame);
  gst_harness_teardown(h);
  return out;
}

void no_meta(GstBuffer *) {}

std::function<void(GstElement *)> zones(const char *json) {
  return [json](GstElement *element) { g_object_set(element, "zones", json, nullptr); };
}

bool has_colour(const Pixel &p, const cv::Scalar &bgr) {
  return p.c0 == bgr[0] && p.c1 == bgr[1] && p.c2 == bgr[2];
}

// Pixels that are not black in [x0, x1) x [y0, y1).
int lit(GstBuffer *buffer, int x0, int y0, int x1, int y1) {
  int count = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const Pixel p = pixel_at(buffer, kW, x, y);
      count += (p.c0 + p.c1 + p.c2) > 0;
    }
  }
  return count;
}

bool same_pixels(GstBuffer *a, GstBuffer *b) {
  GstMapInfo ma, mb;
  gst_buffer_map(a, &ma, GST_MAP_READ);
  gst_buffer_map(b, &mb, GST_MAP_READ);
  const bool same = ma.size == mb.size && std::memcmp(ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return same;
}

constexpr const char *kRoi =
    R"({"zones": [{"name": "roi", "polygon": [[20, 100], [300, 100], [300, 220], [20, 220]]}]})";
constexpr const char *kStopLine =
    R"({"lines": [{"name": "stop", "points": [[100, 200], [300, 200]]}]})";

// A zone's outline has the zone colour; its inside and the frame outside it stay black.
TEST(TrafficOverlay, DrawsZoneOutline) {
  GstBuffer *out = overlay(zones(kRoi), no_meta);
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 220), rw::draw::kZoneColour));  // bottom edge
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 300, 160), rw::draw::kZoneColour));  // right edge
  EXPECT_EQ(lit(out, 100, 140, 280, 210), 0);                                   // inside
  EXPECT_EQ(lit(out, 0, 0, kW, 90), 0);  // above it: no stats box without roianalytics
  gst_buffer_unref(out);
}

// Normalized zones are resolved against the negotiated frame size.
TEST(TrafficOverlay, ResolvesNormalizedZonesAtCaps) {
  GstBuffer *out = overlay(zones(R"({"normalized": true, "zones": [{"name": "roi", "polygon": )"
                                 R"([[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]}]})"),
                           no_meta);
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 180), rw::draw::kZoneColour));  // 0.75 * 240
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 240, 120), rw::draw::kZoneColour));  // 0.75 * 320
  gst_buffer_unref(out);
}

// A counting line has the line colour, with an arrow and a label above it (forward is up for
// a line drawn left to right) and nothing below it.
TEST(TrafficOverlay, DrawsCountingLine) {
  GstBuffer *out = overlay(zones(kStopLine), no_meta);
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 120, 200), rw::draw::kLineColour));
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 200, 195), rw::draw::kLineColour));  // arrow shaft
  EXPECT_GT(lit(out, 100, 150, 300, 190), 100);                                 // label plate
  EXPECT_EQ(lit(out, 0, 205, kW, kH), 0);
  gst_buffer_unref(out);
}

// With roianalytics' frame meta the line's label grows its counts and a stats box appears
// top-left.
TEST(TrafficOverlay, WritesLineCountsAndStatsFromZoneFrame) {
  GstBuffer *plain = overlay(zones(kStopLine), no_meta);
  GstBuffer *counted = overlay(zones(kStopLine), [](GstBuffer *frame) {
    rw::meta::ZoneFrame analytics;
    analytics.stats.total_vehicles = 12;
    analytics.stats.current_in_roi = 3;
    analytics.stats.speeding_count = 1;
    analytics.stats.line_counts = {{"stop", 12, 3}};
    rw::meta::set_zone_frame(frame, analytics);
  });
  EXPECT_GT(lit(counted, 100, 150, 300, 190), lit(plain, 100, 150, 300, 190) + 100);
  EXPECT_EQ(lit(plain, 0, 0, 100, 60), 0);
  EXPECT_GT(lit(counted, 0, 0, 100, 60), 1000);  // the dark stats box
  EXPECT_EQ(rw::draw::line_caption({"stop", {}, {}, rw::draw::LineTally{12, 3}}),
            "stop 12 fwd 3 bwd");
  gst_buffer_unref(plain);
  gst_buffer_unref(counted);
}

// A frame without zones and without metadata comes out untouched.
TEST(TrafficOverlay, LeavesPlainFramesUnchanged) {
  GstBuffer *out = overlay([](GstElement *) {}, no_meta);
  EXPECT_EQ(lit(out, 0, 0, kW, kH), 0);
  gst_buffer_unref(out);
}

// zones-file=none (a source without a region yet, as the runner's templates default to) starts
// and draws no zones: the frame stays black.
TEST(TrafficOverlay, NoneDrawsNoZones) {
  for (const char *property : {"zones-file", "zones"}) {
    GstBuffer *out = overlay(
        [property](GstElement *element) { g_object_set(element, property, "none", nullptr); },
        no_meta);
    EXPECT_EQ(lit(out, 0, 0, kW, kH), 0) << property;
    gst_buffer_unref(out);
  }
}

// A car measured at 87 km/h: the caption grows by its speed; show-speed=false draws exactly
// what an object without kinematics gets.
TEST(TrafficOverlay, CaptionShowsSpeed) {
  const auto car = [](bool measured) {
    return [measured](GstBuffer *frame) {
      rw::meta::Object object;
      object.box = {100, 100, 60, 40};
      object.detection = rw::meta::Detection{2, "car", 0.9};
      object.tracking = rw::meta::Tracking{7, "confirmed", 5, 5};
      if (measured) {
        object.kinematics = rw::meta::Kinematics{1, 2, 87, 1, 0, true, rw::meta::SpeedUnit::kKmh};
      }
      rw::meta::add_object(frame, object, kW, kH);
    };
  };
  const auto speed_off = [](GstElement *e) { g_object_set(e, "show-speed", FALSE, nullptr); };
  GstBuffer *with_speed = overlay([](GstElement *) {}, car(true));
  GstBuffer *without = overlay([](GstElement *) {}, car(false));
  GstBuffer *hidden = overlay(speed_off, car(true));
  EXPECT_GT(lit(with_speed, 100, 80, kW, 100), lit(without, 100, 80, kW, 100) + 50);
  EXPECT_TRUE(same_pixels(hidden, without));
  gst_buffer_unref(with_speed);
  gst_buffer_unref(without);
  gst_buffer_unref(hidden);
}

// Zones set while playing are drawn from the next frame; bad ones are a warning and the
// previous ones stay; empty zones draw nothing.
TEST(TrafficOverlay, ZonesChangeWhilePlaying) {
  GstHarness *h = gst_harness_new("trafficoverlay");
  g_object_set(h->element, "line-thickness", 1, "zones", kRoi, nullptr);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  const auto next_frame = [h] {
    return gst_harness_push_and_pull(h, rw::test::video_frame(GST_VIDEO_FORMAT_BGR, kW, kH, 0));
  };
  constexpr const char *kTopBand =
      R"({"zones": [{"name": "top", "polygon": [[40, 20], [280, 20], [280, 80], [40, 80]]}]})";

  GstBuffer *out = next_frame();
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 220), rw::draw::kZoneColour));
  gst_buffer_unref(out);

  g_object_set(h->element, "zones", kTopBand, nullptr);
  out = next_frame();
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 80), rw::draw::kZoneColour));  // new bottom
  EXPECT_EQ(lit(out, 0, 90, kW, kH), 0) << "the old zone is gone";
  gst_buffer_unref(out);

  g_object_set(h->element, "zones", "{\"zones\": [", nullptr);
  out = next_frame();
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 80), rw::draw::kZoneColour));
  gst_buffer_unref(out);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("previous ones stay"), std::string::npos) << warnings[0];

  g_object_set(h->element, "zones", nullptr, nullptr);
  out = next_frame();
  EXPECT_EQ(lit(out, 0, 0, kW, kH), 0);
  gst_buffer_unref(out);

  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

// silent=true passes a frame with a box and zones through byte for byte (the dashboard draws
// them itself); set back to false while playing it draws again, including zones set meanwhile.
TEST(TrafficOverlay, SilentPassesFramesThroughUntouched) {
  GstHarness *h = gst_harness_new("trafficoverlay");
  g_object_set(h->element, "line-thickness", 1, "show-labels", FALSE, "zones", kRoi, "silent", TRUE,
               nullptr);
  gboolean silent = FALSE;
  g_object_get(h->element, "silent", &silent, nullptr);
  EXPECT_TRUE(silent);
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  // A grey frame (not black, so a drawn box or outline changes it) with a car in it.
  const auto car_frame = [] {
    GstBuffer *frame = rw::test::video_frame(GST_VIDEO_FORMAT_BGR, kW, kH, 0);
    GstMapInfo map;
    gst_buffer_map(frame, &map, GST_MAP_WRITE);
    for (gsize i = 0; i < map.size; ++i) map.data[i] = guint8(40 + i % 7);
    gst_buffer_unmap(frame, &map);
    rw::test::add_detection(frame, {60, 60, 80, 50}, kW, kH, {2, "car", 0.9});
    return frame;
  };
  const auto has_box = [](GstBuffer *out) {
    return has_colour(pixel_at(out, kW, 60, 85), rw::draw::class_colour(2));  // left edge
  };

  GstBuffer *in = car_frame();
  GstBuffer *expected = gst_buffer_copy_deep(in);
  GstBuffer *out = gst_harness_push_and_pull(h, in);
  EXPECT_TRUE(same_pixels(out, expected)) << "silent: nothing drawn";
  EXPECT_FALSE(has_box(out));
  gst_buffer_unref(out);
  gst_buffer_unref(expected);

  // Zones changed while silent are drawn once it draws again.
  constexpr const char *kTopBand =
      R"({"zones": [{"name": "top", "polygon": [[40, 20], [280, 20], [280, 40], [40, 40]]}]})";
  g_object_set(h->element, "zones", kTopBand, nullptr);
  in = car_frame();
  expected = gst_buffer_copy_deep(in);
  out = gst_harness_push_and_pull(h, in);
  EXPECT_TRUE(same_pixels(out, expected)) << "still silent";
  gst_buffer_unref(out);
  gst_buffer_unref(expected);

  g_object_set(h->element, "silent", FALSE, nullptr);
  in = car_frame();
  expected = gst_buffer_copy_deep(in);
  out = gst_harness_push_and_pull(h, in);
  EXPECT_FALSE(same_pixels(out, expected)) << "drawing again";
  EXPECT_TRUE(has_box(out));
  EXPECT_TRUE(has_colour(pixel_at(out, kW, 160, 40), rw::draw::kZoneColour));    // new zone
  EXPECT_FALSE(has_colour(pixel_at(out, kW, 160, 220), rw::draw::kZoneColour));  // not kRoi
  gst_buffer_unref(out);
  gst_buffer_unref(expected);

  // And silent again while playing.
  g_object_set(h->element, "silent", TRUE, nullptr);
  in = car_frame();
  expected = gst_buffer_copy_deep(in);
  out = gst_harness_push_and_pull(h, in);
  EXPECT_TRUE(same_pixels(out, expected));
  gst_buffer_unref(out);
  gst_buffer_unref(expected);
  gst_harness_teardown(h);
}

// A zone config that cannot be read fails the start with an error naming what is wrong.
TEST(TrafficOverlay, BadZonesFailAtStart) {
  const std::pair<const char *, const char *> cases[] = {
      {"zones", "{\"zones\": ["},
      {"zones", R"({"zones": [{"name": "a", "polygon": [[0, 0], [1, 1]]}]})"},
      {"zones-file", "/nonexistent/zones.json"}};
  for (const auto &[property, value] : cases) {
    GstElement *element = gst_element_factory_make("trafficoverlay", nullptr);
    g_object_set(element, property, value, nullptr);
    const rw::test::StartResult result = rw::test::start_element(element);
    EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE) << value;
    EXPECT_FALSE(result.error.empty()) << value;
    if (std::string(property) == "zones-file") {
      EXPECT_NE(result.error.find("/nonexistent/zones.json"), std::string::npos) << result.error;
    } else {
      EXPECT_NE(result.error.find("zones property"), std::string::npos) << result.error;
    }
    gst_object_unref(element);
  }
}

}  // namespace
