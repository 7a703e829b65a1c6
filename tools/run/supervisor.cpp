// The GStreamer side of roadwatch-run: one GMainLoop owns the pipeline, its bus, the timers
// and the signals; pad probes only touch atomics and the latency meter; Redis is the control
// channel's thread.
#include "supervisor.hpp"

#include <glib-unix.h>
#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "control_channel.hpp"
#include "live_config.hpp"
#include "meters.hpp"
#include "rw/publish/backoff.hpp"
#include "status.hpp"

namespace rw::run {
namespace {

// The elements the runner looks for by name (pipelines/README.md).
constexpr const char *kDetect = "detect";                 // frames past the source enter here
constexpr const char *kAnalyticsSink = "analytics-sink";  // frames are published here
constexpr const char *kSource = "src";
constexpr const char *kSpeed = "speed";
constexpr const char *kZones = "zones";
constexpr const char *kOverlay = "overlay";
constexpr guint kWatchPeriodMs = 100;  // first frame, stall and config checks
// Found by factory: the n-th rebuild numbers its tracks from n * kTrackIdsPerBuild + 1.
constexpr const char *kTrackerFactory = "deepsorttrack";
constexpr guint64 kTrackIdsPerBuild = 1000000000;

std::int64_t steady_ns(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Written by pad probes on streaming threads.
struct Counters {
  std::atomic<std::uint64_t> published{0};       // at the analytics sink, over every pipeline
  std::atomic<std::uint64_t> entered{0};         // at detect, this pipeline
  std::atomic<std::int64_t> last_entered_ns{0};  // steady clock
  LatencyMeter latency;
};

GstPadProbeReturn on_detect_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto &counters = *static_cast<Counters *>(data);
  const auto now = SteadyClock::now();
  const GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (GST_BUFFER_PTS_IS_VALID(buffer)) {
    counters.latency.enter(std::int64_t(GST_BUFFER_PTS(buffer)), now);
  }
  counters.last_entered_ns = steady_ns(now);
  ++counters.entered;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_published_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto &counters = *static_cast<Counters *>(data);
  const GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (GST_BUFFER_PTS_IS_VALID(buffer)) {
    counters.latency.leave(std::int64_t(GST_BUFFER_PTS(buffer)), SteadyClock::now());
  }
  ++counters.published;
  return GST_PAD_PROBE_OK;
}

std::string message_text(GstMessage *message) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(message, &error, &debug);
  } else {
    gst_message_parse_warning(message, &error, &debug);
  }
  std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " +
                     (error != nullptr ? error->message : "unknown error");
  g_clear_error(&error);
  g_free(debug);
  return text;
}

class Supervisor {
 public:
  Supervisor(const Plan &plan, const Options &options)
      : plan_(plan),
        options_(options),
        channel_({plan.redis, plan.status_key, plan.config_key, options.status_interval,
                  options.config_interval,
                  std::chrono::duration_cast<std::chrono::milliseconds>(options.status_ttl)}),
        backoff_(rebuild_backoff(options), std::random_device{}()) {}

  int run() {
    loop_ = g_main_loop_new(nullptr, FALSE);
    channel_.start();
    const guint sigterm = g_unix_signal_add(SIGTERM, on_sigterm, this);
    const guint sigint = g_unix_signal_add(SIGINT, on_sigint, this);
    const guint watch = g_timeout_add(kWatchPeriodMs, on_watch, this);
    const guint report = g_timeout_add(guint(options_.status_interval.count()), on_report, this);
    set_state(RunState::kStarting, "building the pipeline");
    build();
    if (!finished_) g_main_loop_run(loop_);
    for (const guint id : {sigterm, sigint, watch, report}) g_source_remove(id);
    clear_timer(rebuild_timer_);
    clear_timer(eos_timer_);
    teardown();
    report_now();
    channel_.stop();
    log_notices();
    g_main_loop_unref(loop_);
    return exit_code_;
  }

