#pragma once

// Tells pipelines whether anyone watches their frames (SPEC §6): {p}:{src}:viewers holds the
// number of frame subscribers with a short TTL, refreshed while there are any and deleted when
// the last one leaves. viewergate opens the frame branch while the key is > 0, so a server
// that dies stops the frame work within the TTL.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <glib.h>

#include "redis/redis_async.hpp"

namespace rw::server {

class ViewerPresence {
 public:
  static constexpr std::chrono::seconds kTtl{5};
  static constexpr std::chrono::seconds kRefresh{2};

  ViewerPresence(RedisAsync &redis, std::string key_prefix, GMainContext *context);
  ~ViewerPresence();
  ViewerPresence(const ViewerPresence &) = delete;
  ViewerPresence &operator=(const ViewerPresence &) = delete;

  // The source's frame subscriber count changed: written at once, then kept fresh.
  void set(int source_id, std::size_t viewers);

 private:
  void write(int source_id, std::size_t viewers);
  static gboolean on_refresh(gpointer data);

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  RedisAsync &redis_;
  std::string key_prefix_;
  std::map<int, std::size_t> viewers_;  // sources with viewers only
  GSource *refresh_timer_;
};

}  // namespace rw::server
