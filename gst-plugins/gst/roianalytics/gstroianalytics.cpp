/**
 * SECTION:element-roianalytics
 * @title: roianalytics
 *
 * Zone and counting-line analytics on tracked vehicles (rw::zones::ZoneAnalyzer): which
 * tracks are inside each zone, enter/exit events with dwell time and, on exit, the mean of
 * the track's valid speeds inside the zone (with hysteresis, so jitter on a border does not
 * count twice), line crossings with direction, unique vehicles and their class distribution,
 * vehicles currently in the zones, and one speeding violation per track per zone with the
 * highest speed reached.
 *
 * Each object's anchor is the bottom-centre of its box. Reads the `tracking` param
 * (deepsorttrack: the track id), the `detection` param (label) and, when valid, the
 * `kinematics` param (homographyspeed: speed). Objects without a tracking id only get zone
 * membership; they are never counted (a warning says so once per stream). Writes a `zones`
 * param on every object (the zones it is inside, possibly none) and a `RwZoneFrame` custom
 * meta on every frame with a valid PTS (stats and this frame's events). Every event is also
 * posted as a `roadwatch-event` element message.
 *
 * The newest frame is held back until the next one arrives (one frame of latency, added to
 * the latency query), so that at end of stream the last frame can carry the final exits, the
 * `end_of_stream` event and the summary (total vehicles, average dwell, class distribution,
 * violations) in its RwZoneFrame; the summary is then posted as a `roadwatch-summary` element
 * message before EOS goes downstream. A new stream id ends the previous stream the same way.
 * Serialized events that come while a frame is held (caps, segment, tags, gap,
 * stream-group-done) wait behind it, so the order of frames and events is kept and the last
 * frame still gets the summary; a drain query releases the held frame and its events.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! \
 *     yolodetect model-file=yolox_nano.onnx score-threshold=0.1 ! deepsorttrack ! \
 *     roianalytics zones-file=zones.json speed-limit=60 ! metaconvert ! \
 *     filesink location=analytics.jsonl
 * ]|
 *
 * `zones=none` (or `zones-file=none`) says on purpose that there are no zones or lines yet (a
 * camera nobody has drawn a region for): every tracked vehicle is counted once, when first
 * seen, with its class; there are no enter, exit, line or speeding events. Leaving both
 * properties unset is an error, so a forgotten zones file does not pass for this.
 *
 * Time comes from buffer PTS: frames without one pass through unanalysed. A flush or a new
 * stream restarts the counts.
 *
 * Every property can change while playing and applies from the next frame.
 * #GstRoiAnalytics:drop-outside, #GstRoiAnalytics:speed-limit and #GstRoiAnalytics:units just
 * apply, keeping tracks and counts; any other change (setting the same zones string again is
 * none) replaces the analyzer: the current tracks exit on that frame, with their
 * dwell and pending speeding events, and all counts restart under the new settings. Zones
 * that fail to load while playing are a warning and the previous ones stay.
 */

#include "roianalytics/gstroianalytics.h"

#include <gst/video/video.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "meta/rwmeta.h"
#include "rw/common/error.hpp"
#include "rw/zones/analyzer.hpp"
#include "rw/zones/config.hpp"
#include "rw/zones/geometry.hpp"
#include "util/dropped_params.h"

GST_DEBUG_CATEGORY_STATIC(gst_roi_analytics_debug);
#define GST_CAT_DEFAULT gst_roi_analytics_debug

namespace zn = rw::zones;
using rw::meta::SpeedUnit;

enum {
  PROP_0,
  PROP_ZONES_FILE,
  PROP_ZONES,
  PROP_HYSTERESIS_PX,
  PROP_SPEED_LIMIT,
  PROP_UNITS,
  PROP_DROP_OUTSIDE,
  PROP_TRACK_TIMEOUT_MS,
};

constexpr double kMaxHysteresisPx = 1000;
constexpr double kMaxSpeedLimit = 1000;
constexpr guint kMaxTrackTimeoutMs = 3'600'000;

// Analyzer settings besides the zones; any change starts a new count on the next frame.
struct Tunables {
  double hysteresis_px = zn::AnalyzerConfig{}.hysteresis_px;
  double speed_limit = 0;  // in units; 0 = off
  SpeedUnit units = SpeedUnit::kKmh;
  guint track_timeout_ms = guint(zn::AnalyzerConfig{}.track_timeout_ns / 1'000'000);

