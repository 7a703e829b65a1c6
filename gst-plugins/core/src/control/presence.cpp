#include "rw/control/presence.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <utility>

#include "rw/publish/backoff.hpp"

namespace rw::control {

bool viewers_present(const Reply &reply) {
  if (reply.type == Reply::Type::kInteger) return reply.integer > 0;
  if (reply.type != Reply::Type::kString) return false;
  long long count = 0;
  const char *end = reply.text.data() + reply.text.size();
  const auto [ptr, ec] = std::from_chars(reply.text.data(), end, count);
  return ec == std::errc() && ptr == end && count > 0;
}

PresencePoller::PresencePoller(Config config, PresenceListener &listener)
    : config_(std::move(config)), listener_(listener), client_(config_.endpoint) {}

PresencePoller::~PresencePoller() {
  stop();
}

void PresencePoller::start() {
  stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void PresencePoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  client_.close();
  set_open(false);
}

std::optional<bool> PresencePoller::poll(std::string &error) {
  if (!client_.connected() && !client_.connect(error)) return std::nullopt;
  const std::optional<Reply> reply = client_.run({"GET", config_.key}, error);
  if (!reply) return std::nullopt;
  if (reply->type == Reply::Type::kError) {  // e.g. WRONGTYPE: nobody can say who watches
    error = reply->text;
    return std::nullopt;
  }
  return viewers_present(*reply);
}

void PresencePoller::set_open(bool open) {
  if (open_.exchange(open) != open) listener_.on_change(open);
}

void PresencePoller::run() {
  // Polls faster than the server's TTL refresh are cheap; retries after a failure back off
  // from one interval to 5 s, so a dead Redis is not hammered.
  const auto max = std::max(config_.interval, std::chrono::milliseconds(5000));
  rw::publish::Backoff backoff({config_.interval, max, 0.5}, std::random_device{}());
  bool in_outage = false;
  for (;;) {
    std::string error;
    const std::optional<bool> present = poll(error);
    std::chrono::milliseconds wait = config_.interval;
    if (present) {
      if (std::exchange(in_outage, false)) listener_.on_back();
      backoff.reset();
      set_open(*present);
    } else {
      client_.close();
      set_open(false);
      if (!std::exchange(in_outage, true)) listener_.on_outage(error);
      wait = backoff.next();
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

}  // namespace rw::control
