#include "ws/ws_client.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "ws/counting_stream.hpp"

namespace rw::server {
namespace {

// libsoup copies the payload into its frame buffer; the GBytes only lends it the shared string.
GBytes *lend(const std::shared_ptr<const std::string> &payload) {
  auto *keep = new std::shared_ptr<const std::string>(payload);
  return g_bytes_new_with_free_func(
      (*keep)->data(), (*keep)->size(),
      [](gpointer p) { delete static_cast<std::shared_ptr<const std::string> *>(p); }, keep);
}

}  // namespace

WsClient::WsClient(ClientId id, GIOStream *connection_stream, GUri *uri, const char *origin,
                   const Options &options, Handlers handlers)
    : id_(id),
      stream_(counting_io_stream_new(connection_stream, [this] { schedule_pump(); })),
      queue_(options.limits),
      handlers_(std::move(handlers)),
      last_activity_(std::chrono::steady_clock::now()) {
  // No extensions were negotiated: wire bytes are payload plus header, as counted.
  connection_ = soup_websocket_connection_new(stream_, uri, SOUP_WEBSOCKET_CONNECTION_SERVER,
                                              origin, nullptr, nullptr);
  g_object_set(connection_, "max-incoming-payload-size",
               static_cast<guint64>(std::max<std::size_t>(options.max_incoming_bytes, 1)),
               "keepalive-interval", static_cast<guint>(options.keepalive.count()), nullptr);
  g_signal_connect(connection_, "message", G_CALLBACK(on_message), this);
  g_signal_connect(connection_, "pong", G_CALLBACK(on_pong), this);
  g_signal_connect(connection_, "closed", G_CALLBACK(on_closed), this);
}

WsClient::~WsClient() {
  for (GSource *source : {pump_idle_, grace_timer_}) {
    if (source == nullptr) continue;
    g_source_destroy(source);
    g_source_unref(source);
  }
  g_signal_handlers_disconnect_by_data(connection_, this);
  counting_io_stream_forget(stream_);
  if (open())
    soup_websocket_connection_close(connection_, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
  g_object_unref(stream_);
  g_object_unref(connection_);
}

bool WsClient::open() const {
  return soup_websocket_connection_get_state(connection_) == SOUP_WEBSOCKET_STATE_OPEN;
}

std::size_t WsClient::in_flight_bytes() const {
  const std::uint64_t written = counting_io_stream_data_bytes(stream_);
  return handed_bytes_ > written ? static_cast<std::size_t>(handed_bytes_ - written) : 0;
}

void WsClient::push_frame(const Channel &channel, OutMessage frame) {
  queue_.push_frame(channel, std::move(frame));
  pump();
}

bool WsClient::push(OutMessage message) {
  if (!queue_.push(std::move(message))) return false;
  pump();
  return true;
}

void WsClient::drop_frame(const Channel &channel) {
  queue_.drop_frame(channel);
}

void WsClient::send_now(const OutMessage &message) {
  if (open()) hand_over(message);
}

void WsClient::close(SoupWebsocketCloseCode code, const char *reason) {
  if (open()) soup_websocket_connection_close(connection_, code, reason);
}

void WsClient::close_when_flushed(SoupWebsocketCloseCode code, const char *reason,
                                  std::chrono::seconds grace) {
  if (pending_close_ || !open()) return;
  pending_close_ = PendingClose{code, reason != nullptr ? reason : ""};
  grace_timer_ = g_timeout_source_new_seconds(static_cast<guint>(grace.count()));
  g_source_set_callback(
      grace_timer_,
      [](gpointer data) -> gboolean {
        auto *self = static_cast<WsClient *>(data);
        g_source_unref(self->grace_timer_);
        self->grace_timer_ = nullptr;
        self->close(self->pending_close_->code, self->pending_close_->reason.c_str());
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(grace_timer_, g_main_context_get_thread_default());
  pump();
}

void WsClient::pump() {
  if (pending_close_) {
    if (in_flight_bytes() == 0) close(pending_close_->code, pending_close_->reason.c_str());
    return;
  }
  while (open()) {
    std::optional<OutMessage> message = queue_.next(in_flight_bytes());
    if (!message) return;
    hand_over(*message);
  }
}

void WsClient::hand_over(const OutMessage &message) {
  handed_bytes_ += message.wire_bytes();
  GBytes *bytes = lend(message.payload);
  soup_websocket_connection_send_message(
      connection_, message.binary ? SOUP_WEBSOCKET_DATA_BINARY : SOUP_WEBSOCKET_DATA_TEXT, bytes);
  g_bytes_unref(bytes);
  if (handlers_.on_sent) handlers_.on_sent(*this, message);
}

void WsClient::schedule_pump() {
  if (pump_idle_ != nullptr || (queue_.empty() && !pending_close_)) return;
  pump_idle_ = g_idle_source_new();
  g_source_set_callback(
      pump_idle_,
      [](gpointer data) -> gboolean {
        auto *self = static_cast<WsClient *>(data);
        g_source_unref(self->pump_idle_);
        self->pump_idle_ = nullptr;
        self->pump();
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(pump_idle_, g_main_context_get_thread_default());
}

void WsClient::on_message(SoupWebsocketConnection *, gint type, GBytes *message, gpointer data) {
  auto *self = static_cast<WsClient *>(data);
  self->last_activity_ = std::chrono::steady_clock::now();
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    self->handlers_.on_binary(*self);
    return;
  }
  gsize size = 0;
  const auto *text = static_cast<const char *>(g_bytes_get_data(message, &size));
  self->handlers_.on_text(*self, std::string_view(text != nullptr ? text : "", size));
}

void WsClient::on_pong(SoupWebsocketConnection *, GBytes *, gpointer data) {
  static_cast<WsClient *>(data)->last_activity_ = std::chrono::steady_clock::now();
}

void WsClient::on_closed(SoupWebsocketConnection *, gpointer data) {
  auto *self = static_cast<WsClient *>(data);
  self->handlers_.on_closed(*self);
}

}  // namespace rw::server
