// WsHub end to end, in process: a SoupServer on a free port, a real redis-server, libsoup and
// raw-socket clients, all on the default GMainContext.

#include "ws/ws_hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "redis_server.h"
#include "run_until.hpp"
#include "rw/control/redis_client.hpp"
#include "ws/analytics_message.hpp"
#include "ws/frame_message.hpp"
#include "ws_test_clients.hpp"

namespace rw::server {
namespace {

using nlohmann::json;
using rw::test::RawClient;
using rw::test::run_until;
using rw::test::SoupClient;
using rw::test::WsMessage;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout{10000};

json record(std::uint64_t frame_number) {
  return {
      {"schema", "roadwatch/1"},
      {"source_id", "3"},
      {"frame_number", frame_number},
      {"pts_ns", frame_number * 40'000'000},
      {"ts_unix_ms", 1'712'345'678'901 + frame_number},
      {"frame_size", {{"w", 640}, {"h", 480}}},
      {"objects",
       {{{"track_id", 5},
         {"class_id", 2},
         {"label", "car"},
         {"confidence", 0.9},
         {"bbox", {{"x", 0.25}, {"y", 0.5}, {"w", 0.125}, {"h", 0.25}}},
         {"speed_kmh", 72.5},
         {"zones", {"road"}}}}},
      {"stats",
       {{"total_vehicles", 1},
        {"current_in_roi", 1},
        {"speeding_count", 1},
        {"by_class", {{"car", 1}}},
        {"line_counts", json::object()}}},
      {"events", json::array()},
  };
}

std::string jpeg_bytes(std::size_t size) {
  std::string bytes = "\xFF\xD8";
  for (std::size_t i = 0; bytes.size() < size - 2; ++i) bytes.push_back(static_cast<char>(i));
  return bytes + "\xFF\xD9";
}

std::vector<json> texts(const std::vector<WsMessage> &messages) {
  std::vector<json> out;
  for (const WsMessage &m : messages) {
    if (m.opcode == 0x1) out.push_back(json::parse(m.payload));
  }
  return out;
}

// The value of one series in the Prometheus text, 0 when absent.
double metric(const Metrics &metrics, const std::string &series) {
  const std::string text = metrics.render();
  const std::size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

class WsHubTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.start()) << redis_.error();
    endpoint_.port = redis_.port();
    std::string error;
    ASSERT_TRUE(publisher_.connect(error)) << error;
  }

  void TearDown() override {
    hub_.reset();
    if (server_ != nullptr) {
      soup_server_disconnect(server_);
      g_object_unref(server_);
    }
  }

  WsHubConfig config() const {
    WsHubConfig c;
    c.redis = endpoint_;
    return c;
  }

