// rw::publish::Outbox: the drop policy (frames, then analytics, then events), exact counters,
// requeue order, byte bound, and waits that end on events or deadlines.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "rw/publish/outbox.hpp"

namespace {

using rw::publish::Counters;
using rw::publish::Item;
using rw::publish::Kind;
using rw::publish::Outbox;
using Clock = std::chrono::steady_clock;

Item item(Kind kind, const std::string &value) {
  return {kind, {"k", 0, {{"v", value}}}, 0};
}

std::vector<std::string> values(const std::vector<Item> &items) {
  std::vector<std::string> out;
  for (const Item &i : items) out.push_back(i.entry.fields.at(0).second);
  return out;
}

// Takes what is queued now, without waiting.
std::vector<Item> take_all(Outbox &outbox) {
  return outbox.take(1000, Clock::now());
}

void expect_counts(const Counters &c, Kind kind, std::uint64_t enqueued, std::uint64_t published,
                   std::uint64_t dropped, std::uint64_t queued, std::uint64_t in_flight) {
  SCOPED_TRACE(rw::publish::to_string(kind));
  EXPECT_EQ(c[kind].enqueued, enqueued);
  EXPECT_EQ(c[kind].published, published);
  EXPECT_EQ(c[kind].dropped, dropped);
  EXPECT_EQ(c[kind].queued, queued);
  EXPECT_EQ(c[kind].in_flight, in_flight);
}

Outbox::Limits items(std::size_t n) {
  return {n, std::size_t{1} << 30};
}

// Items come out in arrival order across kinds, and stay in flight until settled.
TEST(Outbox, TakesOldestFirstAcrossKinds) {
  Outbox outbox(items(10));
  outbox.push(item(Kind::kFrame, "f0"));
  outbox.push(item(Kind::kEvent, "e0"));
  outbox.push(item(Kind::kAnalytics, "a0"));
  outbox.push(item(Kind::kFrame, "f1"));
  EXPECT_EQ(values(outbox.take(3, Clock::now())), (std::vector<std::string>{"f0", "e0", "a0"}));
  expect_counts(outbox.counters(), Kind::kFrame, 2, 0, 0, 1, 1);
  outbox.settle(Kind::kFrame, true);
  outbox.settle(Kind::kEvent, false);
  outbox.settle(Kind::kAnalytics, true);
  const Counters c = outbox.counters();
  expect_counts(c, Kind::kFrame, 2, 1, 0, 1, 0);
  expect_counts(c, Kind::kEvent, 1, 0, 1, 0, 0);
  expect_counts(c, Kind::kAnalytics, 1, 1, 0, 0, 0);
}

// A full outbox gives up its oldest frame, even for a newer frame.
TEST(Outbox, FullDropsOldestFrameFirst) {
  Outbox outbox(items(3));
  outbox.push(item(Kind::kFrame, "f0"));
  outbox.push(item(Kind::kAnalytics, "a0"));
  outbox.push(item(Kind::kFrame, "f1"));
  outbox.push(item(Kind::kEvent, "e0"));  // drops f0
  outbox.push(item(Kind::kFrame, "f2"));  // drops f1
  const Counters c = outbox.counters();
  expect_counts(c, Kind::kFrame, 3, 0, 2, 1, 0);
  expect_counts(c, Kind::kAnalytics, 1, 0, 0, 1, 0);
  expect_counts(c, Kind::kEvent, 1, 0, 0, 1, 0);
  EXPECT_EQ(values(take_all(outbox)), (std::vector<std::string>{"a0", "e0", "f2"}));
}

// Without frames queued, a new frame is the one that goes; records stay.
TEST(Outbox, NewFrameDroppedWhenOnlyRecordsQueued) {
  Outbox outbox(items(2));
  outbox.push(item(Kind::kAnalytics, "a0"));
  outbox.push(item(Kind::kEvent, "e0"));
  outbox.push(item(Kind::kFrame, "f0"));
  expect_counts(outbox.counters(), Kind::kFrame, 1, 0, 1, 0, 0);
  EXPECT_EQ(values(take_all(outbox)), (std::vector<std::string>{"a0", "e0"}));
}

// Then the oldest analytics record, and an event only when the queue is all events.
TEST(Outbox, EventsDroppedLast) {
  Outbox outbox(items(3));
  outbox.push(item(Kind::kAnalytics, "a0"));
  outbox.push(item(Kind::kEvent, "e0"));
  outbox.push(item(Kind::kAnalytics, "a1"));
  outbox.push(item(Kind::kEvent, "e1"));  // drops a0
  outbox.push(item(Kind::kEvent, "e2"));  // drops a1
  Counters c = outbox.counters();
  expect_counts(c, Kind::kAnalytics, 2, 0, 2, 0, 0);
  expect_counts(c, Kind::kEvent, 3, 0, 0, 3, 0);
  outbox.push(item(Kind::kAnalytics, "a2"));  // all events: the new record goes
  outbox.push(item(Kind::kEvent, "e3"));      // all events: the oldest event goes
  c = outbox.counters();
  expect_counts(c, Kind::kAnalytics, 3, 0, 3, 0, 0);
  expect_counts(c, Kind::kEvent, 4, 0, 1, 3, 0);
  EXPECT_EQ(values(take_all(outbox)), (std::vector<std::string>{"e1", "e2", "e3"}));
}

// The byte bound applies the same order. An item larger than the whole bound is dropped on
// arrival instead of emptying the queue first.
TEST(Outbox, ByteBound) {
  // Each item is 1 (key) + 1 (field) + value bytes.
  Outbox outbox({100, 30});
  outbox.push(item(Kind::kEvent, std::string(8, 'e')));      // 10 bytes
  outbox.push(item(Kind::kFrame, std::string(8, 'f')));      // 20
  outbox.push(item(Kind::kAnalytics, std::string(8, 'a')));  // 30
  outbox.push(item(Kind::kAnalytics, std::string(3, 'b')));  // 35: the frame goes -> 25
  expect_counts(outbox.counters(), Kind::kFrame, 1, 0, 1, 0, 0);
  outbox.push(item(Kind::kEvent, std::string(29, 'x')));  // 31 bytes alone
  outbox.push(item(Kind::kEvent, std::string(9, 'y')));   // 36: the oldest record goes -> 26
  const Counters c = outbox.counters();
  expect_counts(c, Kind::kAnalytics, 2, 0, 1, 1, 0);
  expect_counts(c, Kind::kEvent, 3, 0, 1, 2, 0);
  EXPECT_EQ(values(take_all(outbox)),
            (std::vector<std::string>{std::string(8, 'e'), "bbb", std::string(9, 'y')}));
}

// Requeued items come back first, in their order, and can then be dropped like any other.
TEST(Outbox, RequeueGoesToTheHead) {
  Outbox outbox(items(3));
  outbox.push(item(Kind::kAnalytics, "a0"));
  outbox.push(item(Kind::kFrame, "f0"));
  std::vector<Item> taken = take_all(outbox);
  outbox.push(item(Kind::kAnalytics, "a1"));
  outbox.push(item(Kind::kFrame, "f1"));
  outbox.requeue(std::move(taken));  // 4 items in 3 places: f0 (oldest frame) goes
  const Counters c = outbox.counters();
  expect_counts(c, Kind::kFrame, 2, 0, 1, 1, 0);
  expect_counts(c, Kind::kAnalytics, 2, 0, 0, 2, 0);
  EXPECT_EQ(values(take_all(outbox)), (std::vector<std::string>{"a0", "a1", "f1"}));
}

TEST(Outbox, DropQueuedCountsEverything) {
  Outbox outbox(items(10));
  outbox.push(item(Kind::kFrame, "f0"));
  outbox.push(item(Kind::kEvent, "e0"));
  outbox.push(item(Kind::kEvent, "e1"));
  const std::vector<Item> in_flight = outbox.take(1, Clock::now());
  EXPECT_EQ(outbox.drop_queued(), 2u);
  const Counters c = outbox.counters();
  expect_counts(c, Kind::kFrame, 1, 0, 0, 0, 1);
  expect_counts(c, Kind::kEvent, 2, 0, 2, 0, 0);
}

// take() returns empty at its deadline, and at once after close().
TEST(Outbox, TakeEndsAtDeadlineOrClose) {
  Outbox outbox(items(10));
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(20);
  EXPECT_TRUE(outbox.take(5, deadline).empty());
  EXPECT_GE(Clock::now(), deadline);
  outbox.push(item(Kind::kEvent, "e0"));
  outbox.close();
  EXPECT_TRUE(outbox.take(5, Clock::now() + std::chrono::hours(1)).empty());
}

// A waiting take() wakes for an item pushed from another thread.
TEST(Outbox, TakeWakesOnPush) {
  Outbox outbox(items(10));
  std::thread producer([&] { outbox.push(item(Kind::kEvent, "e0")); });
  EXPECT_EQ(values(outbox.take(5, Clock::now() + std::chrono::seconds(30))),
            (std::vector<std::string>{"e0"}));
  producer.join();
}

// wait_idle() is true once everything is settled, false at the deadline or while flushing.
TEST(Outbox, WaitIdle) {
  Outbox outbox(items(10));
  EXPECT_TRUE(outbox.wait_idle(Clock::now()));
  outbox.push(item(Kind::kAnalytics, "a0"));
  EXPECT_FALSE(outbox.wait_idle(Clock::now() + std::chrono::milliseconds(10)));
  std::thread sender([&] {
    for (const Item &i : outbox.take(1, Clock::now() + std::chrono::seconds(30))) {
      outbox.settle(i.kind, true);
    }
  });
  EXPECT_TRUE(outbox.wait_idle(Clock::now() + std::chrono::seconds(30)));
  sender.join();
  outbox.push(item(Kind::kAnalytics, "a1"));
  outbox.set_flushing(true);
  EXPECT_FALSE(outbox.wait_idle(Clock::now() + std::chrono::hours(1)));
  outbox.set_flushing(false);
  EXPECT_EQ(outbox.drop_queued(), 1u);
  EXPECT_TRUE(outbox.wait_idle(Clock::now()));
}

// A producer and a sender that publishes, drops and requeues, concurrently: every item is
// accounted for exactly once.
TEST(Outbox, CountersBalanceUnderConcurrency) {
  constexpr int kPerKind = 3000;
  Outbox outbox(items(50));
  std::thread producer([&] {
    for (int i = 0; i < kPerKind; ++i) {
      for (Kind kind : rw::publish::kDropOrder) outbox.push(item(kind, std::to_string(i)));
    }
    outbox.close();
  });
  int round = 0;
  for (;;) {
    std::vector<Item> batch = outbox.take(7, Clock::now() + std::chrono::seconds(30));
    if (batch.empty()) break;
    if (++round % 5 == 0) {
      outbox.requeue(std::move(batch));
      continue;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) outbox.settle(batch[i].kind, i % 3 != 0);
  }
  producer.join();
  outbox.drop_queued();
  const Counters c = outbox.counters();
  for (Kind kind : rw::publish::kDropOrder) {
    SCOPED_TRACE(rw::publish::to_string(kind));
    EXPECT_EQ(c[kind].enqueued, std::uint64_t{kPerKind});
    EXPECT_EQ(c[kind].published + c[kind].dropped, std::uint64_t{kPerKind});
    EXPECT_EQ(c[kind].queued + c[kind].in_flight, 0u);
  }
}

}  // namespace