  bool operator==(const Tunables &) const = default;
};

struct Settings {
  std::string zones_file;
  std::string zones_json;      // wins over zones_file
  bool reload_config = false;  // zones or zones-file set since the streaming thread looked
  Tunables tunables;
  bool drop_outside = false;
};

struct State {
  GstVideoInfo info;
  bool have_info = false;
  Tunables tunables;                     // in effect
  std::optional<zn::ZoneConfig> config;  // as parsed: pixels or normalized
  std::string zones_json;                // the zones property behind config; empty for a file
  zn::ZoneConfig config_px;              // resolved for the frame size
  std::unique_ptr<zn::ZoneAnalyzer> analyzer;
  bool needs_rebuild = true;            // new settings or frame size: replace the analyzer
  GstBuffer *held = nullptr;            // newest analysed frame, pushed when the next one comes
  std::vector<GstEvent *> held_events;  // serialized events that came after it, in order
  zn::Stats last_stats;
  std::int64_t last_pts_ns = 0;
  bool analysed = false;  // a frame was analysed since the stream (re)started
  guint64 frame_number = 0;
  std::string stream_id;
  bool warned_untracked = false, warned_no_pts = false, warned_dropped_params = false;
};

struct _GstRoiAnalytics {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  Settings *settings;          // under the object lock
  GstClockTime added_latency;  // under the object lock: the frame held back
  State *state;                // streaming thread, and state changes once it stopped
};

G_DEFINE_TYPE_WITH_CODE(GstRoiAnalytics, gst_roi_analytics, GST_TYPE_ELEMENT,
                        GST_DEBUG_CATEGORY_INIT(gst_roi_analytics_debug, "roianalytics", 0,
                                                "zone and counting-line analytics"));
GST_ELEMENT_REGISTER_DEFINE(roianalytics, "roianalytics", GST_RANK_NONE, GST_TYPE_ROI_ANALYTICS);

// Metadata only: any video passes, in any memory.
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

#define GST_TYPE_ROI_ANALYTICS_UNITS (gst_roi_analytics_units_get_type())
static GType gst_roi_analytics_units_get_type() {
  static const GEnumValue values[] = {{int(SpeedUnit::kKmh), "Kilometres per hour", "kmh"},
                                      {int(SpeedUnit::kMph), "Miles per hour", "mph"},
                                      {0, nullptr, nullptr}};
  static GType type = g_enum_register_static("GstRoiAnalyticsUnits", values);
  return type;
}

static double limit_kmh(const Tunables &s) {
  rw::meta::Kinematics limit;  // rwmeta owns the mph conversion
  limit.speed = s.speed_limit;
  limit.units = s.units;
  return limit.speed_kmh();
}

static zn::ZoneConfig load_config(const std::string &zones_json, const std::string &zones_file) {
  if (auto config = zn::zone_config_from(zones_json, zones_file)) return *std::move(config);
  throw rw::Error(
      "roianalytics needs zones-file or zones (a JSON zone config), or zones=none to count "
      "every tracked vehicle without zones");
}

static void post_structure(GstRoiAnalytics *self, GstStructure *structure) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), structure));
}

static void log_summary(GstRoiAnalytics *self, const char *what, const zn::Summary &summary) {
  GstStructure *s = rw::meta::summary_structure(summary);
  gchar *text = gst_structure_to_string(s);
  GST_INFO_OBJECT(self, "%s: %s", what, text);
  g_free(text);
  gst_structure_free(s);
}

// Pushes the held frame, then the events that came after it.
static GstFlowReturn push_held(GstRoiAnalytics *self) {
  State &state = *self->state;
  GstBuffer *held = std::exchange(state.held, nullptr);
  const GstFlowReturn flow = held != nullptr ? gst_pad_push(self->srcpad, held) : GST_FLOW_OK;
  for (GstEvent *event : std::exchange(state.held_events, {})) {
    gst_pad_push_event(self->srcpad, event);
  }
  return flow;
}

