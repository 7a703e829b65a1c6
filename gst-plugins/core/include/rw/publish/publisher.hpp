#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "rw/publish/backoff.hpp"
#include "rw/publish/connection.hpp"
#include "rw/publish/item.hpp"
#include "rw/publish/outbox.hpp"

namespace rw::publish {

// What the sender thread reports, from the sender thread.
class PublisherListener {
 public:
  virtual ~PublisherListener() = default;
  // Connected; `after_outage` when an outage (see on_outage) ends.
  virtual void on_connected(bool after_outage) = 0;
  // The first failure since the last success (or since start): Redis is out of reach.
  virtual void on_outage(const std::string &error) = 0;
  // Every failed connect or lost connection, with the wait before the next connect.
  virtual void on_retry(const std::string &error, std::chrono::milliseconds delay) = 0;
  // Redis refused entries (e.g. a key of another type); they are counted as dropped.
  virtual void on_rejected(const std::string &error, std::size_t entries) = 0;
  // More items were dropped; at most once per drop_report_interval.
  virtual void on_dropped(const Counters &counters) = 0;
};

struct PublisherConfig {
  Outbox::Limits limits;
  Backoff::Config backoff;
  std::uint64_t backoff_seed = 0;
  std::size_t batch_items = 64;  // XADDs per pipelined round trip
  std::chrono::milliseconds drop_report_interval{1000};
};

// Owns the outbox and a sender thread that moves it to a Connection: connect, send batches,
// on failure reconnect with backoff. publish() only queues. An item whose send was cut off
// (no reply) is sent once more after the reconnect, so a connection that went stale while
// idle costs nothing; Redis may then hold it twice (at-least-once). A second loss drops it.
class Publisher {
 public:
  using Clock = std::chrono::steady_clock;

  Publisher(std::unique_ptr<Connection> connection, PublisherConfig config,
            PublisherListener &listener);
  ~Publisher();
  Publisher(const Publisher &) = delete;
  Publisher &operator=(const Publisher &) = delete;

  void start();
  void publish(Item item);
  // Waits until everything queued was published or dropped; false at the deadline or while
  // flushing.
  bool drain(Clock::time_point deadline) { return outbox_.wait_idle(deadline); }
  void set_flushing(bool flushing) { outbox_.set_flushing(flushing); }
  // Gives up on what is still queued (counted as dropped); returns how many.
  std::size_t drop_queued() { return outbox_.drop_queued(); }
  // Stops the sender (after its current round trip, bounded by the command timeout) and
  // counts what is left as dropped, so that enqueued == published + dropped afterwards.
  void stop();

  Counters counters() const { return outbox_.counters(); }
  bool connected() const { return connected_.load(); }

 private:
  void run();
  bool connect();
  void send(std::vector<Item> batch);
  void begin_outage(const std::string &error);
  void wait_before_retry(const std::string &error);
  void report_drops();
  void sleep(std::chrono::milliseconds delay);
  bool stopping() const;

  std::unique_ptr<Connection> connection_;
  const PublisherConfig config_;
  PublisherListener &listener_;
  Outbox outbox_;
  Backoff backoff_;
  std::atomic<bool> connected_{false};
  // Sender thread only.
  bool in_outage_ = false;
  std::uint64_t reported_dropped_ = 0;
  Clock::time_point last_drop_report_{};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rw::publish
