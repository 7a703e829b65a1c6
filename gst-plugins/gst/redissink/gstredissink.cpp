/**
 * SECTION:element-redissink
 * @title: redissink
 *
 * Publishes to Redis Streams (SPEC §6). On raw video (any format, any memory) it reads the
 * roadwatch metadata of each frame and publishes its `roadwatch/1` record (the same one
 * metaconvert writes) to `{key-prefix}:{source-id}:analytics`, field `json`, and each event of
 * the record to `{key-prefix}:events`, fields `source_id`, `run_id` (when
 * #GstRedisSink:run-id is set) and `json`. On `image/jpeg` it
 * publishes each frame to `{key-prefix}:{source-id}:frames`, fields `frame_number`, `pts_ns`
 * (left out when the buffer has none) and `jpeg` (the bytes, not base64). frame_number counts
 * buffers from the start of each stream. Every XADD trims with `MAXLEN ~`.
 *
 * render() never waits on the network: it queues, and a sender thread publishes in pipelined
 * batches (hiredis). The queue is bounded by #GstRedisSink:queue-size items and
 * #GstRedisSink:queue-max-bytes; when full, the oldest frame goes first, then the oldest
 * analytics record, and an event only when nothing but events is queued. When Redis is down
 * (at start too) the pipeline keeps running: one element warning per outage, reconnects with
 * exponential backoff (100 ms doubling to 5 s, jittered), an element info when it is back.
 * An entry whose reply was lost with the connection is sent once more after the reconnect, so
 * Redis may hold it twice; consumers dedupe on source_id and frame_number.
 *
 * At EOS it waits up to #GstRedisSink:drain-timeout-ms for the queue to empty, counts what is
 * left as dropped and posts a `redissink-stats` element message (enqueued-, published-,
 * dropped-, pending- frames/analytics/events and connected), again at stop. Per kind,
 * enqueued = published + dropped + pending; pending is 0 after stop.
 *
 * Snapshots: an event whose type is listed in #GstRedisSink:snapshot-events (e.g.
 * `snapshot-events=speeding`; none by default) also gets a field `jpeg`: its frame as a JPEG
 * (#GstRedisSink:snapshot-quality) with the event's vehicle boxed and captioned "#id label
 * speed" (the event's speed: the highest one for speeding), drawn into a copy by the same code
 * as trafficoverlay. Only frames that report such an event are encoded, on the streaming
 * thread (encoding takes a few milliseconds; the network stays on the sender thread). It needs
 * BGR, RGB, BGRx, RGBx, BGRA or RGBA frames in system memory (a warning says so once for other
 * caps, and events then go without `jpeg`), and the vehicle on the frame: an event of a track
 * dropped after a timeout has none. Each JPEG adds its bytes to the queue and to the events
 * stream, whose entries are kept up to #GstRedisSink:events-maxlen: budget Redis memory for it.
 *
 * sync is false by default: this is an analytics sink, publishing as soon as it can, not a
 * renderer; set sync=true to pace a file run at its frame rate.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! videoconvert ! \
 *     yolodetect model-file=yolox_nano.onnx ! deepsorttrack ! tee name=t \
 *     t. ! queue ! redissink source-id=cam-1 run-id=17 snapshot-events=speeding \
 *     t. ! queue ! trafficoverlay ! videoconvert ! jpegenc ! redissink source-id=cam-1
 * ]|
 */

#include "redissink/gstredissink.h"

#include "util/redis_properties.h"

#include <gst/video/video.h>

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "redissink/bus_reporter.h"
#include "rw/publish/connection.hpp"
#include "rw/publish/publisher.hpp"
#include "rw/publish/streams.hpp"
#include "rw/snapshot/snapshot.hpp"
#include "util/frame_record.h"
#include "util/gstcv.h"

GST_DEBUG_CATEGORY(gst_redis_sink_debug);
#define GST_CAT_DEFAULT gst_redis_sink_debug

