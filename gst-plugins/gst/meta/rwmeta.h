#pragma once

// The only place that spells roadwatch metadata names (SPEC §4 "metadata convention").
// Objects are GstVideoRegionOfInterestMeta (roi_type = class label) with one GstStructure
// param per element; frame-level results are GstCustomMeta. Moving to GstAnalyticsRelationMeta
// (GStreamer >= 1.24) must touch only this header and rwmeta.cpp.

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

namespace rw::meta {

// param "detection", written by yolodetect
inline constexpr const char *kDetectionParam = "detection";
inline constexpr const char *kFieldClassId = "class-id";
inline constexpr const char *kFieldLabel = "label";
inline constexpr const char *kFieldConfidence = "confidence";
// The box at sub-pixel precision, normalised to the frame (ROI meta holds whole pixels).
inline constexpr const char *kFieldXMin = "x-min";
inline constexpr const char *kFieldYMin = "y-min";
inline constexpr const char *kFieldXMax = "x-max";
inline constexpr const char *kFieldYMax = "y-max";

// param "tracking", written by deepsorttrack (ROI meta ids are always 0 in GStreamer 1.22)
inline constexpr const char *kTrackingParam = "tracking";
inline constexpr const char *kFieldId = "id";
inline constexpr const char *kFieldState = "state";
inline constexpr const char *kFieldAge = "age";
inline constexpr const char *kFieldHits = "hits";

// GstCustomMeta "RwDetectionFrame", written by yolodetect on every frame: whether inference
// ran on it (interval > 0 skips frames; a tracker then only predicts).
inline constexpr const char *kDetectionFrameMeta = "RwDetectionFrame";
inline constexpr const char *kFieldInferred = "inferred";

// A box in frame pixels: x, y top-left, w, h.
struct BoxPx {
  double x = 0, y = 0, w = 0, h = 0;
};

struct Detection {
  int class_id = 0;
  std::string label;
  double confidence = 0;
};

struct Tracking {
  guint64 id = 0;
  std::string state;  // "tentative" or "confirmed"
  guint age = 0;      // frames since the track began
  guint hits = 0;     // frames with a matched detection
};

// One object on a frame, with whatever params the elements upstream attached.
struct Object {
  BoxPx box;  // sub-pixel when the writer stored it, else the ROI meta's whole pixels
  std::optional<Detection> detection;
  std::optional<Tracking> tracking;
};

// Registers the custom metas; idempotent, called from plugin_init.
void register_metas();

// Adds one ROI meta (box clamped to the frame) with a param for each part the object has.
// The label (roi_type) comes from the detection; an object needs one.
void add_object(GstBuffer *buffer, const Object &object, int frame_w, int frame_h);

// Removes every ROI meta, so an element can write its own set of objects.
void remove_objects(GstBuffer *buffer);

// Every ROI meta of the buffer in attachment order; frame size as negotiated.
std::vector<Object> read_objects(GstBuffer *buffer, int frame_w, int frame_h);

void set_inferred(GstBuffer *buffer, bool inferred);
// nullopt when no detector saw the buffer.
std::optional<bool> inferred(GstBuffer *buffer);

}  // namespace rw::meta