  void start(WsHubConfig c) {
    server_ = soup_server_new(nullptr, nullptr);
    GError *error = nullptr;
    ASSERT_TRUE(soup_server_listen_local(server_, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
        << error->message;
    GSList *uris = soup_server_get_uris(server_);
    port_ = g_uri_get_port(static_cast<GUri *>(uris->data));
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
    hub_ = std::make_unique<WsHub>(server_, std::move(c), metrics_);
  }

  // XADD; returns the entry id.
  std::string xadd(const std::string &key, const std::vector<std::string> &fields) {
    std::vector<std::string> argv = {"XADD", key, "*"};
    argv.insert(argv.end(), fields.begin(), fields.end());
    std::string error;
    const auto reply = publisher_.run(argv, error);
    EXPECT_TRUE(reply) << error;
    return reply ? reply->text : "";
  }

  std::string get(const std::string &key) {
    std::string error;
    const auto reply = publisher_.run(std::vector<std::string>{"GET", key}, error);
    return reply && reply->type == rw::control::Reply::Type::kString ? reply->text : "(nil)";
  }

  bool wait(const std::function<bool()> &done) { return run_until(context_, done, kTimeout); }

  // Subscribes and waits for the ack.
  void subscribe(SoupClient &client, const std::string &channel, const char *encoding = nullptr) {
    json message = {{"action", "subscribe"}, {"channel", channel}};
    if (encoding != nullptr) message["encoding"] = encoding;
    const std::size_t acks = client.count("subscription_ack");
    client.send(message.dump());
    ASSERT_TRUE(wait([&] { return client.count("subscription_ack") > acks; }));
  }

  rw::test::RedisServer redis_;
  rw::publish::RedisEndpoint endpoint_;
  rw::control::RedisClient publisher_{[this] {
    rw::publish::RedisEndpoint e;
    e.port = redis_.port();
    return e;
  }()};
  GMainContext *context_ = g_main_context_default();
  Metrics metrics_;
  SoupServer *server_ = nullptr;
  int port_ = 0;
  std::unique_ptr<WsHub> hub_;
};

TEST_F(WsHubTest, SubscribeIsAcknowledgedAndCounted) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected()) << client.error();
  subscribe(client, "processed_frame_3");
  subscribe(client, "analytics_metrics_3");
  const auto all = texts(client.messages);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], json::parse(R"({"type":"subscription_ack","channel":"processed_frame_3",
                                     "status":"subscribed"})"));
  EXPECT_EQ(all[1]["channel"], "analytics_metrics_3");
  EXPECT_EQ(hub_->client_count(), 1u);
  EXPECT_EQ(hub_->status_json(), json::parse(R"({"channels":{
      "processed_frame_3":{"subscriber_count":1,"video_id":3},
      "analytics_metrics_3":{"subscriber_count":1,"video_id":3}},
      "total_clients":1,"active_streams":[]})"));
}

TEST_F(WsHubTest, AnalyticsEntryArrivesAsTheAnalyticsMessage) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected()) << client.error();
  subscribe(client, "analytics_metrics_3");
  xadd("roadwatch:3:analytics", {"json", record(42).dump()});
  ASSERT_TRUE(wait([&] { return client.count("analytics") == 1; }));
  const json got = texts(client.messages).back();
  EXPECT_EQ(got, json::parse(analytics_message(record(42), 3)));
  EXPECT_EQ(got["data"]["speeding_vehicles"][0]["bbox"],
            json::parse(R"({"x1":160,"y1":240,"x2":240,"y2":360})"));
}

TEST_F(WsHubTest, FrameEntryArrivesAsBinaryWithTheSameJpeg) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected()) << client.error();
  subscribe(client, "processed_frame_3");
  const std::string jpeg = jpeg_bytes(50'000);
  const std::string id =
      xadd("roadwatch:3:frames", {"frame_number", "7", "pts_ns", "280000000", "jpeg", jpeg});
  ASSERT_TRUE(wait([&] {
    return std::any_of(client.messages.begin(), client.messages.end(),
                       [](const WsMessage &m) { return m.opcode == 0x2; });
  }));
  const WsMessage &binary = client.messages.back();
  const auto frame = rw::test::decode_binary_frame(binary.payload);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->jpeg, jpeg);
  const json header = json::parse(frame->header);
  EXPECT_EQ(header["type"], "frame");
  EXPECT_EQ(header["channel"], "processed_frame_3");
  EXPECT_EQ(header["video_id"], 3);
  EXPECT_EQ(header["frame_number"], 7);
  EXPECT_EQ(header["pts_ns"], 280000000);
  EXPECT_EQ(header["timestamp"], std::stoll(id.substr(0, id.find('-'))));
}

