#include "supervisor/snapshotter.hpp"

#include <gio/gio.h>

#include <filesystem>
#include <system_error>

#include "supervisor/process_text.hpp"
#include "supervisor/snapshot_command.hpp"

namespace rw::server {
namespace {

constexpr const char *kMetric = "rw_supervisor_snapshots_total";
constexpr const char *kMetricHelp = "Calibration snapshots served, by how they were made";

// A video's JPEG stays good while its file is the same file.
std::string identity_of(const SourceConfig &source) {
  if (source.kind == SourceKind::kCamera) return source.uri;
  std::error_code size_error, time_error;
  const auto size = std::filesystem::file_size(source.file_path, size_error);
  const auto time = std::filesystem::last_write_time(source.file_path, time_error);
  std::string identity = source.file_path;
  if (!size_error) identity += ":" + std::to_string(size);
  if (!time_error) identity += ":" + std::to_string(time.time_since_epoch().count());
  return identity;
}

std::string bytes_text(GBytes *bytes) {
  if (bytes == nullptr) return {};
  gsize size = 0;
  const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  return data != nullptr ? std::string(data, size) : std::string();
}

ApiError decode_failed(std::string message) {
  return {502, "snapshot_failed", std::move(message)};
}

}  // namespace

// A timer's data lives as long as the timer (the Decode removes it); an I/O callback's until
// the callback, which may come after the Snapshotter is gone: it was cancelled then, and the
// owner is not touched.
struct Snapshotter::Pending {
  Snapshotter *owner;
  int source_id;
};

struct Snapshotter::Decode {
  std::string identity;
  std::vector<Callback> waiters;
  GSubprocess *process = nullptr;
  GCancellable *cancellable = nullptr;
  guint timer = 0;

  ~Decode() {
    if (timer != 0) g_source_remove(timer);
    if (cancellable != nullptr) {
      g_cancellable_cancel(cancellable);
      g_object_unref(cancellable);
    }
    if (process != nullptr) {
      g_subprocess_force_exit(process);  // ours and short-lived: never left behind
      g_object_unref(process);
    }
  }
};

Snapshotter::Snapshotter(Config config, Metrics &metrics) : config_(config), metrics_(metrics) {
  for (const char *result : {"decoded", "cached", "failed", "timeout"}) {
    metrics_.counter(kMetric, kMetricHelp, {{"result", result}});
  }
}

Snapshotter::~Snapshotter() = default;

void Snapshotter::snapshot(const SourceConfig &source, Callback cb) {
  const std::string identity = identity_of(source);
  if (const auto it = cache_.find(source.id); it != cache_.end()) {
    const bool fresh = source.kind == SourceKind::kVideo ||
                       std::chrono::steady_clock::now() - it->second.taken < config_.camera_max_age;
    if (it->second.identity == identity && fresh) {
      metrics_.counter(kMetric, kMetricHelp, {{"result", "cached"}}) += 1;
      return cb(it->second.jpeg);
    }
  }
  if (const auto it = decodes_.find(source.id); it != decodes_.end()) {
    it->second->waiters.push_back(std::move(cb));
    return;
  }

  const std::vector<std::string> argv = snapshot_argv(source);
  std::vector<const gchar *> args;
  for (const std::string &arg : argv) args.push_back(arg.c_str());
  args.push_back(nullptr);
  GError *error = nullptr;
  GSubprocess *process = g_subprocess_newv(
      args.data(),
      GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE), &error);
  if (process == nullptr) {
    const std::string why = error->message;
    g_error_free(error);
    metrics_.counter(kMetric, kMetricHelp, {{"result", "failed"}}) += 1;
    return cb(ApiError::internal("cannot run gst-launch-1.0 for a snapshot: " + why));
  }

  auto decode = std::make_unique<Decode>();
  decode->identity = identity;
  decode->waiters.push_back(std::move(cb));
  decode->process = process;
  decode->cancellable = g_cancellable_new();
  // Milliseconds: g_timeout_add_seconds may fire up to a second early on its first run.
  decode->timer = g_timeout_add_full(
      G_PRIORITY_DEFAULT,
      guint(std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count()),
      on_timeout, new Pending{this, source.id},
      [](gpointer data) { delete static_cast<Pending *>(data); });
  g_subprocess_communicate_async(process, nullptr, decode->cancellable, on_communicated,
                                 new Pending{this, source.id});
  decodes_[source.id] = std::move(decode);
}

gboolean Snapshotter::on_timeout(gpointer data) {
  const auto *pending = static_cast<Pending *>(data);
  Snapshotter *self = pending->owner;
  self->decodes_.at(pending->source_id)->timer = 0;  // returning REMOVE removes it
  self->metrics_.counter(kMetric, kMetricHelp, {{"result", "timeout"}}) += 1;
  self->finish(pending->source_id, ApiError{504, "snapshot_timeout",
                                            "decoding a frame took longer than " +
                                                std::to_string(self->config_.timeout.count()) +
                                                " s; is the source reachable?"});
  return G_SOURCE_REMOVE;
}

void Snapshotter::on_communicated(GObject *process, GAsyncResult *result, gpointer data) {
  const Pending pending = *static_cast<Pending *>(data);
  delete static_cast<Pending *>(data);
  GBytes *out = nullptr;
  GBytes *err = nullptr;
  GError *error = nullptr;
  const gboolean done =
      g_subprocess_communicate_finish(G_SUBPROCESS(process), result, &out, &err, &error);
  if (!done && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free(error);  // the decode (or the Snapshotter) is gone
    return;
  }
  std::string jpeg = bytes_text(out);
  const std::string messages = bytes_text(err);
  if (out != nullptr) g_bytes_unref(out);
  if (err != nullptr) g_bytes_unref(err);
  std::variant<std::string, ApiError> outcome;
  if (!done) {
    outcome =
        decode_failed(std::string("reading gst-launch-1.0's output failed: ") + error->message);
    g_error_free(error);
  } else if (!g_subprocess_get_successful(G_SUBPROCESS(process)) || !looks_like_jpeg(jpeg)) {
    const std::string why = gst_launch_error(messages);
    outcome = decode_failed("cannot decode a frame of this source" +
                            (why.empty() ? std::string() : ": " + why));
  } else {
    outcome = std::move(jpeg);
  }
  Snapshotter *self = pending.owner;
  self->metrics_.counter(kMetric, kMetricHelp,
                         {{"result", outcome.index() == 0 ? "decoded" : "failed"}}) += 1;
  self->finish(pending.source_id, std::move(outcome));
}

void Snapshotter::finish(int source_id, std::variant<std::string, ApiError> outcome) {
  const auto it = decodes_.find(source_id);
  if (it == decodes_.end()) return;
  std::unique_ptr<Decode> decode = std::move(it->second);
  decodes_.erase(it);
  if (const auto *jpeg = std::get_if<std::string>(&outcome)) {
    cache_[source_id] = {decode->identity, *jpeg, std::chrono::steady_clock::now()};
  }
  const std::vector<Callback> waiters = std::move(decode->waiters);
  decode.reset();  // cancels the other half (timer or communication) and ends the process
  for (const Callback &cb : waiters) cb(outcome);
}

}  // namespace rw::server
