// trafficoverlay: boxes land on the right pixels in the right colour, in BGR and RGB frames.
#include <gtest/gtest.h>

#include "harness.h"
#include "meta/rwmeta.h"
#include "rw/draw/overlay.hpp"

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

}  // namespace