TEST_F(WsHubTest, Base64SubscriberGetsTheSeedTextFrame) {
  start(config());
  SoupClient seed(context_, port_, "/ws/client/stream");
  SoupClient modern(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(seed.connected() && modern.connected());
  subscribe(seed, "processed_frame_3", "base64");
  subscribe(modern, "processed_frame_3");
  const std::string jpeg = jpeg_bytes(3000);
  xadd("roadwatch:3:frames", {"frame_number", "8", "jpeg", jpeg});
  ASSERT_TRUE(wait([&] { return seed.count("frame") == 1; }));
  const json frame = texts(seed.messages).back();
  EXPECT_EQ(frame["data"]["video_id"], 3);
  EXPECT_EQ(frame["data"]["frame_number"], 8);
  EXPECT_EQ(frame["data"]["processed_frame"], "data:image/jpeg;base64," + base64_encode(jpeg));
  EXPECT_EQ(frame["data"]["end_of_stream"], false);
  ASSERT_TRUE(wait([&] { return modern.messages.back().opcode == 0x2; }));
  EXPECT_EQ(rw::test::decode_binary_frame(modern.messages.back().payload)->jpeg, jpeg);
}

TEST_F(WsHubTest, UnsubscribeStopsDelivery) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  subscribe(client, "analytics_metrics_3");
  subscribe(client, "analytics_metrics_4");
  client.send(R"({"action":"unsubscribe","channel":"analytics_metrics_3"})");
  ASSERT_TRUE(wait([&] {
    const auto all = texts(client.messages);
    return all.back()["type"] == "subscription_ack" && all.back()["status"] == "unsubscribed";
  }));
  xadd("roadwatch:3:analytics", {"json", record(1).dump()});
  xadd("roadwatch:4:analytics", {"json", record(2).dump()});
  ASSERT_TRUE(wait([&] { return client.count("analytics") == 1; }));
  EXPECT_EQ(texts(client.messages).back()["channel"], "analytics_metrics_4");
  EXPECT_EQ(hub_->status_json()["channels"].size(), 1u);
}

TEST_F(WsHubTest, BadEntriesAreSkippedAndCounted) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  subscribe(client, "analytics_metrics_3");
  subscribe(client, "processed_frame_3");
  xadd("roadwatch:3:analytics", {"json", "{not json"});
  xadd("roadwatch:3:analytics", {"json", R"({"frame_number":1})"});  // no frame_size ...
  xadd("roadwatch:3:analytics", {"other", "x"});
  xadd("roadwatch:3:frames", {"frame_number", "x1", "jpeg", "j"});
  xadd("roadwatch:3:frames", {"frame_number", "2"});  // no jpeg
  xadd("roadwatch:3:analytics", {"json", record(9).dump()});
  ASSERT_TRUE(wait([&] { return client.count("analytics") == 1; }));
  EXPECT_EQ(texts(client.messages).back()["data"]["frame_number"], 9);
  EXPECT_EQ(metric(metrics_, "rw_ws_invalid_entries_total"), 5);
  EXPECT_FALSE(client.closed());
}

TEST_F(WsHubTest, ReadingResumesAfterRedisRestarts) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  subscribe(client, "analytics_metrics_3");
  xadd("roadwatch:3:analytics", {"json", record(1).dump()});
  ASSERT_TRUE(wait([&] { return client.count("analytics") == 1; }));

  redis_.kill();
  ASSERT_TRUE(redis_.start()) << redis_.error();  // empty: no persistence
  std::string error;
  ASSERT_TRUE(publisher_.connect(error)) << error;
  // Entries keep coming until the hub's reader is back (it reconnects with backoff).
  std::uint64_t frame_number = 2;
  ASSERT_TRUE(wait([&] {
    xadd("roadwatch:3:analytics", {"json", record(frame_number++).dump()});
    return client.count("analytics") >= 2;
  }));
  EXPECT_FALSE(client.closed());
}

TEST_F(WsHubTest, BadMessagesGetErrorsAndTheConnectionStays) {
  start(config());
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  client.send("{not json");
  client.send(R"({"action":"publish"})");
  client.send(R"({"action":"subscribe","channel":"video_3"})");
  client.send_binary("\x01\x02");
  client.send(R"({"action":"ping"})");
  ASSERT_TRUE(wait([&] { return client.messages.size() == 5; }));
  const auto all = texts(client.messages);
  EXPECT_EQ(all[0]["code"], "invalid_json");
  EXPECT_EQ(all[1]["code"], "unknown_action");
  EXPECT_EQ(all[2]["code"], "invalid_channel");
  EXPECT_EQ(all[3]["code"], "invalid_message");
  EXPECT_EQ(all[4], json::parse(R"({"type":"pong"})"));
  EXPECT_FALSE(client.closed());
}

