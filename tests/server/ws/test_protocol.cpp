// Channel names, client messages and the control messages of the WebSocket protocol.

#include "ws/protocol.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ws/channel.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

TEST(Channel, ParsesBothKindsAndPrintsThemBack) {
  EXPECT_EQ(parse_channel("processed_frame_3"), (Channel{ChannelKind::kFrames, 3}));
  EXPECT_EQ(parse_channel("analytics_metrics_42"), (Channel{ChannelKind::kAnalytics, 42}));
  EXPECT_EQ(parse_channel("processed_frame_999999999"), (Channel{ChannelKind::kFrames, 999999999}));
  EXPECT_EQ(channel_name({ChannelKind::kFrames, 3}), "processed_frame_3");
  EXPECT_EQ(channel_name({ChannelKind::kAnalytics, 42}), "analytics_metrics_42");
}

TEST(Channel, RejectsEverythingButCanonicalPositiveIds) {
  for (const char *name :
       {"processed_frame_", "processed_frame_0", "processed_frame_03", "processed_frame_-3",
        "processed_frame_+3", "processed_frame_3x", "processed_frame_1000000000",
        "analytics_metrics_ 3", "frames_3", "", "PROCESSED_FRAME_3", "processed_frame_3 "}) {
    EXPECT_FALSE(parse_channel(name)) << name;
  }
}

ClientMessage parsed(std::string_view text) {
  auto result = parse_client_message(text);
  if (auto *error = std::get_if<ProtocolError>(&result)) {
    ADD_FAILURE() << text << ": " << error->code << " " << error->message;
    return {};
  }
  return std::get<ClientMessage>(result);
}

ProtocolError failed(std::string_view text) {
  auto result = parse_client_message(text);
  if (std::holds_alternative<ClientMessage>(result)) {
    ADD_FAILURE() << text << " parsed";
    return {};
  }
  return std::get<ProtocolError>(result);
}

TEST(ClientMessages, SubscribeWithAndWithoutEncoding) {
  const ClientMessage plain = parsed(R"({"action":"subscribe","channel":"processed_frame_3"})");
  EXPECT_EQ(plain.action, ClientMessage::Action::kSubscribe);
  EXPECT_EQ(plain.channel, (Channel{ChannelKind::kFrames, 3}));
  EXPECT_EQ(plain.encoding, FrameEncoding::kBinary);

  const ClientMessage seed =
      parsed(R"({"action":"subscribe","channel":"processed_frame_3","encoding":"base64"})");
  EXPECT_EQ(seed.encoding, FrameEncoding::kBase64);
  EXPECT_EQ(parsed(R"({"channel":"analytics_metrics_1","encoding":"binary","action":"subscribe"})")
                .encoding,
            FrameEncoding::kBinary);
}

TEST(ClientMessages, UnsubscribeAuthPing) {
  const ClientMessage unsubscribe =
      parsed(R"({"action":"unsubscribe","channel":"analytics_metrics_7"})");
  EXPECT_EQ(unsubscribe.action, ClientMessage::Action::kUnsubscribe);
  EXPECT_EQ(unsubscribe.channel, (Channel{ChannelKind::kAnalytics, 7}));

  const ClientMessage auth = parsed(R"({"action":"auth","token":"t0k\"en"})");
  EXPECT_EQ(auth.action, ClientMessage::Action::kAuth);
  EXPECT_EQ(auth.token, "t0k\"en");

  EXPECT_EQ(parsed(R"({"action":"ping"})").action, ClientMessage::Action::kPing);
}

TEST(ClientMessages, BadInputGetsAClearCode) {
  EXPECT_EQ(failed("{not json").code, "invalid_json");
  EXPECT_EQ(failed("").code, "invalid_json");
  EXPECT_EQ(failed(R"(["subscribe"])").code, "invalid_message");
  EXPECT_EQ(failed(R"({"channel":"processed_frame_3"})").code, "invalid_message");
  EXPECT_EQ(failed(R"({"action":3})").code, "invalid_message");
  EXPECT_EQ(failed(R"({"action":"subscribe"})").code, "invalid_message");
  EXPECT_EQ(failed(R"({"action":"subscribe","channel":3})").code, "invalid_message");
  EXPECT_EQ(failed(R"({"action":"auth"})").code, "invalid_message");

  const ProtocolError unknown = failed(R"({"action":"publish"})");
  EXPECT_EQ(unknown.code, "unknown_action");
  EXPECT_NE(unknown.message.find("\"publish\""), std::string::npos) << unknown.message;

  const ProtocolError channel = failed(R"({"action":"subscribe","channel":"video_3"})");
  EXPECT_EQ(channel.code, "invalid_channel");
  EXPECT_NE(channel.message.find("\"video_3\""), std::string::npos) << channel.message;

  EXPECT_EQ(failed(R"({"action":"subscribe","channel":"processed_frame_3","encoding":"hex"})").code,
            "invalid_encoding");
  EXPECT_EQ(failed(R"({"action":"subscribe","channel":"processed_frame_3","encoding":1})").code,
            "invalid_encoding");
}

TEST(ClientMessages, ErrorsEchoAtMostAShortExcerpt) {
  const std::string long_action(10000, 'x');
  const ProtocolError error = failed(R"({"action":")" + long_action + R"("})");
  EXPECT_LT(error.message.size(), 200u);
}

TEST(ServerMessages, AckErrorPongAreTheSeedJson) {
  EXPECT_EQ(json::parse(subscription_ack({ChannelKind::kFrames, 1}, true)),
            json::parse(R"({"type":"subscription_ack","channel":"processed_frame_1",
                            "status":"subscribed"})"));
  EXPECT_EQ(json::parse(subscription_ack({ChannelKind::kAnalytics, 2}, false)),
            json::parse(R"({"type":"subscription_ack","channel":"analytics_metrics_2",
                            "status":"unsubscribed"})"));
  EXPECT_EQ(json::parse(error_message("slow_consumer", "too slow")),
            json::parse(R"({"type":"error","code":"slow_consumer","message":"too slow"})"));
  EXPECT_EQ(json::parse(pong_message()), json::parse(R"({"type":"pong"})"));
}

TEST(ServerMessages, ErrorWithBrokenUtf8StillSerialises) {
  const std::string broken = "cut \xE2\x82";  // a euro sign missing its last byte
  const json parsed_error = json::parse(error_message("invalid_channel", broken));
  EXPECT_EQ(parsed_error["code"], "invalid_channel");
}

}  // namespace
}  // namespace rw::server
