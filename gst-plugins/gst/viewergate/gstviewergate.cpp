/**
 * SECTION:element-viewergate
 * @title: viewergate
 *
 * A passthrough for the frame branch of a pipeline that drops every buffer while nobody
 * watches the source, so that the overlay and the JPEG encoder behind it do no work for
 * nobody. Someone watches while the Redis key `{key-prefix}:{source-id}:viewers` exists and
 * holds an integer greater than 0: the server sets it to its count of viewers with a TTL it
 * keeps refreshing (e.g. `SET roadwatch:cam-1:viewers 2 EX 10`), so a server that dies closes
 * the gate within the TTL.
 *
 * A thread of its own polls the key every #GstViewerGate:poll-interval-ms; the streaming
 * thread only reads the last answer, so it never waits on the network. Until the first
 * answer, and whenever Redis cannot be reached, the gate is closed (one warning per outage,
 * an info message when Redis is back; retries back off up to 5 s).
 * #GstViewerGate:force-open passes everything whatever Redis says (debugging).
 *
 * While closed, the sink behind it gets no buffer and so cannot preroll: give it
 * `async=false`, or a pipeline that starts while nobody watches never reaches PLAYING.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 ... ! roianalytics zones-file=zones.json ! tee name=t \
 *     t. ! queue ! redissink source-id=cam-1 \
 *     t. ! queue leaky=downstream max-size-buffers=1 ! viewergate source-id=cam-1 ! \
 *       trafficoverlay zones-file=zones.json ! videoconvert ! jpegenc ! \
 *       redissink source-id=cam-1 async=false
 * ]|
 */

#include "viewergate/gstviewergate.h"

#include "util/redis_properties.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include "rw/control/keys.hpp"
#include "rw/control/presence.hpp"

GST_DEBUG_CATEGORY_STATIC(gst_viewer_gate_debug);
#define GST_CAT_DEFAULT gst_viewer_gate_debug

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_PASSWORD,
  PROP_SOURCE_ID,
  PROP_KEY_PREFIX,
  PROP_POLL_INTERVAL_MS,
  PROP_FORCE_OPEN,
  PROP_OPEN,
  PROP_PASSED,
  PROP_DROPPED,
};

constexpr const char *DEFAULT_KEY_PREFIX = "roadwatch";
constexpr guint DEFAULT_POLL_INTERVAL_MS = 500;
constexpr guint kTimeoutMs = 1000;  // connect and command: a poll never lingers

struct Settings {
  std::string host = rw::gst::kDefaultRedisHost;
  guint port = rw::gst::kDefaultRedisPort;
  std::string password;
  std::string source_id;
  std::string key_prefix = DEFAULT_KEY_PREFIX;
  guint poll_interval_ms = DEFAULT_POLL_INTERVAL_MS;
};

// Turns the poller's reports into log lines and bus messages.
class BusListener : public rw::control::PresenceListener {
 public:
  explicit BusListener(GstViewerGate *self) : self_(self) {}
  void on_outage(const std::string &error) override;
  void on_back() override;
  void on_change(bool open) override;

 private:
  GstViewerGate *self_;
};

// What the streaming thread reads and counts without the object lock.
struct Gate {
  explicit Gate(GstViewerGate *self) : listener(self) {}
  std::atomic<bool> force_open{false};
  std::atomic<guint64> passed{0};
  std::atomic<guint64> dropped{0};
  BusListener listener;
  // From start to stop. Swapped under the object lock (get_property reads it) but deleted
  // outside it: the poller's thread posts messages, which takes that lock.
  std::unique_ptr<rw::control::PresencePoller> poller;
};

struct _GstViewerGate {
  GstBaseTransform parent;
  Settings *settings;  // under the object lock
  Gate *gate;
};

G_DEFINE_TYPE_WITH_CODE(GstViewerGate, gst_viewer_gate, GST_TYPE_BASE_TRANSFORM,
                        GST_DEBUG_CATEGORY_INIT(gst_viewer_gate_debug, "viewergate", 0,
                                                "drops frames while nobody watches"));
