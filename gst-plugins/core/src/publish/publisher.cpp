#include "rw/publish/publisher.hpp"

#include <utility>
#include <vector>

namespace rw::publish {
namespace {

// How long the sender waits for items before looking at its drop counters again.
constexpr std::chrono::milliseconds kIdleWake{1000};

}  // namespace

Publisher::Publisher(std::unique_ptr<Connection> connection, PublisherConfig config,
                     PublisherListener &listener)
    : connection_(std::move(connection)),
      config_(config),
      listener_(listener),
      outbox_(config.limits),
      backoff_(config.backoff, config.backoff_seed) {}

Publisher::~Publisher() {
  stop();
}

void Publisher::start() {
  thread_ = std::thread([this] { run(); });
}

void Publisher::publish(Item item) {
  outbox_.push(std::move(item));
}

void Publisher::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  outbox_.close();
  thread_.join();
  outbox_.drop_queued();
  connected_ = false;
}

bool Publisher::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void Publisher::sleep(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void Publisher::run() {
  while (!stopping()) {
    if (!connection_->connected() && !connect()) continue;
    std::vector<Item> batch = outbox_.take(config_.batch_items, Clock::now() + kIdleWake);
    if (!batch.empty()) send(std::move(batch));
    report_drops();
  }
}

bool Publisher::connect() {
  std::string error;
  if (connection_->connect(error)) {
    backoff_.reset();
    connected_ = true;
    listener_.on_connected(std::exchange(in_outage_, false));
    return true;
  }
  begin_outage(error);
  wait_before_retry(error);
  return false;
}

void Publisher::wait_before_retry(const std::string &error) {
  const std::chrono::milliseconds delay = backoff_.next();
  listener_.on_retry(error, delay);
  report_drops();
  sleep(delay);
}

void Publisher::begin_outage(const std::string &error) {
  connected_ = false;
  if (in_outage_) return;
  in_outage_ = true;
  listener_.on_outage(error);
}

void Publisher::send(std::vector<Item> batch) {
  std::vector<const StreamEntry *> entries;
  entries.reserve(batch.size());
  for (const Item &item : batch) entries.push_back(&item.entry);
  const BatchResult result = connection_->append(entries);

  std::vector<Item> again;
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Item &item = batch[i];
    switch (result.outcomes[i]) {
      case Outcome::kAdded:
        outbox_.settle(item.kind, true);
        break;
      case Outcome::kRejected:
        ++rejected;
        outbox_.settle(item.kind, false);
        break;
      case Outcome::kUnknown:
        if (item.attempts++ == 0) {
          again.push_back(std::move(item));
        } else {
          outbox_.settle(item.kind, false);
        }
        break;
    }
  }
  if (!again.empty()) outbox_.requeue(std::move(again));
  if (rejected > 0) listener_.on_rejected(result.error, rejected);
  if (!connection_->connected()) {
    // Even when connecting works, a server that fails every batch gets one try per backoff.
    begin_outage(result.error);
    wait_before_retry(result.error);
  }
}

void Publisher::report_drops() {
  const Counters counters = outbox_.counters();
  const std::uint64_t dropped = counters.total_dropped();
  const Clock::time_point now = Clock::now();
  if (dropped == reported_dropped_ || now - last_drop_report_ < config_.drop_report_interval) {
    return;
  }
  reported_dropped_ = dropped;
  last_drop_report_ = now;
  listener_.on_dropped(counters);
}

}  // namespace rw::publish
