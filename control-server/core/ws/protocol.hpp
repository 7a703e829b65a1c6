#pragma once

// The client side of the WebSocket protocol (seed format, see docs/api.md): the JSON text
// messages a client sends, and the small control messages the server answers with.
//   {"action":"subscribe","channel":"processed_frame_3","encoding":"base64"}  (encoding optional)
//   {"action":"unsubscribe","channel":"analytics_metrics_3"}
//   {"action":"auth","token":"..."}
//   {"action":"ping"}

#include <string>
#include <string_view>
#include <variant>

#include "ws/channel.hpp"

namespace rw::server {

// How frames reach a subscriber: one binary message (header + JPEG), or the seed's JSON text
// message with a base64 data URL (a third bigger, for seed-era clients).
enum class FrameEncoding { kBinary, kBase64 };

struct ClientMessage {
  enum class Action { kSubscribe, kUnsubscribe, kAuth, kPing };
  Action action = Action::kPing;
  Channel channel;                                  // subscribe, unsubscribe
  FrameEncoding encoding = FrameEncoding::kBinary;  // subscribe
  std::string token;                                // auth
};

// What was wrong with a client message; sent back as an error message, the connection stays.
struct ProtocolError {
  std::string code;  // invalid_json, invalid_message, unknown_action, invalid_channel,
                     // invalid_encoding
  std::string message;
};

std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text);

// {"type":"subscription_ack","channel":...,"status":"subscribed"|"unsubscribed"}
std::string subscription_ack(const Channel &channel, bool subscribed);
// {"type":"error","code":...,"message":...}
std::string error_message(std::string_view code, std::string_view message);
// {"type":"pong"}
std::string pong_message();

}  // namespace rw::server