static void clear_held(State &state) {
  gst_clear_buffer(&state.held);
  for (GstEvent *event : std::exchange(state.held_events, {})) gst_event_unref(event);
}

static void set_added_latency(GstRoiAnalytics *self, GstClockTime latency) {
  GST_OBJECT_LOCK(self);
  const bool changed = self->added_latency != latency;
  self->added_latency = latency;
  GST_OBJECT_UNLOCK(self);
  if (changed) {
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  }
}

static void reset_stream(GstRoiAnalytics *self) {
  State &state = *self->state;
  if (state.analyzer) state.analyzer->reset();
  state.last_stats = {};
  state.last_pts_ns = 0;
  state.analysed = false;
  state.frame_number = 0;
  state.warned_untracked = state.warned_no_pts = state.warned_dropped_params = false;
}

static gboolean gst_roi_analytics_start(GstRoiAnalytics *self) {
  GST_OBJECT_LOCK(self);
  const Settings settings = *self->settings;
  self->settings->reload_config = false;
  GST_OBJECT_UNLOCK(self);
  State &state = *self->state;
  if (!settings.zones_json.empty() && !settings.zones_file.empty()) {
    GST_WARNING_OBJECT(self, "both zones and zones-file are set: the zones property wins");
  }
  try {
    state.config = load_config(settings.zones_json, settings.zones_file);
    state.zones_json = settings.zones_json;
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  state.tunables = settings.tunables;
  state.needs_rebuild = true;
  reset_stream(self);
  return TRUE;
}

static void gst_roi_analytics_stop(GstRoiAnalytics *self) {
  State &state = *self->state;
  clear_held(state);
  state.analyzer.reset();
  state.config.reset();
  state.have_info = false;
  state.stream_id.clear();
}

// Property changes made since the last frame. A bad zone config while running is a warning
// and the previous zones stay; any other change replaces the analyzer on this frame.
static void apply_settings(GstRoiAnalytics *self, bool &drop_outside) {
  State &state = *self->state;
  GST_OBJECT_LOCK(self);
  drop_outside = self->settings->drop_outside;
  const Tunables tunables = self->settings->tunables;
  std::optional<std::pair<std::string, std::string>> zones;  // json, file
  if (std::exchange(self->settings->reload_config, false)) {
    zones.emplace(self->settings->zones_json, self->settings->zones_file);
  }
  GST_OBJECT_UNLOCK(self);
  // A new limit alone (or its units) keeps the counts: operators tune it on live cameras.
  Tunables same_but_limit = tunables;
  same_but_limit.speed_limit = state.tunables.speed_limit;
  same_but_limit.units = state.tunables.units;
  if (!zones && state.analyzer && same_but_limit == state.tunables &&
      !(tunables == state.tunables)) {
    state.tunables = tunables;
    state.analyzer->set_speed_limit(limit_kmh(tunables));
    return;
  }
  bool changed = !(tunables == state.tunables);
  // The same zones string again changes nothing; a file is read again (it may have changed).
  if (zones && !zones->first.empty() && zones->first == state.zones_json) zones.reset();
  if (zones) {
    try {
      state.config = load_config(zones->first, zones->second);
      state.zones_json = zones->first;
      changed = true;
    } catch (const std::exception &e) {
      GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                          ("New zones ignored, the previous ones stay in effect: %s", e.what()),
                          (nullptr));
    }
  }
  if (!changed) return;
  state.tunables = tunables;
  state.needs_rebuild = true;
}

// A new analyzer for new settings or a new frame size. The old one's tracks exit on this
// frame (dwell and pending speeding violations are reported); counts restart from zero.
static void rebuild(GstRoiAnalytics *self, guint64 frame_number, std::int64_t pts_ns,
                    std::vector<zn::Event> &events) {
  State &state = *self->state;
  if (state.analyzer) {
    for (zn::Event &event : state.analyzer->finish(pts_ns)) {
      if (event.type == zn::EventType::kEndOfStream) continue;
      event.frame_number = frame_number;
      events.push_back(std::move(event));
    }
    log_summary(self, "counts before the new settings", state.analyzer->summary());
  }
  state.config_px = state.config->to_pixels(GST_VIDEO_INFO_WIDTH(&state.info),
                                            GST_VIDEO_INFO_HEIGHT(&state.info));
  zn::AnalyzerConfig config;
  config.zones = state.config_px;
  config.hysteresis_px = state.tunables.hysteresis_px;
  config.speed_limit_kmh = limit_kmh(state.tunables);
  config.track_timeout_ns = std::int64_t(state.tunables.track_timeout_ms) * 1'000'000;
  state.analyzer = std::make_unique<zn::ZoneAnalyzer>(std::move(config));
  state.needs_rebuild = false;
}

