#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "rw/publish/item.hpp"

namespace rw::publish {

// The bounded queue between the streaming thread (push) and the sender thread (take).
// When a push goes over a limit, the oldest item of the lowest kind present goes, the new one
// included: the oldest frame, else the oldest analytics record, else the oldest event, so an
// event is dropped only when everything queued is an event (an item larger than max_bytes on
// its own is dropped on arrival). push() never waits. take() hands
// items out oldest first (arrival order across kinds) and they stay in flight until settle()
// or requeue(). Thread-safe.
class Outbox {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t max_items = 1000;
    std::size_t max_bytes = std::size_t{64} << 20;
  };

  explicit Outbox(Limits limits);

  void push(Item item);

  // Up to max_items items, waiting until `deadline` for the first one. Empty at the deadline
  // or once closed.
  std::vector<Item> take(std::size_t max_items, Clock::time_point deadline);

  // The outcome of one in-flight item of `kind`.
  void settle(Kind kind, bool published);

  // In-flight items (in take order) go back to the head of the queue, where they belong by
  // age; the limits then apply as for a push.
  void requeue(std::vector<Item> items);

  // Counts every queued item as dropped and empties the queue; returns how many.
  std::size_t drop_queued();

  // True once nothing is queued or in flight; false at the deadline or while flushing.
  bool wait_idle(Clock::time_point deadline);

  // While flushing, wait_idle() returns false at once (a sink being unlocked).
  void set_flushing(bool flushing);

  // take() returns empty from now on.
  void close();

  Counters counters() const;

 private:
  struct Queued {
    std::uint64_t seq;  // arrival order across kinds
    std::size_t bytes;
    Item item;
  };

  std::deque<Queued> &queue(Kind kind) { return queues_[static_cast<std::size_t>(kind)]; }
  std::size_t queued_items() const;  // lock held
  void enforce_limits();             // lock held
  bool idle() const;                 // lock held

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable items_cv_;
  std::condition_variable idle_cv_;
  std::array<std::deque<Queued>, kKindCount> queues_;
  std::size_t queued_bytes_ = 0;
  // Pushes count up from the middle, requeues down from it, so a requeued item sorts before
  // everything queued.
  std::uint64_t next_seq_ = std::uint64_t{1} << 63;
  std::uint64_t front_seq_ = std::uint64_t{1} << 63;
  Counters counters_;
  bool flushing_ = false;
  bool closed_ = false;
};

}  // namespace rw::publish
