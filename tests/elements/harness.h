#pragma once

// Helpers shared by the element tests.

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <string>
#include <vector>

#include "meta/rwmeta.h"

namespace rw::test {

// An object with only a detection param, as yolodetect writes it.
void add_detection(GstBuffer *buffer, const rw::meta::BoxPx &box, int frame_w, int frame_h,
                   const rw::meta::Detection &detection);

// A black frame of the given format and size, with PTS and duration set.
GstBuffer *video_frame(GstVideoFormat format, int width, int height, GstClockTime pts);

GstCaps *video_caps(GstVideoFormat format, int width, int height);

// Synthetic models made by the ctest fixture.
std::string synthetic_model(const char *name);

// Element state change result after asking for PLAYING, with the error text it posted (if any).
struct StartResult {
  GstStateChangeReturn state_change;
  std::string error;
};
StartResult start_element(GstElement *element);

// Text of every message of `type` on the bus so far.
std::vector<std::string> bus_messages(GstBus *bus, GstMessageType type);

}  // namespace rw::test