// Zone names the point is inside, without hysteresis (objects with no track to keep state).
static std::vector<std::string> zones_at(const zn::ZoneConfig &config, cv::Point2d anchor_px) {
  std::vector<std::string> names;
  for (const zn::Zone &zone : config.zones) {
    if (zn::point_in_polygon(anchor_px, zone.polygon)) names.push_back(zone.name);
  }
  return names;
}

static void write_objects(GstBuffer *buffer, std::vector<rw::meta::Object> &objects,
                          const std::vector<std::vector<std::string>> &inside, bool drop_outside,
                          const GstVideoInfo &info) {
  if (!drop_outside) {
    for (std::size_t i = 0; i < objects.size(); ++i) rw::meta::set_zones(buffer, i, inside[i]);
    return;
  }
  rw::meta::remove_objects(buffer);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (inside[i].empty()) continue;
    objects[i].zones = inside[i];
    rw::meta::add_object(buffer, objects[i], GST_VIDEO_INFO_WIDTH(&info),
                         GST_VIDEO_INFO_HEIGHT(&info));
  }
}

static void analyse(GstRoiAnalytics *self, GstBuffer *buffer) {
  State &state = *self->state;
  const guint64 frame_number = state.frame_number++;
  bool drop_outside = false;
  apply_settings(self, drop_outside);
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) {
    if (!std::exchange(state.warned_no_pts, true)) {
      GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                          ("Frames without a timestamp pass through unanalysed"), (nullptr));
    }
    return;
  }
  const auto pts_ns = std::int64_t(GST_BUFFER_PTS(buffer));
  std::vector<zn::Event> events;
  if (state.needs_rebuild) rebuild(self, frame_number, pts_ns, events);

  std::vector<rw::meta::Object> objects = rw::meta::read_objects(
      buffer, GST_VIDEO_INFO_WIDTH(&state.info), GST_VIDEO_INFO_HEIGHT(&state.info));
  rw::gst::warn_if_params_dropped(GST_ELEMENT(self), objects, state.warned_dropped_params);
  std::vector<zn::TrackedObject> tracked;
  std::vector<std::size_t> tracked_index;  // tracked[k] is objects[tracked_index[k]]
  std::vector<std::vector<std::string>> inside(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const rw::meta::Object &o = objects[i];
    const cv::Point2d anchor_px(o.box.x + o.box.w / 2, o.box.y + o.box.h);
    if (!o.tracking) {
      inside[i] = zones_at(state.config_px, anchor_px);
      if (o.detection && !std::exchange(state.warned_untracked, true)) {
        GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                            ("Objects without a track id are not counted: put deepsorttrack "
                             "before roianalytics"),
                            (nullptr));
      }
      continue;
    }
    zn::TrackedObject t;
    t.track_id = o.tracking->id;
    t.class_id = o.detection ? o.detection->class_id : 0;
    t.label = o.detection ? o.detection->label : "unknown";
    t.anchor_px = anchor_px;
    if (o.kinematics && o.kinematics->valid) t.speed_kmh = o.kinematics->speed_kmh();
    tracked.push_back(std::move(t));
    tracked_index.push_back(i);
  }
  zn::FrameResult result = state.analyzer->update(tracked, frame_number, pts_ns);
  for (std::size_t k = 0; k < tracked.size(); ++k) {
    inside[tracked_index[k]] = std::move(result.zones[k]);
  }
  events.insert(events.end(), result.events.begin(), result.events.end());

  // With no zones (lines only) the whole frame is the region: drop-outside keeps everything.
  write_objects(buffer, objects, inside, drop_outside && !state.config_px.zones.empty(),
                state.info);
  rw::meta::set_zone_frame(buffer, {result.stats, events, std::nullopt});
  state.last_stats = std::move(result.stats);
  state.last_pts_ns = pts_ns;
  state.analysed = true;
  for (const zn::Event &event : events) post_structure(self, rw::meta::event_structure(event));
}