TEST_F(WsHubTest, OversizeMessageClosesTheConnection) {
  WsHubConfig c = config();
  c.max_incoming_bytes = 1024;
  start(c);
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  client.send(R"({"action":"ping","pad":")" + std::string(2000, 'x') + "\"}");
  // libsoup drops such a connection at once, without a close frame.
  ASSERT_TRUE(wait([&] { return client.closed(); }));
  EXPECT_EQ(client.count("pong"), 0u);
  ASSERT_TRUE(wait([&] { return hub_->client_count() == 0; }));
}

TEST_F(WsHubTest, OriginOutsideTheAllowListGets403) {
  WsHubConfig c = config();
  c.origin_allowed = [](std::string_view origin) { return origin == "http://good.example"; };
  start(c);
  SoupClient evil(context_, port_, "/ws/client/stream", "http://evil.example");
  EXPECT_FALSE(evil.connected());
  EXPECT_EQ(evil.http_status(), 403u);
  SoupClient good(context_, port_, "/ws/client/stream", "http://good.example");
  EXPECT_TRUE(good.connected()) << good.error();
  SoupClient no_origin(context_, port_, "/ws/client/stream");  // not a browser
  EXPECT_TRUE(no_origin.connected()) << no_origin.error();
  EXPECT_EQ(metric(metrics_, R"(rw_ws_rejected_total{reason="origin"})"), 1);
}

class WsHubAuthTest : public WsHubTest {
 protected:
  void SetUp() override {
    WsHubTest::SetUp();
    WsHubConfig c = config();
    c.auth_required = true;
    c.auth_timeout = std::chrono::seconds(1);
    c.token_allows_viewing = [](std::string_view token) { return token == "viewer-token"; };
    start(c);
  }
};

