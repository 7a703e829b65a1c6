#include "ws_test_clients.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>

#include <nlohmann/json.hpp>

#include "run_until.hpp"

namespace rw::test {
namespace {

constexpr std::chrono::seconds kConnectTimeout{10};

}  // namespace

SoupClient::SoupClient(GMainContext *context, int port, const std::string &target,
                       std::optional<std::string> origin)
    : session_(soup_session_new()) {
  const std::string url = "ws://127.0.0.1:" + std::to_string(port) + target;
  SoupMessage *msg = soup_message_new("GET", url.c_str());
  bool done = false;
  struct Pending {
    SoupClient *self;
    bool *done;
  } pending{this, &done};
  soup_session_websocket_connect_async(
      session_, msg, origin ? origin->c_str() : nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject *session, GAsyncResult *result, gpointer data) {
        auto *p = static_cast<Pending *>(data);
        GError *error = nullptr;
        p->self->connection_ =
            soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &error);
        if (error != nullptr) {
          p->self->error_ = error->message;
          g_error_free(error);
        }
        *p->done = true;
      },
      &pending);
  run_until(
      context, [&] { return done; }, kConnectTimeout);
  http_status_ = soup_message_get_status(msg);
  g_object_unref(msg);
  if (connection_ == nullptr) return;
  g_object_set(connection_, "max-incoming-payload-size", static_cast<guint64>(64 << 20), nullptr);
  g_signal_connect(
      connection_, "message",
      G_CALLBACK(+[](SoupWebsocketConnection *, gint type, GBytes *bytes, gpointer data) {
        auto *self = static_cast<SoupClient *>(data);
        gsize size = 0;
        const auto *payload = static_cast<const char *>(g_bytes_get_data(bytes, &size));
        self->messages.push_back({type == SOUP_WEBSOCKET_DATA_TEXT ? 0x1 : 0x2,
                                  std::string(payload != nullptr ? payload : "", size)});
        if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
        const auto json = nlohmann::json::parse(self->messages.back().payload, nullptr,
                                                /*allow_exceptions=*/false);
        if (json.is_object() && json.contains("type") && json["type"].is_string()) {
          ++self->type_counts_[json["type"].get<std::string>()];
        }
      }),
      this);
  g_signal_connect(connection_, "closed",
                   G_CALLBACK(+[](SoupWebsocketConnection *c, gpointer data) {
                     auto *self = static_cast<SoupClient *>(data);
                     self->closed_ = true;
                     self->close_code_ = soup_websocket_connection_get_close_code(c);
                   }),
                   this);
}

SoupClient::~SoupClient() {
  if (connection_ != nullptr) {
    g_signal_handlers_disconnect_by_data(connection_, this);
    g_object_unref(connection_);
  }
  g_object_unref(session_);
}

std::size_t SoupClient::count(const std::string &type) const {
  const auto it = type_counts_.find(type);
  return it == type_counts_.end() ? 0 : it->second;
}

void SoupClient::send(const std::string &text) {
  soup_websocket_connection_send_text(connection_, text.c_str());
}

void SoupClient::send_binary(const std::string &bytes) {
  soup_websocket_connection_send_binary(connection_, bytes.data(), bytes.size());
}

RawClient::RawClient(GMainContext *context, int port, const std::string &target,
                     int receive_buffer_bytes) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) return;
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  const std::string request =
      "GET " + target +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  if (write(fd_, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return;
  // The response head, byte by byte so that no frame data is taken with it.
  std::string head;
  run_until(
      context,
      [&] {
        char c = 0;
        while (head.find("\r\n\r\n") == std::string::npos && read(fd_, &c, 1) == 1) head += c;
        return head.find("\r\n\r\n") != std::string::npos;
      },
      kConnectTimeout);
  connected_ = head.starts_with("HTTP/1.1 101");
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

void RawClient::send(const std::string &text) {
  std::string frame{'\x81'};
  const std::uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (text.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | text.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(text.size() >> 8));
    frame.push_back(static_cast<char>(text.size() & 0xFF));
  }
  frame.append(reinterpret_cast<const char *>(mask), 4);
  for (std::size_t i = 0; i < text.size(); ++i) {
    frame.push_back(static_cast<char>(text[i] ^ mask[i % 4]));
  }
  // Small frames on a fresh socket: the kernel takes them whole.
  if (write(fd_, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
    connected_ = false;
  }
}

bool RawClient::read_available() {
  char chunk[65536];
  while (!eof_) {
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      eof_ = true;
    } else {
      break;
    }
  }
  parse();
  return !eof_;
}

void RawClient::parse() {
  while (buffer_.size() >= 2) {
    const auto b1 = static_cast<std::uint8_t>(buffer_[1]);
    std::size_t header = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length >= 126) {
      const std::size_t count = length == 126 ? 2 : 8;
      if (buffer_.size() < 2 + count) return;
      length = 0;
      for (std::size_t i = 0; i < count; ++i) {
        length = length << 8 | static_cast<std::uint8_t>(buffer_[2 + i]);
      }
      header += count;
    }
    if (buffer_.size() < header + length) return;
    messages.push_back({static_cast<std::uint8_t>(buffer_[0]) & 0x0F,
                        buffer_.substr(header, static_cast<std::size_t>(length))});
    buffer_.erase(0, header + static_cast<std::size_t>(length));
  }
}

std::optional<DecodedFrame> decode_binary_frame(const std::string &message) {
  if (message.size() < 4) return std::nullopt;
  std::size_t length = 0;
  for (int i = 0; i < 4; ++i) length = length << 8 | static_cast<std::uint8_t>(message[i]);
  if (message.size() < 4 + length) return std::nullopt;
  return DecodedFrame{message.substr(4, length), message.substr(4 + length)};
}

}  // namespace rw::test