 private:
  void build() {
    GError *error = nullptr;
    GstElement *pipeline = gst_parse_launch(plan_.description.c_str(), &error);
    if (error != nullptr) {  // a pipeline may come back with a recoverable error: still bad
      const std::string reason = std::string("cannot build the pipeline: ") + error->message;
      g_error_free(error);
      if (pipeline != nullptr) gst_object_unref(pipeline);
      return finish(RunState::kFailed, reason, 1);
    }
    if (!GST_IS_BIN(pipeline)) {
      gst_object_unref(pipeline);
      return finish(RunState::kFailed, "the template describes a single element, not a pipeline",
                    1);
    }
    pipeline_ = pipeline;
    for (const char *name : {kDetect, kAnalyticsSink}) {
      if (!attach_probe(name)) {
        return finish(RunState::kFailed,
                      std::string("the pipeline has no element named '") + name +
                          "' (roadwatch-run counts frames there; pipelines/README.md)",
                      1);
      }
    }
    apply_config(applied_, true);
    if (status_.restarts > 0) number_tracks_from(status_.restarts * kTrackIdsPerBuild + 1);
    GstBus *bus = gst_element_get_bus(pipeline_);
    bus_watch_ = gst_bus_add_watch(bus, on_bus_message, this);
    gst_object_unref(bus);
    counters_.entered = 0;
    counters_.latency.reset();
    built_at_ = SteadyClock::now();
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      // The element that failed posted an error; the bus watch reports it. Without one:
      GstBus *b = gst_element_get_bus(pipeline_);
      const bool has_error = gst_bus_have_pending(b);
      gst_object_unref(b);
      if (!has_error) fail("the pipeline could not start", true);
    }
  }

  bool attach_probe(const char *name) {
    GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline_), name);
    if (element == nullptr) return false;
    GstPad *pad = gst_element_get_static_pad(element, "sink");
    if (pad != nullptr) {
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER,
                        name == kDetect ? on_detect_buffer : on_published_buffer, &counters_,
                        nullptr);
      gst_object_unref(pad);
    }
    gst_object_unref(element);
    return pad != nullptr;
  }

  // Sets the changed live settings on the named elements. `fresh`: a pipeline not started
  // yet, whose calibration-file must be cleared for a calibration string to be allowed.
  void apply_config(const LiveConfig &change, bool fresh) {
    if (pipeline_ == nullptr) return;
    if (change.zones_json) {
      set_on(kZones, "zones", change.zones_json->c_str());
      set_on(kOverlay, "zones", change.zones_json->c_str());
    }
    if (change.speed_limit) set_on(kZones, "speed-limit", *change.speed_limit);
    if (change.calibration_json) {
      if (fresh) set_on(kSpeed, "calibration-file", static_cast<const char *>(nullptr));
      set_on(kSpeed, "calibration", change.calibration_json->c_str());
    }
  }

  // A rebuilt pipeline's trackers would count from 1 again; ids of one run must never repeat
  // (the server keys vehicles by run and track id).
  void number_tracks_from(guint64 first) {
    GstIterator *trackers =
        gst_bin_iterate_all_by_element_factory_name(GST_BIN(pipeline_), kTrackerFactory);
    gst_iterator_foreach(
        trackers,
        [](const GValue *item, gpointer data) {
          g_object_set(g_value_get_object(item), "first-track-id", *static_cast<guint64 *>(data),
                       nullptr);
        },
        &first);
    gst_iterator_free(trackers);
  }

  template <typename T>
  void set_on(const char *name, const char *property, T value) {
    GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline_), name);
    if (element == nullptr) {
      warn(std::string("config: the pipeline has no element named '") + name + "' for " + property);
      return;
    }
    g_object_set(element, property, value, nullptr);
    gst_object_unref(element);
  }

  void teardown() {
    if (pipeline_ == nullptr) return;
    if (bus_watch_ != 0) g_source_remove(bus_watch_);
    bus_watch_ = 0;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }

  // An error or a stall. A live source is rebuilt after a backoff when the failure came from
  // the source (or was a stall); anything else ends the run.
  void fail(const std::string &reason, bool from_source) {
    ++status_.errors;
    status_.last_error = reason;
    teardown();
    if (!plan_.live || !from_source || stopping_) return finish(RunState::kFailed, reason, 1);
    const auto delay = backoff_.next();
    set_state(RunState::kReconnecting, reason);
    std::fprintf(stderr, "roadwatch-run: %s; rebuilding in %.1f s\n", reason.c_str(),
                 double(delay.count()) / 1000.0);
    clear_timer(rebuild_timer_);
    rebuild_timer_ = g_timeout_add(guint(delay.count()), on_rebuild, this);
  }

  void warn(const std::string &text) {
    ++status_.warnings;
    status_.last_error = text;
    std::fprintf(stderr, "roadwatch-run: warning: %s\n", text.c_str());
    report_now();
  }

  void finish(RunState state, const std::string &reason, int code) {
    if (finished_) return;
    finished_ = true;
    exit_code_ = code;
    teardown();
    set_state(state, reason);
    if (state == RunState::kFailed)
      std::fprintf(stderr, "roadwatch-run: failed: %s\n", reason.c_str());
    g_main_loop_quit(loop_);
  }

  void set_state(RunState state, const std::string &reason) {
    status_.state = state;
    status_.reason = reason;
    report_now();
  }

  void report_now() {
    status_.frames = counters_.published.load();
    status_.updated_ms = unix_ms();
    channel_.publish(status_);
  }

  // Periodic: rates and latency over the last period.
  void report() {
    status_.fps = rate_.rate(counters_.published.load(), SteadyClock::now());
    status_.latency_ms = counters_.latency.take_mean_ms();
    report_now();
    log_notices();
  }

  void log_notices() {
    for (const std::string &notice : channel_.take_notices()) {
      std::fprintf(stderr, "roadwatch-run: %s\n", notice.c_str());
    }
  }

  void watch() {
    if (pipeline_ != nullptr && counters_.entered.load() > 0 &&
        (status_.state == RunState::kStarting || status_.state == RunState::kReconnecting)) {
      backoff_.reset();
      set_state(RunState::kRunning, "");
    }
    if (plan_.live && pipeline_ != nullptr && !stopping_) check_stall();
    if (auto hash = channel_.take_config()) on_config(*hash);
  }

  void check_stall() {
    const auto now = SteadyClock::now();
    const auto last =
        counters_.entered.load() > 0
            ? SteadyClock::time_point(std::chrono::nanoseconds(counters_.last_entered_ns.load()))
            : built_at_;
    if (now - last < options_.stall_timeout) return;
    fail("stall: no frame for " + std::to_string(options_.stall_timeout.count()) + " s", true);
  }

  void on_config(const std::map<std::string, std::string> &hash) {
    const ConfigDecision decision = decide(hash, applied_, seen_version_);
    switch (decision.action) {
      case ConfigDecision::Action::kNone:
        return;
      case ConfigDecision::Action::kReject:
        seen_version_ = decision.change.version;
        warn(decision.error);
        return;
      case ConfigDecision::Action::kApply:
        seen_version_ = decision.change.version;
        applied_ = merged(applied_, decision.change);
        apply_config(decision.change, false);
        status_.config_version = applied_.version;
        std::fprintf(stderr, "roadwatch-run: config version %s applied\n",
                     applied_.version.c_str());
        report_now();
        return;
    }
  }

  void on_message(GstMessage *message) {
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_ERROR:
        fail(message_text(message), from_source(message));
        break;
      case GST_MESSAGE_WARNING:
        warn(message_text(message));
        break;
      case GST_MESSAGE_EOS:
        if (stopping_ || !plan_.live) {
          finish(RunState::kStopped, stopping_ ? stop_reason_ : "end of stream", 0);
        } else {
          fail("the live source ended its stream", true);
        }
        break;
      default:
        break;
    }
  }

  // Whether the message comes from the element named src or one inside it; a pipeline
  // without one has only its source to blame.
  bool from_source(GstMessage *message) {
    GstElement *source = gst_bin_get_by_name(GST_BIN(pipeline_), kSource);
    if (source == nullptr) return true;
    const bool inside = GST_MESSAGE_SRC(message) == GST_OBJECT(source) ||
                        gst_object_has_as_ancestor(GST_MESSAGE_SRC(message), GST_OBJECT(source));
    gst_object_unref(source);
    return inside;
  }

  void on_signal(const char *name) {
    if (stopping_ || pipeline_ == nullptr) {  // a second signal, or nothing to drain
      return finish(RunState::kStopped, std::string("stopped by ") + name, 0);
    }
    stopping_ = true;
    stop_reason_ = std::string("stopped by ") + name;
    std::fprintf(stderr, "roadwatch-run: %s: ending the stream (up to %lld s)\n", name,
                 static_cast<long long>(options_.eos_timeout.count()));
    clear_timer(rebuild_timer_);
    // yolodetect takes an early end of a file for truncation unless told this one is wanted.
    allow_early_eos();
    gst_element_send_event(pipeline_, gst_event_new_eos());
    eos_timer_ = g_timeout_add(guint(options_.eos_timeout.count() * 1000), on_eos_timeout, this);
  }

  void allow_early_eos() {
    GstElement *detect = gst_bin_get_by_name(GST_BIN(pipeline_), kDetect);
    if (detect == nullptr) return;
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(detect), "check-truncation") != nullptr) {
      g_object_set(detect, "check-truncation", FALSE, nullptr);
    }
    gst_object_unref(detect);
  }

  static void clear_timer(guint &id) {
    if (id != 0) g_source_remove(id);
    id = 0;
  }

  static gboolean on_bus_message(GstBus *, GstMessage *message, gpointer self) {
    static_cast<Supervisor *>(self)->on_message(message);
    return G_SOURCE_CONTINUE;
  }
  static gboolean on_watch(gpointer self) {
    static_cast<Supervisor *>(self)->watch();
    return G_SOURCE_CONTINUE;
  }
  static gboolean on_report(gpointer self) {
    static_cast<Supervisor *>(self)->report();
    return G_SOURCE_CONTINUE;
  }
  static gboolean on_rebuild(gpointer data) {
    auto *self = static_cast<Supervisor *>(data);
    self->rebuild_timer_ = 0;
    ++self->status_.restarts;
    self->build();
    return G_SOURCE_REMOVE;
  }
  static gboolean on_eos_timeout(gpointer data) {
    auto *self = static_cast<Supervisor *>(data);
    self->eos_timer_ = 0;
    self->finish(RunState::kStopped,
                 self->stop_reason_ + " (the stream did not end within " +
                     std::to_string(self->options_.eos_timeout.count()) + " s)",
                 0);
    return G_SOURCE_REMOVE;
  }
  static gboolean on_sigterm(gpointer self) {
    static_cast<Supervisor *>(self)->on_signal("SIGTERM");
    return G_SOURCE_CONTINUE;
  }
  static gboolean on_sigint(gpointer self) {
    static_cast<Supervisor *>(self)->on_signal("SIGINT");
    return G_SOURCE_CONTINUE;
  }

  const Plan &plan_;
  const Options &options_;
  ControlChannel channel_;
  rw::publish::Backoff backoff_;
  GMainLoop *loop_ = nullptr;
  GstElement *pipeline_ = nullptr;
  guint bus_watch_ = 0;
  guint rebuild_timer_ = 0;
  guint eos_timer_ = 0;
  Counters counters_;
  RateMeter rate_;
  SteadyClock::time_point built_at_;
  Status status_;
  LiveConfig applied_;
  std::string seen_version_;
  bool stopping_ = false;
  std::string stop_reason_;
  bool finished_ = false;
  int exit_code_ = 0;
};

}  // namespace

int supervise(const Plan &plan, const Options &options) {
  Supervisor supervisor(plan, options);
  return supervisor.run();
}

}  // namespace rw::run
