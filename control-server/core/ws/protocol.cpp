#include "ws/protocol.hpp"

#include <nlohmann/json.hpp>

namespace rw::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEchoedBytes = 64;  // of a client's bad value, in error messages

// A client's value quoted back in an error, cut short: the error must not grow with the input.
std::string echo(std::string_view value) {
  if (value.size() <= kMaxEchoedBytes) return "\"" + std::string(value) + "\"";
  return "\"" + std::string(value.substr(0, kMaxEchoedBytes)) + "...\"";
}

ProtocolError invalid(std::string message) {
  return {"invalid_message", std::move(message)};
}

// The string member `key`, or an error naming it.
std::variant<std::string, ProtocolError> string_member(const json &message, const char *key) {
  const auto it = message.find(key);
  if (it == message.end()) return invalid(std::string("missing \"") + key + "\"");
  if (!it->is_string()) return invalid(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

std::variant<ClientMessage, ProtocolError> parse_channel_message(const json &message,
                                                                 ClientMessage parsed) {
  auto name = string_member(message, "channel");
  if (auto *error = std::get_if<ProtocolError>(&name)) return std::move(*error);
  const std::string &channel_text = std::get<std::string>(name);
  const std::optional<Channel> channel = parse_channel(channel_text);
  if (!channel) {
    return ProtocolError{"invalid_channel", "unknown channel " + echo(channel_text) +
                                                ": use processed_frame_<id> or "
                                                "analytics_metrics_<id>"};
  }
  parsed.channel = *channel;
  if (parsed.action != ClientMessage::Action::kSubscribe || !message.contains("encoding")) {
    return parsed;
  }
  const json &encoding = message.at("encoding");
  if (encoding == "base64") {
    parsed.encoding = FrameEncoding::kBase64;
  } else if (encoding != "binary") {
    return ProtocolError{"invalid_encoding", "\"encoding\" must be \"binary\" or \"base64\""};
  }
  return parsed;
}

}  // namespace

std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text) {
  const json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return ProtocolError{"invalid_json", "the message is not JSON"};
  if (!message.is_object()) return invalid("the message must be a JSON object");
  auto action = string_member(message, "action");
  if (auto *error = std::get_if<ProtocolError>(&action)) return std::move(*error);
  const std::string &name = std::get<std::string>(action);

  ClientMessage parsed;
  if (name == "subscribe" || name == "unsubscribe") {
    parsed.action = name == "subscribe" ? ClientMessage::Action::kSubscribe
                                        : ClientMessage::Action::kUnsubscribe;
    return parse_channel_message(message, std::move(parsed));
  }
  if (name == "auth") {
    parsed.action = ClientMessage::Action::kAuth;
    auto token = string_member(message, "token");
    if (auto *error = std::get_if<ProtocolError>(&token)) return std::move(*error);
    parsed.token = std::move(std::get<std::string>(token));
    return parsed;
  }
  if (name == "ping") {
    parsed.action = ClientMessage::Action::kPing;
    return parsed;
  }
  return ProtocolError{"unknown_action", "unknown action " + echo(name) +
                                             ": use subscribe, unsubscribe, auth or ping"};
}

std::string subscription_ack(const Channel &channel, bool subscribed) {
  return json{{"type", "subscription_ack"},
              {"channel", channel_name(channel)},
              {"status", subscribed ? "subscribed" : "unsubscribed"}}
      .dump();
}

std::string error_message(std::string_view code, std::string_view message) {
  // A cut echo may end inside a UTF-8 sequence: replace rather than throw.
  return json{{"type", "error"}, {"code", code}, {"message", message}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string pong_message() {
  return R"({"type":"pong"})";
}

}  // namespace rw::server