// The remaining tracks exit; their events, end_of_stream and the summary go on the held (last)
// frame, which is pushed, and then on the bus.
static void end_stream(GstRoiAnalytics *self) {
  State &state = *self->state;
  std::vector<zn::Event> events;
  zn::Summary summary;
  if (state.analyzer) {
    events = state.analyzer->finish(state.last_pts_ns);
    summary = state.analyzer->summary();
  }
  if (state.held != nullptr) {
    rw::meta::ZoneFrame frame =
        rw::meta::zone_frame(state.held).value_or(rw::meta::ZoneFrame{state.last_stats, {}, {}});
    frame.events.insert(frame.events.end(), events.begin(), events.end());
    frame.summary = summary;
    rw::meta::set_zone_frame(state.held, frame);
  } else {
    GST_INFO_OBJECT(self, "no frame held at the end of the stream: summary on the bus only");
  }
  const GstFlowReturn flow = push_held(self);
  if (flow != GST_FLOW_OK) GST_DEBUG_OBJECT(self, "last frame: %s", gst_flow_get_name(flow));
  for (const zn::Event &event : events) post_structure(self, rw::meta::event_structure(event));
  post_structure(self, rw::meta::summary_structure(summary));
  log_summary(self, "end of stream", summary);
  state.analysed = false;
}

static GstFlowReturn gst_roi_analytics_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(parent);
  State &state = *self->state;
  if (!state.have_info) {
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("roianalytics received a frame before caps"),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  // Variable frame rate: the frame held back lasts as long as the longest frame seen.
  if (GST_VIDEO_INFO_FPS_N(&state.info) == 0 && GST_BUFFER_DURATION_IS_VALID(buffer)) {
    GST_OBJECT_LOCK(self);
    const GstClockTime latency = MAX(self->added_latency, GST_BUFFER_DURATION(buffer));
    GST_OBJECT_UNLOCK(self);
    set_added_latency(self, latency);
  }
  buffer = gst_buffer_make_writable(buffer);
  try {
    analyse(self, buffer);
  } catch (const std::exception &e) {
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Zone analysis failed: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  GstBuffer *previous = std::exchange(state.held, buffer);
  return previous != nullptr ? gst_pad_push(self->srcpad, previous) : GST_FLOW_OK;
}

static gboolean set_caps(GstRoiAnalytics *self, GstCaps *caps) {
  State &state = *self->state;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("roianalytics cannot parse the video caps"),
                      (nullptr));
    return FALSE;
  }
  const bool resized = !state.have_info || GST_VIDEO_INFO_WIDTH(&info) != state.info.width ||
                       GST_VIDEO_INFO_HEIGHT(&info) != state.info.height;
  // Pixel zones stay valid at any size; normalized ones are resolved again.
  if (resized && state.config && state.config->normalized) state.needs_rebuild = true;
  state.info = info;
  state.have_info = true;
  const GstClockTime frame =
      info.fps_n > 0 ? gst_util_uint64_scale_int(GST_SECOND, info.fps_d, info.fps_n) : 0;
  set_added_latency(self, frame);
  return TRUE;
}