namespace pub = rw::publish;
using std::chrono::milliseconds;

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_PASSWORD,
  PROP_SOURCE_ID,
  PROP_KEY_PREFIX,
  PROP_MAXLEN,
  PROP_FRAMES_MAXLEN,
  PROP_EVENTS_MAXLEN,
  PROP_QUEUE_SIZE,
  PROP_QUEUE_MAX_BYTES,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_COMMAND_TIMEOUT_MS,
  PROP_DRAIN_TIMEOUT_MS,
  PROP_RUN_ID,
  PROP_SNAPSHOT_EVENTS,
  PROP_SNAPSHOT_QUALITY,
  PROP_PUBLISHED_FRAMES,
  PROP_PUBLISHED_ANALYTICS,
  PROP_PUBLISHED_EVENTS,
  PROP_DROPPED_FRAMES,
  PROP_DROPPED_ANALYTICS,
  PROP_DROPPED_EVENTS,
  PROP_CONNECTED,
};

constexpr const char *DEFAULT_SOURCE_ID = "0";
constexpr guint DEFAULT_QUEUE_SIZE = 1000;
constexpr guint64 DEFAULT_QUEUE_MAX_BYTES = guint64(64) << 20;
constexpr guint DEFAULT_CONNECT_TIMEOUT_MS = 2000;
constexpr guint DEFAULT_COMMAND_TIMEOUT_MS = 2000;
constexpr guint DEFAULT_DRAIN_TIMEOUT_MS = 5000;
constexpr guint kMaxTimeoutMs = 600'000;

struct Settings {
  std::string host = rw::gst::kDefaultRedisHost;
  guint port = rw::gst::kDefaultRedisPort;
  std::string password;
  std::string source_id = DEFAULT_SOURCE_ID;
  pub::StreamConfig streams;
  guint queue_size = DEFAULT_QUEUE_SIZE;
  guint64 queue_max_bytes = DEFAULT_QUEUE_MAX_BYTES;
  guint connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  guint command_timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;
  guint drain_timeout_ms = DEFAULT_DRAIN_TIMEOUT_MS;
  std::string snapshot_events;  // parsed at start
  guint snapshot_quality = rw::snapshot::kDefaultJpegQuality;
};

// Streaming thread only.
struct State {
  GstVideoInfo info;
  bool jpeg = false;
  guint64 frame_number = 0;
  bool warned_dropped_params = false;
  rw::snapshot::SnapshotOptions snapshot;  // types from start, colour order from the caps
  bool snapshot_readable = false;          // the caps are frames packed_mat() reads
  bool warned_snapshot = false;            // a snapshot failed this stream
};

// From start() to stop(). The reporter is declared first so that it outlives the publisher's
// sender thread, which calls it.
struct Session {
  std::unique_ptr<rw::gst::BusReporter> reporter;
  std::unique_ptr<pub::Publisher> publisher;
};

struct _GstRedisSink {
  GstBaseSink parent;
  Settings *settings;            // under the object lock
  Session *session;              // under the object lock; set by start(), cleared by stop()
  pub::Counters *last_counters;  // under the object lock: the counters of the last session
  State *state;
};

G_DEFINE_TYPE_WITH_CODE(GstRedisSink, gst_redis_sink, GST_TYPE_BASE_SINK,
                        GST_DEBUG_CATEGORY_INIT(gst_redis_sink_debug, "redissink", 0,
                                                "publishes to Redis Streams"));
GST_ELEMENT_REGISTER_DEFINE(redissink, "redissink", GST_RANK_NONE, GST_TYPE_REDIS_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY); image/jpeg"));

// The session's publisher, for the streaming thread: start() set it before any buffer came
// and stop() clears it only after streaming stopped.
static pub::Publisher &publisher(GstRedisSink *self) {
  return *self->session->publisher;
}

