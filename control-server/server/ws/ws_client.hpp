#pragma once

// One accepted WebSocket connection: its libsoup connection, its outbound queue and the byte
// count that keeps what libsoup holds for it within a bound (core/ws/client_queue.hpp).
// Messages go to libsoup only while the client's bytes in flight — handed to libsoup, not yet
// written to the socket, counted in wire bytes — leave room for them; a write that frees room
// pumps the queue again (from an idle callback: libsoup is inside its write then).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <libsoup/soup.h>

#include "ws/client_queue.hpp"
#include "ws/subscriptions.hpp"

namespace rw::server {

class WsClient {
 public:
  struct Handlers {
    std::function<void(WsClient &, std::string_view text)> on_text;
    std::function<void(WsClient &)> on_binary;  // the protocol has no binary client messages
    std::function<void(WsClient &, const OutMessage &)> on_sent;
    std::function<void(WsClient &)> on_closed;  // last call; the owner may destroy it here
  };

  struct Options {
    ClientQueueLimits limits;
    std::size_t max_incoming_bytes = 64 * 1024;  // per message; never 0 (CVE-2026-0716)
    std::chrono::seconds keepalive{30};          // libsoup's ping interval
  };

  // Runs the WebSocket protocol over `connection_stream`, the connection stolen from the
  // handshake's SoupServerMessage; `uri` and `origin` are the handshake's.
  WsClient(ClientId id, GIOStream *connection_stream, GUri *uri, const char *origin,
           const Options &options, Handlers handlers);
  ~WsClient();
  WsClient(const WsClient &) = delete;
  WsClient &operator=(const WsClient &) = delete;

  ClientId id() const { return id_; }
  bool open() const;

  void push_frame(const Channel &channel, OutMessage frame);
  // False when the queue is full (nothing queued): the client is a slow consumer.
  [[nodiscard]] bool push(OutMessage message);
  void drop_frame(const Channel &channel);
  // Hands the message to libsoup now, past the queue and the bound: the last words before a
  // close (an error message is small).
  void send_now(const OutMessage &message);
  void close(SoupWebsocketCloseCode code, const char *reason);
  // Closes once what libsoup holds is written (so that a last error message gets there before
  // libsoup's own 5 s close timeout starts), or after `grace` at the latest. Nothing queued
  // after this call is sent.
  void close_when_flushed(SoupWebsocketCloseCode code, const char *reason,
                          std::chrono::seconds grace);

  std::size_t in_flight_bytes() const;
  std::size_t queued_messages() const { return queue_.queued_messages(); }
  std::uint64_t frames_replaced() const { return queue_.frames_replaced(); }
  // Last message or pong from the client (idle timeout).
  std::chrono::steady_clock::time_point last_activity() const { return last_activity_; }

 private:
  void pump();
  void schedule_pump();
  void hand_over(const OutMessage &message);

  static void on_message(SoupWebsocketConnection *, gint type, GBytes *message, gpointer data);
  static void on_pong(SoupWebsocketConnection *, GBytes *, gpointer data);
  static void on_closed(SoupWebsocketConnection *, gpointer data);

  ClientId id_;
  GIOStream *stream_;                              // counting_stream.hpp
  SoupWebsocketConnection *connection_ = nullptr;  // runs on stream_
  ClientQueue queue_;
  Handlers handlers_;
  std::uint64_t handed_bytes_ = 0;
  GSource *pump_idle_ = nullptr;
  struct PendingClose {
    SoupWebsocketCloseCode code;
    std::string reason;
  };
  std::optional<PendingClose> pending_close_;
  GSource *grace_timer_ = nullptr;
  std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace rw::server