GST_ELEMENT_REGISTER_DEFINE(viewergate, "viewergate", GST_RANK_NONE, GST_TYPE_VIEWER_GATE);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

void BusListener::on_outage(const std::string &error) {
  GST_ELEMENT_WARNING(self_, RESOURCE, READ,
                      ("Cannot read viewer presence from Redis (%s): frames are dropped until "
                       "it answers again",
                       error.c_str()),
                      (nullptr));
}

void BusListener::on_back() {
  GST_ELEMENT_INFO(self_, RESOURCE, READ, ("Viewer presence readable from Redis again"), (nullptr));
}

void BusListener::on_change(bool open) {
  GST_INFO_OBJECT(self_, "%s", open ? "viewers present: passing frames" : "no viewers: dropping");
}

static bool is_open(const Gate &gate) {
  return gate.force_open.load() || (gate.poller && gate.poller->open());
}

static gboolean gst_viewer_gate_start(GstBaseTransform *trans) {
  GstViewerGate *self = GST_VIEWER_GATE(trans);
  GST_OBJECT_LOCK(self);
  const Settings s = *self->settings;
  GST_OBJECT_UNLOCK(self);
  if (s.source_id.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("viewergate needs source-id: it watches {key-prefix}:{source-id}:viewers"),
                      (nullptr));
    return FALSE;
  }
  Gate &gate = *self->gate;
  gate.passed = 0;
  gate.dropped = 0;
  rw::publish::RedisEndpoint endpoint;
  endpoint.host = s.host;
  endpoint.port = int(s.port);
  endpoint.password = s.password;
  endpoint.connect_timeout = endpoint.command_timeout = std::chrono::milliseconds(kTimeoutMs);
  const std::string key = rw::control::viewers_key(s.key_prefix, s.source_id);
  GST_INFO_OBJECT(self, "watching %s on %s:%u every %u ms", key.c_str(), s.host.c_str(), s.port,
                  s.poll_interval_ms);
  try {
    auto poller = std::make_unique<rw::control::PresencePoller>(
        rw::control::PresencePoller::Config{endpoint, key,
                                            std::chrono::milliseconds(s.poll_interval_ms)},
        gate.listener);
    poller->start();
    GST_OBJECT_LOCK(self);
    gate.poller = std::move(poller);
    GST_OBJECT_UNLOCK(self);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
                      ("Cannot start the viewer presence poller: %s", e.what()), (nullptr));
    return FALSE;
  }
  return TRUE;
}

static gboolean gst_viewer_gate_stop(GstBaseTransform *trans) {
  GstViewerGate *self = GST_VIEWER_GATE(trans);
  GST_OBJECT_LOCK(self);
  std::unique_ptr<rw::control::PresencePoller> poller = std::move(self->gate->poller);
  GST_OBJECT_UNLOCK(self);
  poller.reset();  // joins its thread
  return TRUE;
}

static GstFlowReturn gst_viewer_gate_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  Gate &gate = *GST_VIEWER_GATE(trans)->gate;
  if (is_open(gate)) {
    ++gate.passed;
    return GST_FLOW_OK;
  }
  ++gate.dropped;
  GST_LOG_OBJECT(trans, "dropping %" GST_PTR_FORMAT, static_cast<void *>(buffer));
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static void set_string(std::string &target, const GValue *value) {
  const gchar *text = g_value_get_string(value);
  target = text != nullptr ? text : "";
}

