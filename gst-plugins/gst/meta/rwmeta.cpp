#include "meta/rwmeta.h"

#include <gst/video/video.h>

#include <algorithm>
#include <cmath>

namespace rw::meta {
namespace {

constexpr double kKmhPerMph = 1.609344;  // international mile

const GstMetaInfo *detection_frame_info() {
  // A NULL transform keeps the meta on copies (tee, make_writable) and drops it on scaling.
  static const gchar *no_tags[] = {nullptr};
  static const GstMetaInfo *info =
      gst_meta_register_custom(kDetectionFrameMeta, no_tags, nullptr, nullptr, nullptr);
  return info;
}

guint whole_px(double value) {
  return static_cast<guint>(std::lround(std::max(0.0, value)));
}

BoxPx box_of(GstVideoRegionOfInterestMeta *roi, const GstStructure *detection, int frame_w,
             int frame_h) {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  if (detection != nullptr && gst_structure_get_double(detection, kFieldXMin, &x1) &&
      gst_structure_get_double(detection, kFieldYMin, &y1) &&
      gst_structure_get_double(detection, kFieldXMax, &x2) &&
      gst_structure_get_double(detection, kFieldYMax, &y2)) {
    return {x1 * frame_w, y1 * frame_h, (x2 - x1) * frame_w, (y2 - y1) * frame_h};
  }
  return {static_cast<double>(roi->x), static_cast<double>(roi->y), static_cast<double>(roi->w),
          static_cast<double>(roi->h)};
}

GstStructure *kinematics_structure(const Kinematics &k) {
  return gst_structure_new(
      kKinematicsParam, kFieldWorldX, G_TYPE_DOUBLE, k.world_x_m, kFieldWorldY, G_TYPE_DOUBLE,
      k.world_y_m, kFieldSpeed, G_TYPE_DOUBLE, k.speed, kFieldUncertainty, G_TYPE_DOUBLE,
      k.uncertainty, kFieldHeading, G_TYPE_DOUBLE, k.heading_deg, kFieldValid, G_TYPE_BOOLEAN,
      gboolean(k.valid), kFieldUnits, G_TYPE_STRING, to_string(k.units), nullptr);
}

Kinematics read_kinematics(const GstStructure *s) {
  Kinematics k;
  gst_structure_get_double(s, kFieldWorldX, &k.world_x_m);
  gst_structure_get_double(s, kFieldWorldY, &k.world_y_m);
  gst_structure_get_double(s, kFieldSpeed, &k.speed);
  gst_structure_get_double(s, kFieldUncertainty, &k.uncertainty);
  gst_structure_get_double(s, kFieldHeading, &k.heading_deg);
  gboolean valid = FALSE;
  gst_structure_get_boolean(s, kFieldValid, &valid);
  k.valid = valid != FALSE;
  const gchar *units = gst_structure_get_string(s, kFieldUnits);
  k.units = units != nullptr && g_str_equal(units, "mph") ? SpeedUnit::kMph : SpeedUnit::kKmh;
  return k;
}

GstStructure *zones_structure(const std::vector<std::string> &zones) {
  GValue names = G_VALUE_INIT;
  gst_value_array_init(&names, static_cast<guint>(zones.size()));
  for (const std::string &zone : zones) {
    GValue name = G_VALUE_INIT;
    g_value_init(&name, G_TYPE_STRING);
    g_value_set_string(&name, zone.c_str());
    gst_value_array_append_and_take_value(&names, &name);
  }
  GstStructure *s = gst_structure_new_empty(kZonesParam);
  gst_structure_take_value(s, kFieldNames, &names);
  return s;
}

std::vector<std::string> read_zones(const GstStructure *s) {
  std::vector<std::string> zones;
  const GValue *names = gst_structure_get_value(s, kFieldNames);
  if (names == nullptr || !GST_VALUE_HOLDS_ARRAY(names)) return zones;
  for (guint i = 0; i < gst_value_array_get_size(names); ++i) {
    const GValue *name = gst_value_array_get_value(names, i);
    if (G_VALUE_HOLDS_STRING(name) && g_value_get_string(name) != nullptr) {
      zones.emplace_back(g_value_get_string(name));
    }
  }
  return zones;
}

GstVideoRegionOfInterestMeta *nth_object(GstBuffer *buffer, std::size_t index) {
  gpointer state = nullptr;
  std::size_t i = 0;
  while (GstMeta *meta = gst_buffer_iterate_meta_filtered(
             buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    if (i++ == index) return reinterpret_cast<GstVideoRegionOfInterestMeta *>(meta);
  }
  return nullptr;
}

// Takes param; replaces a param of the same name so that re-running an element is idempotent.
void replace_param(GstVideoRegionOfInterestMeta *roi, GstStructure *param) {
  for (GList *l = roi->params; l != nullptr; l = l->next) {
    auto *existing = static_cast<GstStructure *>(l->data);
    if (gst_structure_has_name(existing, gst_structure_get_name(param))) {
      gst_structure_free(existing);
      l->data = param;
      return;
    }
  }
  gst_video_region_of_interest_meta_add_param(roi, param);
}

}  // namespace

const char *to_string(SpeedUnit unit) {
  return unit == SpeedUnit::kMph ? "mph" : "kmh";
}

double Kinematics::speed_kmh() const {
  return units == SpeedUnit::kMph ? speed * kKmhPerMph : speed;
}

double Kinematics::uncertainty_kmh() const {
  return units == SpeedUnit::kMph ? uncertainty * kKmhPerMph : uncertainty;
}

void register_metas() {
  detection_frame_info();
}

void add_object(GstBuffer *buffer, const Object &object, int frame_w, int frame_h) {
  const BoxPx &box = object.box;
  const double x1 = std::clamp(box.x, 0.0, double(frame_w));
  const double y1 = std::clamp(box.y, 0.0, double(frame_h));
  const double x2 = std::clamp(box.x + box.w, x1, double(frame_w));
  const double y2 = std::clamp(box.y + box.h, y1, double(frame_h));
  const guint rx = whole_px(x1), ry = whole_px(y1);
  const char *label = object.detection ? object.detection->label.c_str() : "object";
  GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta(
      buffer, label, rx, ry, whole_px(x2) - rx, whole_px(y2) - ry);
  if (const auto &d = object.detection) {
    gst_video_region_of_interest_meta_add_param(
        roi, gst_structure_new(kDetectionParam, kFieldClassId, G_TYPE_INT, d->class_id, kFieldLabel,
                               G_TYPE_STRING, d->label.c_str(), kFieldConfidence, G_TYPE_DOUBLE,
                               d->confidence, kFieldXMin, G_TYPE_DOUBLE, x1 / frame_w, kFieldYMin,
                               G_TYPE_DOUBLE, y1 / frame_h, kFieldXMax, G_TYPE_DOUBLE, x2 / frame_w,
                               kFieldYMax, G_TYPE_DOUBLE, y2 / frame_h, nullptr));
  }
  if (const auto &t = object.tracking) {
    gst_video_region_of_interest_meta_add_param(
        roi, gst_structure_new(kTrackingParam, kFieldId, G_TYPE_UINT64, t->id, kFieldState,
                               G_TYPE_STRING, t->state.c_str(), kFieldAge, G_TYPE_UINT, t->age,
                               kFieldHits, G_TYPE_UINT, t->hits, nullptr));
  }
  if (object.kinematics) {
    gst_video_region_of_interest_meta_add_param(roi, kinematics_structure(*object.kinematics));
  }
  if (object.zones)
    gst_video_region_of_interest_meta_add_param(roi, zones_structure(*object.zones));
}

bool set_kinematics(GstBuffer *buffer, std::size_t index, const Kinematics &kinematics) {
  GstVideoRegionOfInterestMeta *roi = nth_object(buffer, index);
  if (roi == nullptr) return false;
  replace_param(roi, kinematics_structure(kinematics));
  return true;
}

bool set_zones(GstBuffer *buffer, std::size_t index, const std::vector<std::string> &zones) {
  GstVideoRegionOfInterestMeta *roi = nth_object(buffer, index);
  if (roi == nullptr) return false;
  replace_param(roi, zones_structure(zones));
  return true;
}

void remove_objects(GstBuffer *buffer) {
  gst_buffer_foreach_meta(
      buffer,
      [](GstBuffer *, GstMeta **meta, gpointer) -> gboolean {
        if ((*meta)->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) *meta = nullptr;
        return TRUE;
      },
      nullptr);
}

std::vector<Object> read_objects(GstBuffer *buffer, int frame_w, int frame_h) {
  std::vector<Object> objects;
  gpointer state = nullptr;
  while (GstMeta *meta = gst_buffer_iterate_meta_filtered(
             buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    auto *roi = reinterpret_cast<GstVideoRegionOfInterestMeta *>(meta);
    const GstStructure *s = gst_video_region_of_interest_meta_get_param(roi, kDetectionParam);
    Object object{box_of(roi, s, frame_w, frame_h), {}, {}, {}, {}};
    if (s != nullptr) {
      Detection d;
      const gchar *label = gst_structure_get_string(s, kFieldLabel);
      d.label = label != nullptr ? label : g_quark_to_string(roi->roi_type);
      gst_structure_get_int(s, kFieldClassId, &d.class_id);
      gst_structure_get_double(s, kFieldConfidence, &d.confidence);
      object.detection = std::move(d);
    }
    if (const GstStructure *t = gst_video_region_of_interest_meta_get_param(roi, kTrackingParam)) {
      Tracking tracking;
      const gchar *track_state = gst_structure_get_string(t, kFieldState);
      tracking.state = track_state != nullptr ? track_state : "";
      gst_structure_get_uint64(t, kFieldId, &tracking.id);
      gst_structure_get_uint(t, kFieldAge, &tracking.age);
      gst_structure_get_uint(t, kFieldHits, &tracking.hits);
      object.tracking = std::move(tracking);
    }
    if (const GstStructure *k =
            gst_video_region_of_interest_meta_get_param(roi, kKinematicsParam)) {
      object.kinematics = read_kinematics(k);
    }
    if (const GstStructure *z = gst_video_region_of_interest_meta_get_param(roi, kZonesParam)) {
      object.zones = read_zones(z);
    }
    objects.push_back(std::move(object));
  }
  return objects;
}

void set_inferred(GstBuffer *buffer, bool inferred) {
  detection_frame_info();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kDetectionFrameMeta);
  if (meta == nullptr) meta = gst_buffer_add_custom_meta(buffer, kDetectionFrameMeta);
  gst_structure_set(gst_custom_meta_get_structure(meta), kFieldInferred, G_TYPE_BOOLEAN, inferred,
                    nullptr);
}

std::optional<bool> inferred(GstBuffer *buffer) {
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kDetectionFrameMeta);
  gboolean value = FALSE;
  if (meta == nullptr ||
      !gst_structure_get_boolean(gst_custom_meta_get_structure(meta), kFieldInferred, &value)) {
    return std::nullopt;
  }
  return value != FALSE;
}

}  // namespace rw::meta
