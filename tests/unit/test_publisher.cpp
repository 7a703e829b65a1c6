// rw::publish::Publisher over a scripted connection: order, outages and reconnects, one resend
// of entries whose reply was lost, rejected entries, and counters that always balance.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "rw/publish/publisher.hpp"

namespace {

using rw::publish::BatchResult;
using rw::publish::Counters;
using rw::publish::Item;
using rw::publish::Kind;
using rw::publish::Outcome;
using rw::publish::Publisher;
using rw::publish::StreamEntry;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Clock::time_point soon() {
  return Clock::now() + std::chrono::seconds(30);
}

// What the fake server does and saw; shared with the test, under its mutex.
struct Script {
  std::mutex mutex;
  bool up = true;
  int lossy_appends = 0;                // the next N appends lose the connection...
  std::size_t replies_before_loss = 0;  // ...after this many replies
  std::set<std::string> rejected_keys;
  std::vector<std::string> added;  // the `v` field of each entry added, in order
  std::vector<std::size_t> batch_sizes;
  int connects = 0;
};

class FakeConnection : public rw::publish::Connection {
 public:
  explicit FakeConnection(Script &script) : script_(script) {}

  bool connect(std::string &error) override {
    std::lock_guard lock(script_.mutex);
    if (!script_.up) {
      error = "Connection refused";
      return false;
    }
    ++script_.connects;
    connected_ = true;
    return true;
  }
  bool connected() const override { return connected_; }

  BatchResult append(std::span<const StreamEntry *const> entries) override {
    std::lock_guard lock(script_.mutex);
    script_.batch_sizes.push_back(entries.size());
    BatchResult result;
    result.outcomes.assign(entries.size(), Outcome::kUnknown);
    const bool lossy = script_.lossy_appends > 0;
    if (lossy) --script_.lossy_appends;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (lossy && i == script_.replies_before_loss) {
        result.error = "Connection reset by peer";
        connected_ = false;
        break;
      }
      if (script_.rejected_keys.count(entries[i]->key) != 0) {
        result.outcomes[i] = Outcome::kRejected;
        result.error = "WRONGTYPE";
        continue;
      }
      result.outcomes[i] = Outcome::kAdded;
      script_.added.push_back(entries[i]->fields.at(0).second);
    }
    return result;
  }

 private:
  Script &script_;
  bool connected_ = false;  // sender thread only
};

class RecordingListener : public rw::publish::PublisherListener {
 public:
  void on_connected(bool after_outage) override {
    record([&] { connected.push_back(after_outage); });
  }
  void on_outage(const std::string &error) override {
    record([&] { outages.push_back(error); });
  }
  void on_retry(const std::string &, milliseconds) override {
    record([&] { ++retries; });
  }
  void on_rejected(const std::string &error, std::size_t entries) override {
    record([&] { rejected.emplace_back(error, entries); });
  }
  void on_dropped(const Counters &) override {
    record([&] { ++drop_reports; });
  }

  // Waits until `done` holds (checked under the lock), for at most 30 s.
  bool wait(const std::function<bool()> &done) {
    std::unique_lock lock(mutex_);
    return cv_.wait_until(lock, soon(), done);
  }
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

  std::vector<bool> connected;
  std::vector<std::string> outages;
  int retries = 0;
  std::vector<std::pair<std::string, std::size_t>> rejected;
  int drop_reports = 0;

 private:
  void record(const std::function<void()> &change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
};

Item item(Kind kind, const std::string &value, const std::string &key = "k") {
  return {kind, {key, 10, {{"v", value}}}, 0};
}

class PublisherTest : public testing::Test {
 protected:
  void make(std::size_t max_items = 100) {
    rw::publish::PublisherConfig config;
    config.limits = {max_items, std::size_t{1} << 20};
    config.backoff = {milliseconds(1), milliseconds(2), 0.0};
    publisher_ =
        std::make_unique<Publisher>(std::make_unique<FakeConnection>(script_), config, listener_);
  }
  void TearDown() override { publisher_.reset(); }