static void gst_viewer_gate_set_property(GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec) {
  GstViewerGate *self = GST_VIEWER_GATE(object);
  if (prop_id == PROP_FORCE_OPEN) {
    self->gate->force_open = g_value_get_boolean(value);
    return;
  }
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_HOST:
      set_string(s.host, value);
      break;
    case PROP_PORT:
      s.port = g_value_get_uint(value);
      break;
    case PROP_PASSWORD:
      set_string(s.password, value);
      break;
    case PROP_SOURCE_ID:
      set_string(s.source_id, value);
      break;
    case PROP_KEY_PREFIX:
      set_string(s.key_prefix, value);
      break;
    case PROP_POLL_INTERVAL_MS:
      s.poll_interval_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_viewer_gate_get_property(GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec) {
  GstViewerGate *self = GST_VIEWER_GATE(object);
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
      g_value_set_string(value, s.source_id.empty() ? nullptr : s.source_id.c_str());
      break;
    case PROP_KEY_PREFIX:
      g_value_set_string(value, s.key_prefix.c_str());
      break;
    case PROP_POLL_INTERVAL_MS:
      g_value_set_uint(value, s.poll_interval_ms);
      break;
    case PROP_FORCE_OPEN:
      g_value_set_boolean(value, self->gate->force_open.load());
      break;
    case PROP_OPEN:
      g_value_set_boolean(value, is_open(*self->gate));
      break;
    case PROP_PASSED:
      g_value_set_uint64(value, self->gate->passed.load());
      break;
    case PROP_DROPPED:
      g_value_set_uint64(value, self->gate->dropped.load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_viewer_gate_finalize(GObject *object) {
  GstViewerGate *self = GST_VIEWER_GATE(object);
  delete self->gate;
  delete self->settings;
  G_OBJECT_CLASS(gst_viewer_gate_parent_class)->finalize(object);
}

static void gst_viewer_gate_class_init(GstViewerGateClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->set_property = gst_viewer_gate_set_property;
  gobject_class->get_property = gst_viewer_gate_get_property;
  gobject_class->finalize = gst_viewer_gate_finalize;

  const auto ready =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto read_only = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  rw::gst::install_redis_endpoint_properties(gobject_class, PROP_HOST, PROP_PORT, PROP_PASSWORD);
  g_object_class_install_property(
      gobject_class, PROP_SOURCE_ID,
      g_param_spec_string("source-id", "Source id",
                          "Camera or video id whose viewers open the gate: the key read is "
                          "{key-prefix}:{source-id}:viewers (required)",
                          nullptr, ready));
  g_object_class_install_property(
      gobject_class, PROP_KEY_PREFIX,
      g_param_spec_string("key-prefix", "Key prefix",
                          "First part of the viewers key, as in redissink", DEFAULT_KEY_PREFIX,
                          ready));
  g_object_class_install_property(
      gobject_class, PROP_POLL_INTERVAL_MS,
      g_param_spec_uint("poll-interval-ms", "Poll interval ms",
                        "How often the viewers key is read, in milliseconds: the longest a new "
                        "viewer waits for frames",
                        10, 60000, DEFAULT_POLL_INTERVAL_MS, ready));
  g_object_class_install_property(
      gobject_class, PROP_FORCE_OPEN,
      g_param_spec_boolean("force-open", "Force open",
                           "Pass every frame whatever Redis says (for debugging)", FALSE, playing));
  g_object_class_install_property(
      gobject_class, PROP_OPEN,
      g_param_spec_boolean("open", "Open",
                           "Whether frames pass now (someone watches, or force-open)", FALSE,
                           read_only));
  g_object_class_install_property(
      gobject_class, PROP_PASSED,
      g_param_spec_uint64("passed", "Passed", "Buffers passed since start", 0, G_MAXUINT64, 0,
                          read_only));
  g_object_class_install_property(
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64("dropped", "Dropped",
                          "Buffers dropped since start because nobody watched", 0, G_MAXUINT64, 0,
                          read_only));

  gst_element_class_set_static_metadata(
      element_class, "Viewer gate", "Filter/Video",
      "Passes buffers only while someone watches the source (a Redis viewers key), so the "
      "frame branch does no work for nobody",
      "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_viewer_gate_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_viewer_gate_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_viewer_gate_transform_ip);
}

static void gst_viewer_gate_init(GstViewerGate *self) {
  self->settings = new Settings();
  self->gate = new Gate(self);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
