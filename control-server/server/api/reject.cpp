#include "api/reject.hpp"

#include <array>

#include "api/reply.hpp"

namespace rw::server {
namespace {

// Connections being drained at once; beyond this they are closed at once (a flood of refused
// uploads must not hold sockets for kLingerTime each).
constexpr int kMaxLingering = 64;
int lingering = 0;

// Owns a stolen connection: writes the response, then drains until EOF, an error or the
// deadline, then closes and deletes itself.
struct Linger {
  GIOStream *stream = nullptr;
  GSocket *socket = nullptr;  // to shut down the sending side; may be null
  GCancellable *cancellable = g_cancellable_new();
  std::string response;
  std::array<char, 8192> buffer{};
  guint deadline = 0;

  ~Linger() {
    if (deadline != 0) g_source_remove(deadline);
    g_io_stream_close(stream, nullptr, nullptr);
    g_object_unref(stream);
    if (socket != nullptr) g_object_unref(socket);
    g_object_unref(cancellable);
    --lingering;
  }

  void read_next() {
    g_input_stream_read_async(g_io_stream_get_input_stream(stream), buffer.data(), buffer.size(),
                              G_PRIORITY_LOW, cancellable, &Linger::on_read, this);
  }

  static void on_written(GObject *source, GAsyncResult *result, gpointer data) {
    auto *self = static_cast<Linger *>(data);
    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, nullptr, nullptr) ||
        g_cancellable_is_cancelled(self->cancellable)) {
      delete self;
      return;
    }
    if (self->socket != nullptr) g_socket_shutdown(self->socket, FALSE, TRUE, nullptr);
    self->read_next();
  }

  static void on_read(GObject *source, GAsyncResult *result, gpointer data) {
    auto *self = static_cast<Linger *>(data);
    const gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, nullptr);
    if (n <= 0 || g_cancellable_is_cancelled(self->cancellable)) {
      delete self;
      return;
    }
    self->read_next();
  }
};

std::string raw_response(const ApiError &error, const std::string &allow) {
  const std::string body = error_json(error).dump() + "\n";
  std::string head =
      "HTTP/1.1 " + std::to_string(error.status) + " " +
      soup_status_get_phrase(static_cast<guint>(error.status)) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
      "Connection: close\r\n";
  if (error.status == 401) head += "WWW-Authenticate: Bearer realm=\"roadwatch\"\r\n";
  if (!allow.empty()) head += "Allow: " + allow + "\r\n";
  return head + "\r\n" + body;
}

}  // namespace

bool body_expected(SoupServerMessage *msg) {
  SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
  switch (soup_message_headers_get_encoding(headers)) {
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length(headers) > 0;
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_EOF:
      return true;
    default:
      return false;
  }
}

bool reject_request(SoupServerMessage *msg, BodyState body, const ApiError &error,
                    const std::string &allow) {
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  const bool expects_continue =
      (soup_message_headers_get_expectations(request) & SOUP_EXPECTATION_CONTINUE) != 0;
  if (body == BodyState::kNotStarted && (!body_expected(msg) || expects_continue)) {
    if (!allow.empty()) {
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                   allow.c_str());
    }
    if (body_expected(msg)) {
      // The client waits for "100 Continue"; an error instead ends its request.
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                   "close");
    }
    reply_error(msg, error);
    return false;
  }

  GSocket *socket = soup_server_message_get_socket(msg);
  if (socket != nullptr) g_object_ref(socket);
  GIOStream *stream = soup_server_message_steal_connection(msg);
  if (stream == nullptr) {
    if (socket != nullptr) g_object_unref(socket);
    return true;  // already gone
  }
  auto *linger = new Linger;
  ++lingering;
  linger->stream = stream;
  linger->socket = socket;
  linger->response = raw_response(error, allow);
  if (lingering > kMaxLingering) {
    delete linger;
    return true;
  }
  linger->deadline = g_timeout_add_seconds(
      static_cast<guint>(kLingerTime.count()),
      [](gpointer data) -> gboolean {
        auto *self = static_cast<Linger *>(data);
        self->deadline = 0;
        g_cancellable_cancel(self->cancellable);  // the pending read ends and deletes it
        return G_SOURCE_REMOVE;
      },
      linger);
  g_output_stream_write_all_async(g_io_stream_get_output_stream(stream), linger->response.data(),
                                  linger->response.size(), G_PRIORITY_DEFAULT, linger->cancellable,
                                  &Linger::on_written, linger);
  return true;
}

}  // namespace rw::server
