// The per-client send policy under a simulated slow client: in-flight bytes never pass the
// bound, the newest frame wins, analytics stay complete and in order until the FIFO is full.

#include "ws/client_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ws/wire.hpp"

namespace rw::server {
namespace {

const Channel kFrames3{ChannelKind::kFrames, 3};
const Channel kFrames4{ChannelKind::kFrames, 4};

OutMessage message(std::string text, bool binary = false) {
  return {std::make_shared<const std::string>(std::move(text)), binary};
}

OutMessage frame(char tag, std::size_t bytes = 50'000) {
  return message(std::string(bytes, tag), true);
}

// A socket that takes `drain_bytes` per tick from what was handed over.
struct SlowClient {
  explicit SlowClient(std::size_t drain) : drain_bytes(drain) {}
  std::size_t drain_bytes;
  std::size_t in_flight = 0;
  std::size_t peak_in_flight = 0;
  std::vector<std::string> received;

  void pump(ClientQueue &queue) {
    while (auto next = queue.next(in_flight)) {
      in_flight += next->wire_bytes();
      peak_in_flight = std::max(peak_in_flight, in_flight);
      received.push_back(*next->payload);
    }
  }
  void tick() { in_flight -= std::min(in_flight, drain_bytes); }
};

TEST(ClientQueue, WireBytesIncludeTheFrameHeader) {
  EXPECT_EQ(message("").wire_bytes(), 2u);
  EXPECT_EQ(message(std::string(125, 'a')).wire_bytes(), 127u);
  EXPECT_EQ(message(std::string(126, 'a')).wire_bytes(), 130u);
  EXPECT_EQ(message(std::string(65536, 'a')).wire_bytes(), 65546u);
}

TEST(ClientQueue, NewerFrameReplacesTheUnsentOne) {
  ClientQueue queue({.max_in_flight_bytes = 100'000});
  queue.push_frame(kFrames3, frame('a'));
  queue.push_frame(kFrames3, frame('b'));
  queue.push_frame(kFrames3, frame('c'));
  EXPECT_EQ(queue.frames_replaced(), 2u);
  const auto first = queue.next(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload->front(), 'c');
  EXPECT_FALSE(queue.next(0));
  EXPECT_TRUE(queue.empty());
}

TEST(ClientQueue, AnalyticsAndControlGoFirstInOrder) {
  ClientQueue queue({});
  queue.push_frame(kFrames3, frame('f'));
  ASSERT_TRUE(queue.push(message("ack")));
  ASSERT_TRUE(queue.push(message("a1")));
  ASSERT_TRUE(queue.push(message("a2")));
  EXPECT_EQ(*queue.next(0)->payload, "ack");
  EXPECT_EQ(*queue.next(0)->payload, "a1");
  EXPECT_EQ(*queue.next(0)->payload, "a2");
  EXPECT_EQ(queue.next(0)->payload->front(), 'f');
}

TEST(ClientQueue, FrameChannelsTakeTurns) {
  ClientQueue queue({});
  std::string order;
  for (int round = 0; round < 3; ++round) {
    queue.push_frame(kFrames3, frame('3', 10));
    queue.push_frame(kFrames4, frame('4', 10));
    order += queue.next(0)->payload->front();  // one per round: the other waits
  }
  order += queue.next(0)->payload->front();
  EXPECT_EQ(order, "3434");
}

TEST(ClientQueue, NothingGoesPastTheInFlightBound) {
  ClientQueue queue({.max_in_flight_bytes = 120'000});
  queue.push_frame(kFrames3, frame('a'));
  ASSERT_TRUE(queue.next(0));
  EXPECT_FALSE(queue.next(50'004));  // nothing waits
  queue.push_frame(kFrames3, frame('b'));
  EXPECT_TRUE(queue.next(50'004));  // 100'008 <= 120'000
  queue.push_frame(kFrames3, frame('c'));
  EXPECT_FALSE(queue.next(100'008));  // would be 150'012
  EXPECT_TRUE(queue.next(0));
  queue.push_frame(kFrames3, frame('d', 500'000));  // bigger than the bound: alone
  EXPECT_FALSE(queue.next(1));
  EXPECT_TRUE(queue.next(0));
}

TEST(ClientQueue, FullFifoIsASlowConsumer) {
  ClientQueue queue({.max_queued_messages = 3, .max_queued_bytes = 1000});
  EXPECT_TRUE(queue.push(message("1")));
  EXPECT_TRUE(queue.push(message("2")));
  EXPECT_TRUE(queue.push(message("3")));
  EXPECT_FALSE(queue.push(message("4")));
  EXPECT_EQ(queue.queued_messages(), 3u);
  EXPECT_EQ(queue.queued_bytes(), 9u);

  ClientQueue by_bytes({.max_queued_messages = 100, .max_queued_bytes = 250});
  EXPECT_TRUE(by_bytes.push(message(std::string(120, 'x'))));   // 122 wire bytes
  EXPECT_FALSE(by_bytes.push(message(std::string(127, 'x'))));  // 122 + 131 > 250
  EXPECT_TRUE(by_bytes.push(message(std::string(100, 'x'))));   // 224
}

TEST(ClientQueue, DroppedChannelLosesItsUnsentFrame) {
  ClientQueue queue({});
  queue.push_frame(kFrames3, frame('a'));
  queue.push_frame(kFrames4, frame('b'));
  queue.drop_frame(kFrames3);
  EXPECT_EQ(queue.next(0)->payload->front(), 'b');
  EXPECT_FALSE(queue.next(0));
}

// 500 frames of ~50 KB and 300 analytics against a client draining 20 KB per frame interval:
// in flight stays within 1 MiB, the queue within one frame plus the FIFO bound, the client
// sees only increasing frames, every analytics message in order, and the FIFO overflows only
// when the client drains nothing.
TEST(ClientQueue, SimulatedSlowClientStaysWithinTheBound) {
  const ClientQueueLimits limits{
      .max_in_flight_bytes = 1 << 20, .max_queued_messages = 256, .max_queued_bytes = 4 << 20};
  ClientQueue queue(limits);
  SlowClient client(20'000);
  std::size_t analytics_sent = 0;
  for (int i = 0; i < 500; ++i) {
    queue.push_frame(kFrames3,
                     message("F" + std::to_string(1000 + i) + std::string(50'000, 'j'), true));
    if (i % 5 < 3) {  // 300 analytics
      ASSERT_TRUE(queue.push(message("A" + std::to_string(1000 + analytics_sent++))));
    }
    client.pump(queue);
    client.tick();
    EXPECT_LE(queue.queued_bytes(), limits.max_queued_bytes);
  }
  EXPECT_LE(client.peak_in_flight, limits.max_in_flight_bytes);
  EXPECT_GT(queue.frames_replaced(), 0u);

  std::vector<int> frames;
  std::vector<int> analytics;
  for (const std::string &m : client.received) {
    (m[0] == 'F' ? frames : analytics).push_back(std::stoi(m.substr(1, 4)));
  }
  EXPECT_TRUE(std::is_sorted(frames.begin(), frames.end()));
  EXPECT_EQ(std::adjacent_find(frames.begin(), frames.end()), frames.end());  // no repeats
  EXPECT_LT(frames.size(), 500u);
  ASSERT_EQ(analytics.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(analytics[i], 1000 + i);

  // Now it stops reading: frames keep being replaced, analytics fill the FIFO, then overflow.
  SlowClient stuck(0);
  stuck.in_flight = limits.max_in_flight_bytes;
  int accepted = 0;
  bool overflow = false;
  for (int i = 0; i < 300 && !overflow; ++i) {
    queue.push_frame(kFrames3, frame('z'));
    overflow = !queue.push(message("late"));
    if (!overflow) ++accepted;
    stuck.pump(queue);
  }
  EXPECT_TRUE(overflow);
  EXPECT_EQ(accepted, 256);
  EXPECT_TRUE(stuck.received.empty());
}

}  // namespace
}  // namespace rw::server