static gboolean gst_roi_analytics_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(parent);
  State &state = *self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_FLUSH_STOP:
      clear_held(state);
      reset_stream(self);
      break;
    case GST_EVENT_EOS:
      end_stream(self);
      break;
    case GST_EVENT_STREAM_START: {
      const gchar *id = nullptr;
      gst_event_parse_stream_start(event, &id);
      if (id != nullptr && state.stream_id == id) break;
      if (state.analysed) end_stream(self);
      push_held(self);
      reset_stream(self);
      state.stream_id = id != nullptr ? id : "";
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps *caps = nullptr;
      gst_event_parse_caps(event, &caps);
      if (!set_caps(self, caps)) {
        gst_event_unref(event);
        return FALSE;
      }
      break;
    }
    default:
      break;
  }
  // The held frame goes first: a serialized event waits behind it (its own caps and segment
  // still apply to it when it is pushed).
  if (state.held != nullptr && GST_EVENT_IS_SERIALIZED(event) &&
      GST_EVENT_TYPE(event) != GST_EVENT_EOS && GST_EVENT_TYPE(event) != GST_EVENT_STREAM_START) {
    state.held_events.push_back(event);
    return TRUE;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean gst_roi_analytics_sink_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(parent);
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_ALLOCATION: {
      if (!gst_pad_peer_query(self->srcpad, query)) return FALSE;
      // One more buffer in flight than downstream needs: the one held back.
      for (guint i = 0; i < gst_query_get_n_allocation_pools(query); ++i) {
        GstBufferPool *pool = nullptr;
        guint size = 0, min = 0, max = 0;
        gst_query_parse_nth_allocation_pool(query, i, &pool, &size, &min, &max);
        gst_query_set_nth_allocation_pool(query, i, pool, size, min + 1, max == 0 ? 0 : max + 1);
        if (pool != nullptr) gst_object_unref(pool);
      }
      return TRUE;
    }
    case GST_QUERY_DRAIN:
      push_held(self);  // upstream wants its buffers back
      break;
    default:
      break;
  }
  return gst_pad_query_default(pad, parent, query);
}

static gboolean gst_roi_analytics_src_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(parent);
  if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY) return gst_pad_query_default(pad, parent, query);
  if (!gst_pad_peer_query(self->sinkpad, query)) return FALSE;
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(query, &live, &min, &max);
  GST_OBJECT_LOCK(self);
  const GstClockTime added = self->added_latency;
  GST_OBJECT_UNLOCK(self);
  gst_query_set_latency(query, live, min + added, GST_CLOCK_TIME_IS_VALID(max) ? max + added : max);
  return TRUE;
}

static GstStateChangeReturn gst_roi_analytics_change_state(GstElement *element,
                                                           GstStateChange transition) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_roi_analytics_start(self)) {
    return GST_STATE_CHANGE_FAILURE;
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_roi_analytics_parent_class)->change_state(element, transition);
  // The pads are inactive now: the streaming thread is gone.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) gst_roi_analytics_stop(self);
  return ret;
}

static void set_string(std::string &target, const GValue *value) {
  const gchar *text = g_value_get_string(value);
  target = text != nullptr ? text : "";
}

static void gst_roi_analytics_set_property(GObject *object, guint prop_id, const GValue *value,
                                           GParamSpec *pspec) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(object);
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_ZONES_FILE:
      set_string(s.zones_file, value);
      s.reload_config = true;
      break;
    case PROP_ZONES:
      set_string(s.zones_json, value);
      s.reload_config = true;
      break;
    case PROP_HYSTERESIS_PX:
      s.tunables.hysteresis_px = g_value_get_double(value);
      break;
    case PROP_SPEED_LIMIT:
      s.tunables.speed_limit = g_value_get_double(value);
      break;
    case PROP_UNITS:
      s.tunables.units = static_cast<SpeedUnit>(g_value_get_enum(value));
      break;
    case PROP_DROP_OUTSIDE:
      s.drop_outside = g_value_get_boolean(value);
      break;
    case PROP_TRACK_TIMEOUT_MS:
      s.tunables.track_timeout_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_roi_analytics_get_property(GObject *object, guint prop_id, GValue *value,
                                           GParamSpec *pspec) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(object);
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_ZONES_FILE:
      g_value_set_string(value, s.zones_file.empty() ? nullptr : s.zones_file.c_str());
      break;
    case PROP_ZONES:
      g_value_set_string(value, s.zones_json.empty() ? nullptr : s.zones_json.c_str());
      break;
    case PROP_HYSTERESIS_PX:
      g_value_set_double(value, s.tunables.hysteresis_px);
      break;
    case PROP_SPEED_LIMIT:
      g_value_set_double(value, s.tunables.speed_limit);
      break;
    case PROP_UNITS:
      g_value_set_enum(value, int(s.tunables.units));
      break;
    case PROP_DROP_OUTSIDE:
      g_value_set_boolean(value, s.drop_outside);
      break;
    case PROP_TRACK_TIMEOUT_MS:
      g_value_set_uint(value, s.tunables.track_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_roi_analytics_finalize(GObject *object) {
  GstRoiAnalytics *self = GST_ROI_ANALYTICS(object);
  clear_held(*self->state);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_roi_analytics_parent_class)->finalize(object);
}