TEST_F(WsHubAuthTest, NoTokenNoAuthMessageIsClosed) {
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(wait([&] { return client.closed(); }));
  EXPECT_EQ(client.close_code(), SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  ASSERT_EQ(client.count("error"), 1u);
  EXPECT_EQ(texts(client.messages)[0]["code"], "unauthorized");
}

TEST_F(WsHubAuthTest, SubscribeBeforeAuthIsClosed) {
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  client.send(R"({"action":"subscribe","channel":"processed_frame_3"})");
  ASSERT_TRUE(wait([&] { return client.closed(); }));
  EXPECT_EQ(client.close_code(), SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  EXPECT_EQ(client.count("subscription_ack"), 0u);
}

TEST_F(WsHubAuthTest, TokenInQueryOrFirstMessageLetsIn) {
  SoupClient query(context_, port_, "/ws/client/stream?token=viewer-token");
  ASSERT_TRUE(query.connected());
  subscribe(query, "analytics_metrics_3");

  SoupClient message(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(message.connected());
  message.send(R"({"action":"auth","token":"viewer-token"})");
  subscribe(message, "analytics_metrics_3");
  EXPECT_FALSE(message.closed());

  SoupClient wrong(context_, port_, "/ws/client/stream?token=guess");
  EXPECT_FALSE(wrong.connected());
  EXPECT_EQ(wrong.http_status(), 401u);
}

TEST_F(WsHubTest, ViewerKeyCountsFrameSubscribersAndGoesWithTheLast) {
  start(config());
  SoupClient a(context_, port_, "/ws/client/stream");
  auto b = std::make_unique<SoupClient>(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(a.connected() && b->connected());
  subscribe(a, "analytics_metrics_5");
  EXPECT_EQ(get("roadwatch:5:viewers"), "(nil)");  // analytics alone keep no frames flowing
  subscribe(a, "processed_frame_5");
  subscribe(*b, "processed_frame_5");
  ASSERT_TRUE(wait([&] { return get("roadwatch:5:viewers") == "2"; }));
  std::string error;
  const auto ttl = publisher_.run(std::vector<std::string>{"TTL", "roadwatch:5:viewers"}, error);
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 5);

  a.send(R"({"action":"unsubscribe","channel":"processed_frame_5"})");
  ASSERT_TRUE(wait([&] { return get("roadwatch:5:viewers") == "1"; }));
  b.reset();  // the last frame viewer goes away
  ASSERT_TRUE(wait([&] { return get("roadwatch:5:viewers") == "(nil)"; }));
}

TEST_F(WsHubTest, IdleClientIsClosed) {
  WsHubConfig c = config();
  c.idle_timeout = std::chrono::seconds(1);
  start(c);
  SoupClient client(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(wait([&] { return client.closed(); }));
  EXPECT_EQ(client.close_code(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  EXPECT_EQ(texts(client.messages).back()["code"], "idle_timeout");
}

// A client that never reads while 500 frames (~50 KB) and 300 analytics go out: what libsoup
// holds for it stays within the bound, it is closed as a slow consumer once its analytics
// queue overflows, and a fast client on the same channels gets every analytics message, in
// order.
TEST_F(WsHubTest, SlowConsumerIsBoundedAndClosedWhileAFastClientGetsEverything) {
  WsHubConfig c = config();
  c.max_frame_backlog_bytes = 1 << 20;
  // Small, so that it overflows whatever the kernel buffers before the bound is reached.
  c.max_analytics_backlog = 20;
  start(c);
  RawClient slow(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(slow.connected());
  slow.send(R"({"action":"subscribe","channel":"processed_frame_7"})");
  slow.send(R"({"action":"subscribe","channel":"analytics_metrics_7"})");
  SoupClient fast(context_, port_, "/ws/client/stream");
  ASSERT_TRUE(fast.connected());
  subscribe(fast, "processed_frame_7");
  subscribe(fast, "analytics_metrics_7");
  ASSERT_TRUE(wait([&] {
    slow.read_available();
    return slow.messages.size() == 2;  // both acks: the streams are positioned
  }));

  const std::string jpeg = jpeg_bytes(50'000);
  int frames = 0;
  int analytics = 0;
  const bool published = wait([&] {
    // Five frames and three analytics per loop turn, so the hub reads while they arrive.
    for (int i = 0; i < 5 && frames < 500; ++i, ++frames) {
      xadd("roadwatch:7:frames", {"frame_number", std::to_string(frames), "jpeg", jpeg});
    }
    for (int i = 0; i < 3 && analytics < 300; ++i, ++analytics) {
      xadd("roadwatch:7:analytics", {"json", record(static_cast<std::uint64_t>(analytics)).dump()});
    }
    return frames == 500 && analytics == 300;
  });
  ASSERT_TRUE(published);
  ASSERT_TRUE(wait([&] { return hub_->client_count() == 1; })) << metrics_.render();
  // Read at once: libsoup gives a closing connection 5 s to take what it still holds.
  ASSERT_TRUE(wait([&] {
    slow.read_available();
    return !slow.messages.empty() && slow.messages.back().opcode == 0x8;
  }));
  ASSERT_TRUE(wait([&] { return fast.count("analytics") == 300; })) << metrics_.render();

  EXPECT_EQ(metric(metrics_, "rw_ws_slow_consumer_closes_total"), 1);
  EXPECT_LE(metric(metrics_, "rw_ws_in_flight_peak_bytes"), 1 << 20);
  EXPECT_GT(metric(metrics_, "rw_ws_in_flight_peak_bytes"), 500'000);  // the bound was reached
  EXPECT_GT(metric(metrics_, R"(rw_ws_messages_dropped_total{kind="frame"})"), 0);

  std::vector<int> numbers;
  for (const json &m : texts(fast.messages)) {
    if (m["type"] == "analytics") numbers.push_back(m["data"]["frame_number"]);
  }
  for (int i = 0; i < 300; ++i) ASSERT_EQ(numbers[static_cast<std::size_t>(i)], i);
  EXPECT_FALSE(fast.closed());

  // The slow client's last words came after what was in flight: the error, then the close.
  const WsMessage &close = slow.messages.back();
  EXPECT_EQ((static_cast<std::uint8_t>(close.payload[0]) << 8) |
                static_cast<std::uint8_t>(close.payload[1]),
            SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  const WsMessage &error = slow.messages[slow.messages.size() - 2];
  ASSERT_EQ(error.opcode, 0x1);
  EXPECT_EQ(json::parse(error.payload)["code"], "slow_consumer");
}

}  // namespace
}  // namespace rw::server