  std::vector<std::string> added() {
    std::lock_guard lock(script_.mutex);
    return script_.added;
  }

  Script script_;
  RecordingListener listener_;
  std::unique_ptr<Publisher> publisher_;
};

void expect_balanced(const Counters &c) {
  for (Kind kind : rw::publish::kDropOrder) {
    const auto &k = c[kind];
    EXPECT_EQ(k.enqueued, k.published + k.dropped + k.queued + k.in_flight)
        << rw::publish::to_string(kind);
  }
}

// With Redis up, everything arrives in order and is counted as published.
TEST_F(PublisherTest, PublishesInOrder) {
  make();
  publisher_->start();
  for (int i = 0; i < 5; ++i) publisher_->publish(item(Kind::kAnalytics, "a" + std::to_string(i)));
  publisher_->publish(item(Kind::kEvent, "e0"));
  publisher_->publish(item(Kind::kFrame, "f0"));
  ASSERT_TRUE(publisher_->drain(soon()));
  EXPECT_EQ(added(), (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4", "e0", "f0"}));
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kAnalytics].published, 5u);
  EXPECT_EQ(c[Kind::kEvent].published, 1u);
  EXPECT_EQ(c[Kind::kFrame].published, 1u);
  EXPECT_EQ(c.total_dropped(), 0u);
  EXPECT_TRUE(publisher_->connected());
  auto lock = listener_.lock();
  EXPECT_EQ(listener_.connected, std::vector<bool>{false});
  EXPECT_TRUE(listener_.outages.empty());
}

// Down at start: one outage report however many attempts fail, the queue keeps records over
// frames, and everything left goes out once Redis is back.
TEST_F(PublisherTest, DownAtStartThenBack) {
  script_.up = false;
  make(4);
  publisher_->start();
  ASSERT_TRUE(listener_.wait([&] { return listener_.retries >= 3; }));
  for (const char *v : {"f0", "a0", "f1", "e0", "a1", "e1"}) {
    publisher_->publish(item(v[0] == 'f'   ? Kind::kFrame
                             : v[0] == 'a' ? Kind::kAnalytics
                                           : Kind::kEvent,
                             v));
  }
  Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kFrame].dropped, 2u);
  EXPECT_EQ(c[Kind::kAnalytics].queued, 2u);
  EXPECT_EQ(c[Kind::kEvent].queued, 2u);
  EXPECT_FALSE(publisher_->drain(Clock::now() + milliseconds(20)));
  EXPECT_FALSE(publisher_->connected());
  {
    std::lock_guard lock(script_.mutex);
    script_.up = true;
  }
  ASSERT_TRUE(publisher_->drain(soon()));
  EXPECT_EQ(added(), (std::vector<std::string>{"a0", "e0", "a1", "e1"}));
  c = publisher_->counters();
  EXPECT_EQ(c[Kind::kAnalytics].published, 2u);
  EXPECT_EQ(c[Kind::kEvent].published, 2u);
  EXPECT_EQ(c[Kind::kFrame].published, 0u);
  EXPECT_EQ(c[Kind::kFrame].dropped, 2u);
  ASSERT_TRUE(listener_.wait([&] { return !listener_.connected.empty(); }));
  auto lock = listener_.lock();
  EXPECT_EQ(listener_.outages, std::vector<std::string>{"Connection refused"});
  EXPECT_EQ(listener_.connected, std::vector<bool>{true});
}