static gboolean gst_redis_sink_start(GstBaseSink *sink) {
  GstRedisSink *self = GST_REDIS_SINK(sink);
  GST_OBJECT_LOCK(self);
  const Settings s = *self->settings;
  GST_OBJECT_UNLOCK(self);
  std::set<rw::zones::EventType> snapshot_types;
  try {
    snapshot_types = rw::snapshot::parse_event_types(s.snapshot_events);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }

  pub::RedisEndpoint endpoint{s.host, int(s.port), s.password, milliseconds(s.connect_timeout_ms),
                              milliseconds(s.command_timeout_ms)};
  pub::PublisherConfig config;
  config.limits = {s.queue_size, s.queue_max_bytes};
  config.backoff_seed = g_random_int();
  const std::string where = s.host + ":" + std::to_string(s.port);
  auto session = std::make_unique<Session>();
  try {
    session->reporter = std::make_unique<rw::gst::BusReporter>(GST_ELEMENT(self), where);
    session->publisher = std::make_unique<pub::Publisher>(
        pub::make_redis_connection(std::move(endpoint)), config, *session->reporter);
    session->publisher->start();
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("redissink could not start its sender thread"),
                      ("%s", e.what()));
    return FALSE;
  }
  *self->state = State();
  self->state->snapshot.types = std::move(snapshot_types);
  GST_INFO_OBJECT(self,
                  "publishing to redis at %s, queue of %u items / %" G_GUINT64_FORMAT " bytes",
                  where.c_str(), s.queue_size, s.queue_max_bytes);
  GST_OBJECT_LOCK(self);
  self->session = session.release();
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static void post_stats(GstRedisSink *self, const pub::Counters &counters, bool connected) {
  GstStructure *s = rw::gst::stats_structure(counters, connected);
  gchar *text = gst_structure_to_string(s);
  GST_INFO_OBJECT(self, "%s", text);
  g_free(text);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static gboolean gst_redis_sink_stop(GstBaseSink *sink) {
  GstRedisSink *self = GST_REDIS_SINK(sink);
  GST_OBJECT_LOCK(self);
  Session *session = self->session;
  GST_OBJECT_UNLOCK(self);
  if (session == nullptr) return TRUE;
  // Property readers may still use the publisher: it stays in place while it stops.
  session->publisher->stop();
  const pub::Counters counters = session->publisher->counters();
  GST_OBJECT_LOCK(self);
  *self->last_counters = counters;
  self->session = nullptr;
  GST_OBJECT_UNLOCK(self);
  delete session;
  post_stats(self, counters, false);
  return TRUE;
}

static gboolean gst_redis_sink_set_caps(GstBaseSink *sink, GstCaps *caps) {
  GstRedisSink *self = GST_REDIS_SINK(sink);
  State &state = *self->state;
  if (gst_structure_has_name(gst_caps_get_structure(caps, 0), "image/jpeg")) {
    state.jpeg = true;
    return TRUE;
  }
  state.jpeg = false;
  if (!gst_video_info_from_caps(&state.info, caps)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("redissink cannot parse the video caps"),
                      (nullptr));
    return FALSE;
  }
  const GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&state.info);
  state.snapshot.rgb_order = rw::gst::is_rgb_order(format);
  state.snapshot_readable = rw::gst::is_packed_rgb(format) &&
                            gst_caps_features_contains(gst_caps_get_features(caps, 0),
                                                       GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY);
  if (!state.snapshot.types.empty() && !state.snapshot_readable) {
    GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                        ("snapshot-events needs BGR, RGB, BGRx, RGBx, BGRA or RGBA frames in "
                         "system memory: events go without a jpeg on these caps"),
                        ("caps: %" GST_PTR_FORMAT, static_cast<void *>(caps)));
  }
  return TRUE;
}

static GstFlowReturn publish_jpeg(GstRedisSink *self, GstBuffer *buffer,
                                  const pub::StreamConfig &streams, const std::string &source_id) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("redissink cannot read a JPEG buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  // A copy: the entry outlives the buffer, and a JPEG is small next to the frame it shows.
  std::string jpeg(reinterpret_cast<const char *>(map.data), map.size);
  gst_buffer_unmap(buffer, &map);
  std::optional<std::int64_t> pts_ns;
  if (GST_BUFFER_PTS_IS_VALID(buffer)) pts_ns = std::int64_t(GST_BUFFER_PTS(buffer));
  publisher(self).publish(
      pub::frame_item(streams, source_id, self->state->frame_number, pts_ns, std::move(jpeg)));
  return GST_FLOW_OK;
}

