#pragma once

// WebSocket clients for the hub's tests, both on the test's GMainContext:
//  - SoupClient: libsoup's client, reads everything (a fast client);
//  - RawClient: a plain socket that speaks just enough WebSocket to subscribe and otherwise
//    reads only when told to (a client that stops reading).

#include <libsoup/soup.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rw::test {

struct WsMessage {
  int opcode = 0;  // 0x1 text, 0x2 binary, 0x8 close
  std::string payload;
};

class SoupClient {
 public:
  // Connects to ws://127.0.0.1:port/target; origin is sent when set. Check connected().
  SoupClient(GMainContext *context, int port, const std::string &target,
             std::optional<std::string> origin = std::nullopt);
  ~SoupClient();
  SoupClient(const SoupClient &) = delete;
  SoupClient &operator=(const SoupClient &) = delete;

  bool connected() const { return connection_ != nullptr; }
  unsigned http_status() const { return http_status_; }  // of the handshake
  const std::string &error() const { return error_; }

  void send(const std::string &text);
  void send_binary(const std::string &bytes);
  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }

  std::vector<WsMessage> messages;  // in arrival order
  // Text messages with this "type" so far (each parsed once, on arrival).
  std::size_t count(const std::string &type) const;

 private:
  std::map<std::string, std::size_t> type_counts_;
  SoupSession *session_ = nullptr;
  SoupWebsocketConnection *connection_ = nullptr;
  unsigned http_status_ = 0;
  std::string error_;
  bool closed_ = false;
  int close_code_ = 0;
};

class RawClient {
 public:
  // Connects with a small receive buffer and does the handshake; check connected().
  RawClient(GMainContext *context, int port, const std::string &target,
            int receive_buffer_bytes = 16 * 1024);
  ~RawClient();
  RawClient(const RawClient &) = delete;
  RawClient &operator=(const RawClient &) = delete;

  bool connected() const { return connected_; }
  void send(const std::string &text);  // one masked text frame
  // Reads what is there now (never blocks); false once the server closed the connection.
  bool read_available();
  std::vector<WsMessage> messages;  // complete messages read so far

 private:
  void parse();
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

// Header JSON and JPEG of a binary frame message; nullopt when the layout is wrong.
struct DecodedFrame {
  std::string header;
  std::string jpeg;
};
std::optional<DecodedFrame> decode_binary_frame(const std::string &message);

}  // namespace rw::test
