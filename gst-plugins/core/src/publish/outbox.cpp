#include "rw/publish/outbox.hpp"

#include <utility>

namespace rw::publish {

Outbox::Outbox(Limits limits) : limits_(limits) {}

std::size_t Outbox::queued_items() const {
  std::size_t total = 0;
  for (const auto &q : queues_) total += q.size();
  return total;
}

bool Outbox::idle() const {
  for (const KindCounters &kind : counters_.by_kind) {
    if (kind.queued != 0 || kind.in_flight != 0) return false;
  }
  return true;
}

void Outbox::enforce_limits() {
  std::size_t items = queued_items();
  while (items > limits_.max_items || queued_bytes_ > limits_.max_bytes) {
    for (Kind kind : kDropOrder) {
      std::deque<Queued> &q = queue(kind);
      if (q.empty()) continue;
      queued_bytes_ -= q.front().bytes;
      q.pop_front();
      --counters_[kind].queued;
      ++counters_[kind].dropped;
      --items;
      break;
    }
  }
}

void Outbox::push(Item item) {
  {
    std::lock_guard lock(mutex_);
    const Kind kind = item.kind;
    const std::size_t bytes = item.entry.bytes();
    ++counters_[kind].enqueued;
    if (bytes > limits_.max_bytes) {
      ++counters_[kind].dropped;  // would never fit: keep the queue as it is
      return;
    }
    queue(kind).push_back({next_seq_++, bytes, std::move(item)});
    queued_bytes_ += bytes;
    ++counters_[kind].queued;
    enforce_limits();
  }
  items_cv_.notify_one();
  idle_cv_.notify_all();  // a push can drop the only queued item
}

std::vector<Item> Outbox::take(std::size_t max_items, Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  items_cv_.wait_until(lock, deadline, [this] { return closed_ || queued_items() > 0; });
  std::vector<Item> out;
  while (!closed_ && out.size() < max_items) {
    std::deque<Queued> *oldest = nullptr;
    for (auto &q : queues_) {
      if (!q.empty() && (oldest == nullptr || q.front().seq < oldest->front().seq)) oldest = &q;
    }
    if (oldest == nullptr) break;
    Queued &front = oldest->front();
    queued_bytes_ -= front.bytes;
    KindCounters &counters = counters_[front.item.kind];
    --counters.queued;
    ++counters.in_flight;
    out.push_back(std::move(front.item));
    oldest->pop_front();
  }
  return out;
}

void Outbox::settle(Kind kind, bool published) {
  {
    std::lock_guard lock(mutex_);
    KindCounters &counters = counters_[kind];
    --counters.in_flight;
    ++(published ? counters.published : counters.dropped);
  }
  idle_cv_.notify_all();
}

void Outbox::requeue(std::vector<Item> items) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const Kind kind = it->kind;
      const std::size_t bytes = it->entry.bytes();
      queue(kind).push_front({--front_seq_, bytes, std::move(*it)});
      queued_bytes_ += bytes;
      --counters_[kind].in_flight;
      ++counters_[kind].queued;
    }
    enforce_limits();
  }
  items_cv_.notify_one();
  idle_cv_.notify_all();
}

std::size_t Outbox::drop_queued() {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    for (Kind kind : kDropOrder) {
      KindCounters &counters = counters_[kind];
      dropped += queue(kind).size();
      counters.dropped += queue(kind).size();
      counters.queued = 0;
      queue(kind).clear();
    }
    queued_bytes_ = 0;
  }
  idle_cv_.notify_all();
  return dropped;
}

bool Outbox::wait_idle(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  idle_cv_.wait_until(lock, deadline, [this] { return flushing_ || idle(); });
  return !flushing_ && idle();
}

void Outbox::set_flushing(bool flushing) {
  {
    std::lock_guard lock(mutex_);
    flushing_ = flushing;
  }
  idle_cv_.notify_all();
}

void Outbox::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  items_cv_.notify_all();
}

Counters Outbox::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace rw::publish