// JPEGs of this frame for its events of the snapshot types, by event index. A frame that cannot
// be read or encoded costs the snapshots (one warning per stream), never the record.
static std::map<std::size_t, std::string> snapshots(GstRedisSink *self, GstBuffer *buffer,
                                                    const rw::schema::FrameRecord &record,
                                                    guint quality) {
  State &state = *self->state;
  if (!state.snapshot_readable || !rw::snapshot::wants_snapshot(record, state.snapshot)) return {};
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &state.info, buffer, GST_MAP_READ)) {
    if (!std::exchange(state.warned_snapshot, true)) {
      GST_ELEMENT_WARNING(self, STREAM, FAILED, ("redissink cannot map a frame to snapshot it"),
                          (nullptr));
    }
    return {};
  }
  std::map<std::size_t, std::string> jpegs;
  try {
    state.snapshot.jpeg_quality = int(quality);
    jpegs = rw::snapshot::event_snapshots(record, rw::gst::packed_mat(frame), state.snapshot);
  } catch (const std::exception &e) {
    if (!std::exchange(state.warned_snapshot, true)) {
      GST_ELEMENT_WARNING(self, STREAM, FAILED, ("Event snapshot failed: %s", e.what()), (nullptr));
    }
  }
  gst_video_frame_unmap(&frame);
  return jpegs;
}

static GstFlowReturn publish_record(GstRedisSink *self, GstBuffer *buffer,
                                    const pub::StreamConfig &streams, std::string source_id,
                                    guint snapshot_quality) {
  State &state = *self->state;
  const rw::schema::FrameRecord record =
      rw::gst::frame_record(GST_ELEMENT(self), buffer, state.info, std::move(source_id),
                            state.frame_number, state.warned_dropped_params);
  for (pub::Item &item :
       pub::record_items(record, streams, snapshots(self, buffer, record, snapshot_quality))) {
    publisher(self).publish(std::move(item));
  }
  return GST_FLOW_OK;
}

static GstFlowReturn gst_redis_sink_render(GstBaseSink *sink, GstBuffer *buffer) {
  GstRedisSink *self = GST_REDIS_SINK(sink);
  GST_OBJECT_LOCK(self);
  const pub::StreamConfig streams = self->settings->streams;
  std::string source_id = self->settings->source_id;
  const guint snapshot_quality = self->settings->snapshot_quality;
  GST_OBJECT_UNLOCK(self);
  try {
    const GstFlowReturn ret =
        self->state->jpeg
            ? publish_jpeg(self, buffer, streams, source_id)
            : publish_record(self, buffer, streams, std::move(source_id), snapshot_quality);
    ++self->state->frame_number;
    return ret;
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("redissink failed to queue a frame"),
                      ("%s", e.what()));
    return GST_FLOW_ERROR;
  }
}

// Publishes what is queued, for at most drain-timeout-ms, then gives up on the rest, so that
// the counters posted at EOS are final.
static void drain(GstRedisSink *self) {
  GST_OBJECT_LOCK(self);
  const milliseconds timeout(self->settings->drain_timeout_ms);
  GST_OBJECT_UNLOCK(self);
  pub::Publisher &pub = publisher(self);
  if (!pub.drain(std::chrono::steady_clock::now() + timeout)) {
    const std::size_t dropped = pub.drop_queued();
    GST_INFO_OBJECT(self, "EOS: %zu entries not published within %lld ms, dropped", dropped,
                    static_cast<long long>(timeout.count()));
  }
  post_stats(self, pub.counters(), pub.connected());
}

static gboolean gst_redis_sink_event(GstBaseSink *sink, GstEvent *event) {
  GstRedisSink *self = GST_REDIS_SINK(sink);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
    case GST_EVENT_FLUSH_STOP:
      self->state->frame_number = 0;
      self->state->warned_dropped_params = false;
      self->state->warned_snapshot = false;
      break;
    case GST_EVENT_EOS:
      drain(self);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS(gst_redis_sink_parent_class)->event(sink, event);
}

// A flush or a state change to READY must not wait out the drain.
static void set_flushing(GstRedisSink *self, bool flushing) {
  GST_OBJECT_LOCK(self);
  if (self->session != nullptr) self->session->publisher->set_flushing(flushing);
  GST_OBJECT_UNLOCK(self);
}

static gboolean gst_redis_sink_unlock(GstBaseSink *sink) {
  set_flushing(GST_REDIS_SINK(sink), true);
  return TRUE;
}

static gboolean gst_redis_sink_unlock_stop(GstBaseSink *sink) {
  set_flushing(GST_REDIS_SINK(sink), false);
  return TRUE;
}

static void set_string(std::string &field, const GValue *value, const char *fallback) {
  const gchar *text = g_value_get_string(value);
  field = text != nullptr ? text : fallback;
}