static void gst_roi_analytics_class_init(GstRoiAnalyticsClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  gobject_class->set_property = gst_roi_analytics_set_property;
  gobject_class->get_property = gst_roi_analytics_get_property;
  gobject_class->finalize = gst_roi_analytics_finalize;

  const Tunables defaults;
  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstRoiAnalytics:zones-file:
   *
   * Zone config file (rw/zones/config.hpp), read at start and again whenever the property is
   * set, so setting the same path reloads an edited file.
   */
  g_object_class_install_property(
      gobject_class, PROP_ZONES_FILE,
      g_param_spec_string("zones-file", "Zones file",
                          "JSON file of zones and counting lines ({\"zones\": [{\"name\", "
                          "\"polygon\"}], \"lines\": [{\"name\", \"points\"}], \"normalized\"}); "
                          "none: no zones yet, every tracked vehicle counts once",
                          nullptr, playing));
  /**
   * GstRoiAnalytics:zones:
   *
   * Inline zone config. When both it and zones-file are set it wins, so a live switch from a
   * file to a string is one property change.
   */
  g_object_class_install_property(
      gobject_class, PROP_ZONES,
      g_param_spec_string("zones", "Zones",
                          "The zone config as a JSON string (same format as zones-file); when "
                          "both are set, this one wins; none: no zones yet, every tracked "
                          "vehicle counts once",
                          nullptr, playing));
  g_object_class_install_property(
      gobject_class, PROP_HYSTERESIS_PX,
      g_param_spec_double("hysteresis-px", "Hysteresis px",
                          "Pixels a vehicle's anchor must pass a zone border or a line by to "
                          "enter, exit or cross, so border jitter counts once",
                          0.0, kMaxHysteresisPx, defaults.hysteresis_px, playing));
  g_object_class_install_property(
      gobject_class, PROP_SPEED_LIMIT,
      g_param_spec_double("speed-limit", "Speed limit",
                          "Speed limit inside the zones, in units; one violation per track per "
                          "zone above it; 0 = off",
                          0.0, kMaxSpeedLimit, 0.0, playing));
  g_object_class_install_property(
      gobject_class, PROP_UNITS,
      g_param_spec_enum("units", "Units",
                        "Unit of speed-limit (events and stats always report km/h)",
                        GST_TYPE_ROI_ANALYTICS_UNITS, int(SpeedUnit::kKmh), playing));
  /**
   * GstRoiAnalytics:drop-outside:
   *
   * Every object is analysed first (lines count vehicles anywhere in the frame); then objects
   * inside no zone are removed and the others written back with their detection, tracking,
   * kinematics and zones params (params of other origins are not kept). Without zones the
   * whole frame is the region and nothing is removed.
   */
  g_object_class_install_property(
      gobject_class, PROP_DROP_OUTSIDE,
      g_param_spec_boolean("drop-outside", "Drop outside",
                           "Remove objects inside no zone from the metadata (after counting "
                           "them on lines); no effect without zones",
                           FALSE, playing));
  g_object_class_install_property(
      gobject_class, PROP_TRACK_TIMEOUT_MS,
      g_param_spec_uint("track-timeout-ms", "Track timeout ms",
                        "A track unseen for this long (PTS) exits its zones and is forgotten", 1,
                        kMaxTrackTimeoutMs, defaults.track_timeout_ms, playing));

  gst_element_class_set_static_metadata(
      element_class, "Zone analytics", "Filter/Analyzer/Video",
      "Counts tracked vehicles in zones and across lines, with dwell time and speeding events",
      "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_roi_analytics_change_state);

  gst_type_mark_as_plugin_api(GST_TYPE_ROI_ANALYTICS_UNITS, GstPluginAPIFlags(0));
}

static void gst_roi_analytics_init(GstRoiAnalytics *self) {
  self->settings = new Settings();
  self->state = new State();
  self->added_latency = 0;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_roi_analytics_chain));
  gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_roi_analytics_sink_event));
  gst_pad_set_query_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_roi_analytics_sink_query));
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_query_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_roi_analytics_src_query));
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
