// The subscription registry: both directions kept in step, counts, and the seed status JSON.

#include "ws/subscriptions.hpp"

#include <gtest/gtest.h>

namespace rw::server {
namespace {

using nlohmann::json;

const Channel kFrames3{ChannelKind::kFrames, 3};
const Channel kAnalytics3{ChannelKind::kAnalytics, 3};
const Channel kFrames4{ChannelKind::kFrames, 4};

TEST(Subscriptions, SubscribeUnsubscribeAndCounts) {
  Subscriptions subs;
  EXPECT_TRUE(subs.subscribe(1, kFrames3, FrameEncoding::kBinary));
  EXPECT_FALSE(subs.subscribe(1, kFrames3, FrameEncoding::kBase64));  // repeat: encoding only
  EXPECT_TRUE(subs.subscribe(2, kFrames3, FrameEncoding::kBinary));
  EXPECT_TRUE(subs.subscribe(2, kAnalytics3, FrameEncoding::kBinary));

  EXPECT_EQ(subs.subscriber_count(kFrames3), 2u);
  EXPECT_EQ(subs.subscriber_count(kAnalytics3), 1u);
  EXPECT_EQ(subs.subscriber_count(kFrames4), 0u);
  EXPECT_EQ(subs.subscribers(kFrames3).at(1), FrameEncoding::kBase64);
  EXPECT_EQ(subs.channel_count(2), 2u);
  EXPECT_EQ(subs.channels(), (std::vector<Channel>{kFrames3, kAnalytics3}));

  EXPECT_TRUE(subs.unsubscribe(1, kFrames3));
  EXPECT_FALSE(subs.unsubscribe(1, kFrames3));
  EXPECT_FALSE(subs.unsubscribe(9, kFrames3));
  EXPECT_EQ(subs.subscriber_count(kFrames3), 1u);
  EXPECT_EQ(subs.channel_count(1), 0u);
}

TEST(Subscriptions, RemovingAClientLeavesNoEmptyChannel) {
  Subscriptions subs;
  ASSERT_TRUE(subs.subscribe(1, kFrames3, FrameEncoding::kBinary));
  ASSERT_TRUE(subs.subscribe(1, kAnalytics3, FrameEncoding::kBinary));
  ASSERT_TRUE(subs.subscribe(2, kAnalytics3, FrameEncoding::kBinary));
  EXPECT_EQ(subs.remove_client(1), (std::vector<Channel>{kFrames3, kAnalytics3}));
  EXPECT_EQ(subs.channels(), (std::vector<Channel>{kAnalytics3}));
  EXPECT_TRUE(subs.subscribers(kFrames3).empty());
  EXPECT_TRUE(subs.remove_client(1).empty());
}

TEST(Subscriptions, StatusJsonIsTheSeedFormat) {
  Subscriptions subs;
  ASSERT_TRUE(subs.subscribe(1, kFrames3, FrameEncoding::kBinary));
  ASSERT_TRUE(subs.subscribe(2, kFrames3, FrameEncoding::kBase64));
  ASSERT_TRUE(subs.subscribe(3, kAnalytics3, FrameEncoding::kBinary));
  EXPECT_EQ(subs.status_json(4, {3}), json::parse(R"({
    "channels": {
      "processed_frame_3": {"subscriber_count": 2, "video_id": 3},
      "analytics_metrics_3": {"subscriber_count": 1, "video_id": 3}
    },
    "total_clients": 4,
    "active_streams": [3]})"));
  EXPECT_EQ(Subscriptions().status_json(0, {}),
            json::parse(R"({"channels":{},"total_clients":0,"active_streams":[]})"));
}

}  // namespace
}  // namespace rw::server