static void gst_redis_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                        GParamSpec *pspec) {
  GstRedisSink *self = GST_REDIS_SINK(object);
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_HOST:
      set_string(s.host, value, rw::gst::kDefaultRedisHost);
      break;
    case PROP_PORT:
      s.port = g_value_get_uint(value);
      break;
    case PROP_PASSWORD:
      set_string(s.password, value, "");
      break;
    case PROP_SOURCE_ID:
      set_string(s.source_id, value, DEFAULT_SOURCE_ID);
      break;
    case PROP_KEY_PREFIX:
      set_string(s.streams.key_prefix, value, pub::StreamConfig{}.key_prefix.c_str());
      break;
    case PROP_MAXLEN:
      s.streams.analytics_maxlen = g_value_get_uint64(value);
      break;
    case PROP_FRAMES_MAXLEN:
      s.streams.frames_maxlen = g_value_get_uint64(value);
      break;
    case PROP_EVENTS_MAXLEN:
      s.streams.events_maxlen = g_value_get_uint64(value);
      break;
    case PROP_QUEUE_SIZE:
      s.queue_size = g_value_get_uint(value);
      break;
    case PROP_QUEUE_MAX_BYTES:
      s.queue_max_bytes = g_value_get_uint64(value);
      break;
    case PROP_CONNECT_TIMEOUT_MS:
      s.connect_timeout_ms = g_value_get_uint(value);
      break;
    case PROP_COMMAND_TIMEOUT_MS:
      s.command_timeout_ms = g_value_get_uint(value);
      break;
    case PROP_DRAIN_TIMEOUT_MS:
      s.drain_timeout_ms = g_value_get_uint(value);
      break;
    case PROP_RUN_ID:
      set_string(s.streams.run_id, value, "");
      break;
    case PROP_SNAPSHOT_EVENTS:
      set_string(s.snapshot_events, value, "");
      break;
    case PROP_SNAPSHOT_QUALITY:
      s.snapshot_quality = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

// Counters of the running session, or of the last one once stopped. Object lock held.
static pub::Counters current_counters(GstRedisSink *self) {
  if (self->session != nullptr) return self->session->publisher->counters();
  return *self->last_counters;
}

static void gst_redis_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec) {
  GstRedisSink *self = GST_REDIS_SINK(object);
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string(value, s.host.c_str());
      break;
    case PROP_PORT:
      g_value_set_uint(value, s.port);
      break;
    case PROP_SOURCE_ID:
      g_value_set_string(value, s.source_id.c_str());
      break;
    case PROP_KEY_PREFIX:
      g_value_set_string(value, s.streams.key_prefix.c_str());
      break;
    case PROP_MAXLEN:
      g_value_set_uint64(value, s.streams.analytics_maxlen);
      break;
    case PROP_FRAMES_MAXLEN:
      g_value_set_uint64(value, s.streams.frames_maxlen);
      break;
    case PROP_EVENTS_MAXLEN:
      g_value_set_uint64(value, s.streams.events_maxlen);
      break;
    case PROP_QUEUE_SIZE:
      g_value_set_uint(value, s.queue_size);
      break;
    case PROP_QUEUE_MAX_BYTES:
      g_value_set_uint64(value, s.queue_max_bytes);
      break;
    case PROP_CONNECT_TIMEOUT_MS:
      g_value_set_uint(value, s.connect_timeout_ms);
      break;
    case PROP_COMMAND_TIMEOUT_MS:
      g_value_set_uint(value, s.command_timeout_ms);
      break;
    case PROP_DRAIN_TIMEOUT_MS:
      g_value_set_uint(value, s.drain_timeout_ms);
      break;
    case PROP_RUN_ID:
      g_value_set_string(value, s.streams.run_id.c_str());
      break;
    case PROP_SNAPSHOT_EVENTS:
      g_value_set_string(value, s.snapshot_events.c_str());
      break;
    case PROP_SNAPSHOT_QUALITY:
      g_value_set_uint(value, s.snapshot_quality);
      break;
    case PROP_PUBLISHED_FRAMES:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kFrame].published);
      break;
    case PROP_PUBLISHED_ANALYTICS:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kAnalytics].published);
      break;
    case PROP_PUBLISHED_EVENTS:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kEvent].published);
      break;
    case PROP_DROPPED_FRAMES:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kFrame].dropped);
      break;
    case PROP_DROPPED_ANALYTICS:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kAnalytics].dropped);
      break;
    case PROP_DROPPED_EVENTS:
      g_value_set_uint64(value, current_counters(self)[pub::Kind::kEvent].dropped);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean(value, self->session != nullptr && self->session->publisher->connected());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_redis_sink_finalize(GObject *object) {
  GstRedisSink *self = GST_REDIS_SINK(object);
  delete self->session;
  delete self->state;
  delete self->last_counters;
  delete self->settings;
  G_OBJECT_CLASS(gst_redis_sink_parent_class)->finalize(object);
}

