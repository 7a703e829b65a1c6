#include "ws/viewer_presence.hpp"

#include <utility>

#include "rw/control/keys.hpp"

namespace rw::server {

ViewerPresence::ViewerPresence(RedisAsync &redis, std::string key_prefix, GMainContext *context)
    : redis_(redis),
      key_prefix_(std::move(key_prefix)),
      refresh_timer_(g_timeout_source_new_seconds(static_cast<guint>(kRefresh.count()))) {
  g_source_set_callback(refresh_timer_, on_refresh, this, nullptr);
  g_source_attach(refresh_timer_, context);
}

ViewerPresence::~ViewerPresence() {
  g_source_destroy(refresh_timer_);
  g_source_unref(refresh_timer_);
}

void ViewerPresence::set(int source_id, std::size_t viewers) {
  const auto it = viewers_.find(source_id);
  if (it != viewers_.end() && it->second == viewers) return;
  if (viewers == 0) {
    if (it != viewers_.end()) viewers_.erase(it);
  } else {
    viewers_[source_id] = viewers;
  }
  write(source_id, viewers);
}

void ViewerPresence::write(int source_id, std::size_t viewers) {
  const std::string key = rw::control::viewers_key(key_prefix_, std::to_string(source_id));
  std::vector<std::string> argv =
      viewers == 0 ? std::vector<std::string>{"DEL", key}
                   : std::vector<std::string>{"SET", key, std::to_string(viewers), "EX",
                                              std::to_string(kTtl.count())};
  redis_.command(std::move(argv), [alive = std::weak_ptr<bool>(alive_), key](
                                      const rw::control::Reply *reply, const std::string &error) {
    if (alive.expired()) return;
    // Down: the next refresh writes it again (a DEL is covered by the TTL).
    if (reply == nullptr) g_debug("ws: cannot update %s: %s", key.c_str(), error.c_str());
    if (reply != nullptr && reply->type == rw::control::Reply::Type::kError) {
      g_warning("ws: cannot update %s: %s", key.c_str(), reply->text.c_str());
    }
  });
}

gboolean ViewerPresence::on_refresh(gpointer data) {
  auto *self = static_cast<ViewerPresence *>(data);
  for (const auto &[source_id, viewers] : self->viewers_) self->write(source_id, viewers);
  return G_SOURCE_CONTINUE;
}

}  // namespace rw::server