// Entries whose replies were lost with the connection are sent again after the reconnect.
TEST_F(PublisherTest, LostRepliesAreSentOnceMore) {
  script_.lossy_appends = 1;
  script_.replies_before_loss = 1;
  make();
  for (const char *v : {"a0", "a1", "a2"}) publisher_->publish(item(Kind::kAnalytics, v));
  publisher_->start();
  ASSERT_TRUE(publisher_->drain(soon()));
  EXPECT_EQ(added(), (std::vector<std::string>{"a0", "a1", "a2"}));
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kAnalytics].published, 3u);
  EXPECT_EQ(c[Kind::kAnalytics].dropped, 0u);
  std::lock_guard lock(script_.mutex);
  EXPECT_EQ(script_.connects, 2);
  EXPECT_EQ(script_.batch_sizes, (std::vector<std::size_t>{3, 2}));
}

// Lost a second time, they are dropped: the publisher never loops on one entry.
TEST_F(PublisherTest, LostTwiceIsDropped) {
  script_.lossy_appends = 1000;
  make();
  publisher_->publish(item(Kind::kEvent, "e0"));
  publisher_->publish(item(Kind::kAnalytics, "a0"));
  publisher_->start();
  ASSERT_TRUE(publisher_->drain(soon()));
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kEvent].dropped, 1u);
  EXPECT_EQ(c[Kind::kAnalytics].dropped, 1u);
  EXPECT_EQ(c[Kind::kEvent].published + c[Kind::kAnalytics].published, 0u);
  std::lock_guard lock(script_.mutex);
  EXPECT_EQ(script_.batch_sizes, (std::vector<std::size_t>{2, 2}));
}

// An entry Redis refuses is dropped at once and reported; the rest go through.
TEST_F(PublisherTest, RejectedEntriesAreDropped) {
  script_.rejected_keys = {"bad"};
  make();
  publisher_->publish(item(Kind::kAnalytics, "a0"));
  publisher_->publish(item(Kind::kAnalytics, "a1", "bad"));
  publisher_->publish(item(Kind::kAnalytics, "a2"));
  publisher_->start();
  ASSERT_TRUE(publisher_->drain(soon()));
  EXPECT_EQ(added(), (std::vector<std::string>{"a0", "a2"}));
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kAnalytics].published, 2u);
  EXPECT_EQ(c[Kind::kAnalytics].dropped, 1u);
  ASSERT_TRUE(listener_.wait([&] { return !listener_.rejected.empty(); }));
  auto lock = listener_.lock();
  EXPECT_EQ(listener_.rejected.at(0), (std::pair<std::string, std::size_t>{"WRONGTYPE", 1}));
}

// Whatever is still queued at stop() is counted as dropped: enqueued = published + dropped.
TEST_F(PublisherTest, StopCountsLeftoversAsDropped) {
  script_.up = false;
  make();
  publisher_->start();
  for (int i = 0; i < 3; ++i) publisher_->publish(item(Kind::kEvent, std::to_string(i)));
  publisher_->publish(item(Kind::kFrame, "f"));
  publisher_->stop();
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kEvent].enqueued, 3u);
  EXPECT_EQ(c[Kind::kEvent].dropped, 3u);
  EXPECT_EQ(c[Kind::kFrame].dropped, 1u);
  expect_balanced(c);
  EXPECT_EQ(c[Kind::kEvent].queued + c[Kind::kEvent].in_flight, 0u);
}

// drop_queued() (EOS after drain-timeout) gives up on the queue but keeps running.
TEST_F(PublisherTest, DropQueuedThenCarriesOn) {
  script_.up = false;
  make();
  publisher_->start();
  publisher_->publish(item(Kind::kAnalytics, "old"));
  EXPECT_EQ(publisher_->drop_queued(), 1u);
  {
    std::lock_guard lock(script_.mutex);
    script_.up = true;
  }
  publisher_->publish(item(Kind::kAnalytics, "new"));
  ASSERT_TRUE(publisher_->drain(soon()));
  EXPECT_EQ(added(), std::vector<std::string>{"new"});
  const Counters c = publisher_->counters();
  EXPECT_EQ(c[Kind::kAnalytics].published, 1u);
  EXPECT_EQ(c[Kind::kAnalytics].dropped, 1u);
}

}  // namespace