static void install_counter(GObjectClass *gobject_class, guint prop_id, const char *name,
                            const char *blurb) {
  g_object_class_install_property(
      gobject_class, prop_id,
      g_param_spec_uint64(name, name, blurb, 0, G_MAXUINT64, 0,
                          GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

static void gst_redis_sink_class_init(GstRedisSinkClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS(klass);

  gobject_class->set_property = gst_redis_sink_set_property;
  gobject_class->get_property = gst_redis_sink_get_property;
  gobject_class->finalize = gst_redis_sink_finalize;

  const auto at_start =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto live =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  // Write-only password: it is sent with AUTH after each connect, never shown.
  rw::gst::install_redis_endpoint_properties(gobject_class, PROP_HOST, PROP_PORT, PROP_PASSWORD);
  g_object_class_install_property(
      gobject_class, PROP_SOURCE_ID,
      g_param_spec_string("source-id", "Source id",
                          "Camera or video id: source_id in records and events, and part of "
                          "the stream keys",
                          DEFAULT_SOURCE_ID, live));
  g_object_class_install_property(
      gobject_class, PROP_KEY_PREFIX,
      g_param_spec_string("key-prefix", "Key prefix",
                          "First part of every stream key: {key-prefix}:{source-id}:analytics, "
                          "...:frames, {key-prefix}:events",
                          pub::StreamConfig{}.key_prefix.c_str(), live));
  g_object_class_install_property(
      gobject_class, PROP_MAXLEN,
      g_param_spec_uint64("maxlen", "Analytics MAXLEN",
                          "Approximate length bound (XADD MAXLEN ~) of the analytics stream; 0 "
                          "for none",
                          0, G_MAXUINT64, pub::StreamConfig{}.analytics_maxlen, live));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_MAXLEN,
      g_param_spec_uint64("frames-maxlen", "Frames MAXLEN",
                          "Approximate length bound of the frames stream; 0 for none", 0,
                          G_MAXUINT64, pub::StreamConfig{}.frames_maxlen, live));
  g_object_class_install_property(
      gobject_class, PROP_EVENTS_MAXLEN,
      g_param_spec_uint64("events-maxlen", "Events MAXLEN",
                          "Approximate length bound of the shared events stream; 0 for none", 0,
                          G_MAXUINT64, pub::StreamConfig{}.events_maxlen, live));
  /**
   * GstRedisSink:queue-size:
   *
   * Entries waiting for Redis, at most. When full, the oldest frame is dropped first, then
   * the oldest analytics record, and an event only when every queued entry is an event.
   */
  g_object_class_install_property(
      gobject_class, PROP_QUEUE_SIZE,
      g_param_spec_uint("queue-size", "Queue size",
                        "Entries waiting for Redis, at most; when full, frames are dropped "
                        "first, events last",
                        1, G_MAXINT, DEFAULT_QUEUE_SIZE, at_start));
  g_object_class_install_property(
      gobject_class, PROP_QUEUE_MAX_BYTES,
      g_param_spec_uint64("queue-max-bytes", "Queue max bytes",
                          "Bytes waiting for Redis, at most (same drop order as queue-size)", 1,
                          G_MAXUINT64, DEFAULT_QUEUE_MAX_BYTES, at_start));
  g_object_class_install_property(
      gobject_class, PROP_CONNECT_TIMEOUT_MS,
      g_param_spec_uint("connect-timeout-ms", "Connect timeout ms",
                        "Longest wait for a TCP connection to Redis, in milliseconds", 1,
                        kMaxTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, at_start));
  g_object_class_install_property(
      gobject_class, PROP_COMMAND_TIMEOUT_MS,
      g_param_spec_uint("command-timeout-ms", "Command timeout ms",
                        "Longest wait for Redis to take or answer a batch, in milliseconds; "
                        "then it reconnects",
                        1, kMaxTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, at_start));
  /**
   * GstRedisSink:drain-timeout-ms:
   *
   * At EOS, how long to wait for the queue to reach Redis before the rest is dropped, so a
   * file run publishes everything when Redis is up and still ends when it is not.
   */
  g_object_class_install_property(
      gobject_class, PROP_DRAIN_TIMEOUT_MS,
      g_param_spec_uint("drain-timeout-ms", "Drain timeout ms",
                        "At EOS, longest wait for queued entries to reach Redis before they are "
                        "dropped, in milliseconds",
                        0, kMaxTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, live));
  /**
   * GstRedisSink:run-id:
   *
   * The run (the control server's session id) that produced the entries: written as `run_id`
   * on every `{key-prefix}:events` entry when set, so events of two runs of one source stay
   * apart. Empty: no such field.
   */
  g_object_class_install_property(
      gobject_class, PROP_RUN_ID,
      g_param_spec_string("run-id", "Run id",
                          "Written as run_id on every events entry when not empty (the "
                          "session that produced it)",
                          "", live));
  /**
   * GstRedisSink:snapshot-events:
   *
   * Comma-separated event types (enter, exit, line_cross, speeding) whose events entry also
   * gets `jpeg`: the frame with the event's vehicle highlighted. Empty (the default): none,
   * since each snapshot costs an encode on the streaming thread and Redis memory. Read at
   * start; an unknown type fails the start.
   */
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_EVENTS,
      g_param_spec_string("snapshot-events", "Snapshot events",
                          "Comma-separated event types (enter, exit, line_cross, speeding) whose "
                          "events entry gets a jpeg of the frame with the vehicle highlighted; "
                          "empty = none",
                          "", at_start));
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_QUALITY,
      g_param_spec_uint("snapshot-quality", "Snapshot quality",
                        "JPEG quality of the event snapshots (1-100)", 1, 100,
                        rw::snapshot::kDefaultJpegQuality, live));
  install_counter(gobject_class, PROP_PUBLISHED_FRAMES, "published-frames",
                  "JPEG frames Redis confirmed, since start");
  install_counter(gobject_class, PROP_PUBLISHED_ANALYTICS, "published-analytics",
                  "Analytics records Redis confirmed, since start");
  install_counter(gobject_class, PROP_PUBLISHED_EVENTS, "published-events",
                  "Events Redis confirmed, since start");
  install_counter(gobject_class, PROP_DROPPED_FRAMES, "dropped-frames",
                  "JPEG frames given up (queue full, refused, lost twice, left at EOS)");
  install_counter(gobject_class, PROP_DROPPED_ANALYTICS, "dropped-analytics",
                  "Analytics records given up (queue full, refused, lost twice, left at EOS)");
  install_counter(gobject_class, PROP_DROPPED_EVENTS, "dropped-events",
                  "Events given up (queue full of events, refused, lost twice, left at EOS)");
  g_object_class_install_property(
      gobject_class, PROP_CONNECTED,
      g_param_spec_boolean("connected", "Connected",
                           "Whether the sender thread is connected to Redis now", FALSE,
                           GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_set_static_metadata(
      element_class, "Redis Streams sink", "Sink/Network",
      "Publishes roadwatch/1 analytics, events and JPEG frames to Redis Streams", "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);

  sink_class->start = GST_DEBUG_FUNCPTR(gst_redis_sink_start);
  sink_class->stop = GST_DEBUG_FUNCPTR(gst_redis_sink_stop);
  sink_class->set_caps = GST_DEBUG_FUNCPTR(gst_redis_sink_set_caps);
  sink_class->render = GST_DEBUG_FUNCPTR(gst_redis_sink_render);
  sink_class->event = GST_DEBUG_FUNCPTR(gst_redis_sink_event);
  sink_class->unlock = GST_DEBUG_FUNCPTR(gst_redis_sink_unlock);
  sink_class->unlock_stop = GST_DEBUG_FUNCPTR(gst_redis_sink_unlock_stop);
}

static void gst_redis_sink_init(GstRedisSink *self) {
  self->settings = new Settings();
  self->last_counters = new pub::Counters();
  self->state = new State();
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}
