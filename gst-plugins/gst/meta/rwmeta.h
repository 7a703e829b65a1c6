#pragma once

// The only place that spells roadwatch metadata names (SPEC §4 "metadata convention").
// Objects are GstVideoRegionOfInterestMeta (roi_type = class label) with one GstStructure
// param per element; frame-level results are GstCustomMeta. Moving to GstAnalyticsRelationMeta
// (GStreamer >= 1.24) must touch only this header and rwmeta.cpp.

#include <gst/gst.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rw/zones/analyzer.hpp"

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

// param "kinematics", written by homographyspeed
inline constexpr const char *kKinematicsParam = "kinematics";
inline constexpr const char *kFieldWorldX = "world-x";  // metres on the road plane
inline constexpr const char *kFieldWorldY = "world-y";
inline constexpr const char *kFieldSpeed = "speed";              // in kFieldUnits
inline constexpr const char *kFieldUncertainty = "uncertainty";  // 1-sigma, in kFieldUnits
inline constexpr const char *kFieldHeading = "heading";          // degrees, 0 = world +y, clockwise
inline constexpr const char *kFieldValid = "valid";              // false: speed not yet measurable
inline constexpr const char *kFieldUnits = "units";              // "kmh" or "mph"

// param "zones", written by roianalytics: the zones the object is inside
inline constexpr const char *kZonesParam = "zones";
inline constexpr const char *kFieldNames = "names";  // GstValueArray of strings

// GstCustomMeta "RwZoneFrame", written by roianalytics on every frame: stats, the events of
// this frame and, on the last frame, the end-of-stream summary. Events and the summary are
// also posted as element messages with the same structures.
inline constexpr const char *kZoneFrameMeta = "RwZoneFrame";
inline constexpr const char *kEventStructure = "roadwatch-event";
inline constexpr const char *kSummaryStructure = "roadwatch-summary";

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

enum class SpeedUnit { kKmh, kMph };
const char *to_string(SpeedUnit unit);  // "kmh", "mph"

struct Kinematics {
  double world_x_m = 0;
  double world_y_m = 0;
  double speed = 0;        // in units
  double uncertainty = 0;  // 1-sigma, in units
  double heading_deg = 0;
  bool valid = false;
  SpeedUnit units = SpeedUnit::kKmh;

  double speed_kmh() const;
  double uncertainty_kmh() const;
};

// One object on a frame, with whatever params the elements upstream attached.
struct Object {
  BoxPx box;  // sub-pixel when the writer stored it, else the ROI meta's whole pixels
  std::optional<Detection> detection;
  std::optional<Tracking> tracking;
  std::optional<Kinematics> kinematics;
  std::optional<std::vector<std::string>> zones;
};

// Frame-level zone results (RwZoneFrame).
struct ZoneFrame {
  rw::zones::Stats stats;
  std::vector<rw::zones::Event> events;
  std::optional<rw::zones::Summary> summary;  // on the frame that carries end_of_stream
};

// Registers the custom metas; idempotent, called from plugin_init.
void register_metas();

// Adds one ROI meta (box clamped to the frame) with a param for each part the object has.
// The label (roi_type) comes from the detection; an object needs one.
void add_object(GstBuffer *buffer, const Object &object, int frame_w, int frame_h);

// Sets (or replaces) one param on the index-th ROI meta, in read_objects order, keeping the
// others. The buffer must be writable. False when there is no such object.
bool set_kinematics(GstBuffer *buffer, std::size_t index, const Kinematics &kinematics);
bool set_zones(GstBuffer *buffer, std::size_t index, const std::vector<std::string> &zones);

// Removes every ROI meta, so an element can write its own set of objects.
void remove_objects(GstBuffer *buffer);

// Every ROI meta of the buffer in attachment order; frame size as negotiated.
std::vector<Object> read_objects(GstBuffer *buffer, int frame_w, int frame_h);

void set_zone_frame(GstBuffer *buffer, const ZoneFrame &frame);
std::optional<ZoneFrame> zone_frame(GstBuffer *buffer);

// The structures of element messages (and of RwZoneFrame's events and summary); the caller
// owns the result.
GstStructure *event_structure(const rw::zones::Event &event);
GstStructure *summary_structure(const rw::zones::Summary &summary);
// Their inverses; nullopt for a structure of another name or without a valid type.
std::optional<rw::zones::Event> parse_event(const GstStructure *structure);
std::optional<rw::zones::Summary> parse_summary(const GstStructure *structure);

void set_inferred(GstBuffer *buffer, bool inferred);
// nullopt when no detector saw the buffer.
std::optional<bool> inferred(GstBuffer *buffer);

}  // namespace rw::meta
