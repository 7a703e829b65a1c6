#pragma once

// Drives a GMainContext until a condition holds or a deadline passes: tests wait on what
// they expect, never on a fixed sleep.

#include <glib.h>

#include <chrono>
#include <functional>

namespace rw::test {

inline bool run_until(GMainContext *context, const std::function<bool()> &done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  // A periodic wake-up, so that an iteration never blocks past the deadline.
  GSource *tick = g_timeout_source_new(20);
  g_source_set_callback(
      tick, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(tick, context);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = done();
  while (!ok && std::chrono::steady_clock::now() < deadline) {
    g_main_context_iteration(context, TRUE);
    ok = done();
  }
  g_source_destroy(tick);
  g_source_unref(tick);
  return ok;
}

}  // namespace rw::test
