#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "rw/control/redis_client.hpp"

namespace rw::control {

// Whether a GET of a viewers key (rw/control/keys.hpp) says someone watches: an integer
// greater than 0. A missing key (nil), 0, a negative or non-numeric value: nobody.
bool viewers_present(const Reply &reply);

// What the poller reports, from its thread.
class PresenceListener {
 public:
  virtual ~PresenceListener() = default;
  // The first failed poll since the last good one (or since start): presence is unknown, so
  // the gate stays closed until Redis answers again.
  virtual void on_outage(const std::string &error) = 0;
  // Redis answers again after an outage.
  virtual void on_back() = 0;
  // The gate opened or closed.
  virtual void on_change(bool open) = 0;
};

// Polls a viewers key from its own thread and keeps the answer in an atomic, so the thread
// that asks (a streaming thread) never touches the network. Closed until the first answer,
// and whenever Redis cannot be reached; after a failure the next poll waits with backoff.
class PresencePoller {
 public:
  struct Config {
    rw::publish::RedisEndpoint endpoint;
    std::string key;
    std::chrono::milliseconds interval{500};
  };

  PresencePoller(Config config, PresenceListener &listener);
  ~PresencePoller();
  PresencePoller(const PresencePoller &) = delete;
  PresencePoller &operator=(const PresencePoller &) = delete;

  void start();
  // Returns once the thread has ended (after its current poll, bounded by the timeouts).
  void stop();

  bool open() const { return open_.load(std::memory_order_relaxed); }

 private:
  void run();
  // One GET: whether someone watches, or nullopt with the reason when Redis did not answer.
  std::optional<bool> poll(std::string &error);
  void set_open(bool open);

  Config config_;
  PresenceListener &listener_;
  RedisClient client_;
  std::atomic<bool> open_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace rw::control
