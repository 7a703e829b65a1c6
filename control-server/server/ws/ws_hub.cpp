#include "ws/ws_hub.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "common/redact.hpp"
#include "rw/common/error.hpp"
#include "ws/analytics_message.hpp"
#include "ws/frame_message.hpp"
#include "ws/protocol.hpp"
#include "ws/stream_reader.hpp"
#include "ws/subscriptions.hpp"
#include "ws/viewer_presence.hpp"
#include "ws/ws_client.hpp"

namespace rw::server {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::size_t kMaxChannelsPerClient = 64;
constexpr guint kSweepIntervalS = 1;  // idle and auth deadlines, backlog gauge
// How long a closed client's last messages may take to leave before the connection goes.
constexpr std::chrono::seconds kCloseGrace{10};

OutMessage control_message(std::string text) {
  return {std::make_shared<const std::string>(std::move(text)), false, MessageKind::kControl};
}

void respond_error(SoupServerMessage *msg, int status, const char *code, const char *message) {
  const std::string body = json{{"error", {{"code", code}, {"message", message}}}}.dump();
  soup_server_message_set_status(msg, static_cast<guint>(status), nullptr);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(),
                                   body.size());
}

// "/ws/client/stream?token=REDACTED" for logs.
std::string loggable_target(SoupServerMessage *msg) {
  GUri *uri = soup_server_message_get_uri(msg);
  std::string target = g_uri_get_path(uri);
  if (const char *query = g_uri_get_query(uri)) target += std::string("?") + query;
  return redact_for_log(target);
}

const char *kind_label(MessageKind kind) {
  switch (kind) {
    case MessageKind::kFrame:
      return "frame";
    case MessageKind::kAnalytics:
      return "analytics";
    case MessageKind::kControl:
      break;
  }
  return "control";
}

}  // namespace

struct WsHub::Impl {
  struct Client {
    std::unique_ptr<WsClient> ws;
    bool authenticated = false;
    Clock::time_point auth_deadline;
    bool closing = false;  // told to go: no longer counted, sent nothing more
  };

  Impl(SoupServer *server_in, WsHubConfig config_in, Metrics &metrics_in);
  ~Impl();

  // Handshake and lifecycle.
  void on_request(SoupServerMessage *msg, GHashTable *query);
  void on_upgraded(SoupServerMessage *msg, bool authenticated);
  void on_closed(WsClient &ws);
  void sweep();
  std::size_t open_clients() const;
  void leave_all(ClientId id);
  void left(const Channel &channel);
  void close_client(Client &client, const char *code, const std::string &message,
                    SoupWebsocketCloseCode close_code);

  // Client messages.
  void on_text(WsClient &ws, std::string_view text);
  void subscribe(Client &client, const ClientMessage &message);
  void unsubscribe(Client &client, const Channel &channel);
  void send(Client &client, std::string text);
  void update_presence(const Channel &channel);

  // Stream entries.
  void on_entry(const Channel &channel, const ReadEntry &entry);
  void fan_out_analytics(const Channel &channel, const ReadEntry &entry);
  void fan_out_frame(const Channel &channel, const ReadEntry &entry);
  bool duplicate(const Channel &channel, std::uint64_t frame_number);
  void deliver(Client &client, const OutMessage &message);

  double &rejected(const char *reason) {
    return metrics.counter("rw_ws_rejected_total", "WebSocket handshakes refused",
                           {{"reason", reason}});
  }
  double &dropped(const char *kind) {
    return metrics.counter("rw_ws_messages_dropped_total",
                           "WebSocket messages a client never got (frames: replaced by a newer "
                           "one; analytics: queued when the client was closed)",
                           {{"kind", kind}});
  }
  double &sent(MessageKind kind) {
    return metrics.counter("rw_ws_messages_sent_total", "WebSocket messages handed to clients",
                           {{"kind", kind_label(kind)}});
  }

  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  SoupServer *server;
  WsHubConfig config;
  GMainContext *context;
  WsClient::Options client_options;
  RedisAsync control;
  StreamReader reader;
  ViewerPresence presence;
  Subscriptions subscriptions;
  std::map<ClientId, Client> clients;
  std::map<Channel, std::uint64_t> last_frame_number;  // redissink may write an entry twice
  ClientId next_id = 1;
  GSource *sweep_timer;

  double &clients_gauge;
  double &slow_closes;
  double &in_flight_gauge;
  double &in_flight_peak;
  double &invalid_entries;
  Metrics &metrics;
};

WsHub::Impl::Impl(SoupServer *server_in, WsHubConfig config_in, Metrics &metrics_in)
    : server(server_in),
      config(std::move(config_in)),
      context(g_main_context_get_thread_default() != nullptr ? g_main_context_get_thread_default()
                                                             : g_main_context_default()),
      client_options{{.max_in_flight_bytes = config.max_frame_backlog_bytes,
                      .max_queued_messages = config.max_analytics_backlog,
                      .max_queued_bytes = 4 * config.max_frame_backlog_bytes},
                     config.max_incoming_bytes,
                     config.keepalive},
      control(config.redis, "roadwatch-server:ws", context),
      reader(config.redis, config.key_prefix, control, context, metrics_in,
             [this](const Channel &channel, const ReadEntry &entry) { on_entry(channel, entry); }),
      presence(control, config.key_prefix, context),
      sweep_timer(g_timeout_source_new_seconds(kSweepIntervalS)),
      clients_gauge(metrics_in.gauge("rw_ws_clients", "Open WebSocket clients")),
      slow_closes(metrics_in.counter("rw_ws_slow_consumer_closes_total",
                                     "WebSocket clients closed because their analytics queue "
                                     "overflowed")),
      in_flight_gauge(metrics_in.gauge("rw_ws_in_flight_bytes",
                                       "Bytes handed to libsoup for all WebSocket clients and "
                                       "not yet written to their sockets")),
      in_flight_peak(metrics_in.gauge("rw_ws_in_flight_peak_bytes",
                                      "Most bytes one WebSocket client had in flight so far")),
      invalid_entries(metrics_in.counter("rw_ws_invalid_entries_total",
                                         "Stream entries the WebSocket hub could not use")),
      metrics(metrics_in) {
  soup_server_add_handler(
      server, config.path.c_str(),
      [](SoupServer *, SoupServerMessage *msg, const char *, GHashTable *query, gpointer data) {
        static_cast<Impl *>(data)->on_request(msg, query);
      },
      this, nullptr);
  g_source_set_callback(
      sweep_timer,
      [](gpointer data) -> gboolean {
        static_cast<Impl *>(data)->sweep();
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  g_source_attach(sweep_timer, context);
  control.start();
  reader.start();
}

WsHub::Impl::~Impl() {
  soup_server_remove_handler(server, config.path.c_str());
  g_source_destroy(sweep_timer);
  g_source_unref(sweep_timer);
  clients.clear();  // closes them (going away)
}

void WsHub::Impl::on_request(SoupServerMessage *msg, GHashTable *query) {
  const std::string target = loggable_target(msg);
  const char *origin =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin");
  if (origin != nullptr && config.origin_allowed && !config.origin_allowed(origin)) {
    ++rejected("origin");
    g_message("ws: refused %s: origin %s is not allowed", target.c_str(), origin);
    respond_error(msg, SOUP_STATUS_FORBIDDEN, "forbidden", "this origin may not connect");
    return;
  }
  GError *error = nullptr;
  if (!soup_websocket_server_check_handshake(msg, nullptr, nullptr, nullptr, &error)) {
    ++rejected("handshake");
    respond_error(msg, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
    g_error_free(error);
    return;
  }
  const char *token =
      query != nullptr ? static_cast<const char *>(g_hash_table_lookup(query, "token")) : nullptr;
  const bool token_ok =
      token != nullptr && config.token_allows_viewing && config.token_allows_viewing(token);
  if (config.auth_required && token != nullptr && !token_ok) {
    ++rejected("auth");
    g_message("ws: refused %s: unknown token", target.c_str());
    respond_error(msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", "unknown token");
    return;
  }
  if (!soup_websocket_server_process_handshake(msg, nullptr, nullptr, nullptr, nullptr)) return;
  // The connection is ours once libsoup has written the 101 response.
  struct Upgrade {
    std::weak_ptr<bool> alive;
    Impl *hub;
    bool authenticated;
  };
  g_signal_connect_data(
      msg, "wrote-informational", G_CALLBACK(+[](SoupServerMessage *upgraded, gpointer data) {
        const auto *upgrade = static_cast<Upgrade *>(data);
        if (!upgrade->alive.expired()) upgrade->hub->on_upgraded(upgraded, upgrade->authenticated);
      }),
      new Upgrade{alive, this, !config.auth_required || token_ok},
      [](gpointer data, GClosure *) { delete static_cast<Upgrade *>(data); }, GConnectFlags(0));
}

void WsHub::Impl::on_upgraded(SoupServerMessage *msg, bool authenticated) {
  const ClientId id = next_id++;
  const char *origin =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin");
  g_object_ref(msg);  // stealing disconnects it from its connection
  GIOStream *stream = soup_server_message_steal_connection(msg);
  WsClient::Handlers handlers{
      [this](WsClient &ws, std::string_view text) { on_text(ws, text); },
      [this](WsClient &ws) {
        send(clients.at(ws.id()), error_message("invalid_message", "send JSON text messages"));
      },
      [this](WsClient &ws, const OutMessage &message) {
        ++sent(message.kind);
        in_flight_peak = std::max(in_flight_peak, static_cast<double>(ws.in_flight_bytes()));
      },
      [this](WsClient &ws) { on_closed(ws); },
  };
  Client client;
  client.ws = std::make_unique<WsClient>(id, stream, soup_server_message_get_uri(msg), origin,
                                         client_options, std::move(handlers));
  client.authenticated = authenticated;
  client.auth_deadline = Clock::now() + config.auth_timeout;
  g_object_unref(stream);
  g_object_unref(msg);
  clients.emplace(id, std::move(client));
  clients_gauge = static_cast<double>(open_clients());
  g_debug("ws: client %llu connected", static_cast<unsigned long long>(id));
}

std::size_t WsHub::Impl::open_clients() const {
  std::size_t open = 0;
  for (const auto &[id, client] : clients) open += client.closing ? 0 : 1;
  return open;
}

void WsHub::Impl::on_closed(WsClient &ws) {
  const ClientId id = ws.id();
  leave_all(id);
  clients.erase(id);  // destroys ws: its handler returns right after this
  clients_gauge = static_cast<double>(open_clients());
  g_debug("ws: client %llu closed", static_cast<unsigned long long>(id));
}

void WsHub::Impl::leave_all(ClientId id) {
  for (const Channel &channel : subscriptions.remove_client(id)) left(channel);
}

// A subscriber left the channel: the last one takes the stream reading with it.
void WsHub::Impl::left(const Channel &channel) {
  if (subscriptions.subscriber_count(channel) == 0) {
    reader.unwant(channel);
    last_frame_number.erase(channel);  // the next reading starts afresh
  }
  update_presence(channel);
}

// Tells the client why (past its queue: it may be the queue that is the problem) and closes
// it once that is written (kCloseGrace at most); it stops counting at once, and is forgotten
// when libsoup reports the close.
void WsHub::Impl::close_client(Client &client, const char *code, const std::string &message,
                               SoupWebsocketCloseCode close_code) {
  if (client.closing) return;
  client.closing = true;
  client.ws->send_now(control_message(error_message(code, message)));
  client.ws->close_when_flushed(close_code, code, kCloseGrace);
  leave_all(client.ws->id());
  clients_gauge = static_cast<double>(open_clients());
}

void WsHub::Impl::sweep() {
  const Clock::time_point now = Clock::now();
  double in_flight = 0;
  for (auto &[id, client] : clients) {
    in_flight += static_cast<double>(client.ws->in_flight_bytes());
    if (client.closing) continue;
    if (!client.authenticated && now >= client.auth_deadline) {
      close_client(client, "unauthorized", "no {\"action\":\"auth\"} message in time",
                   SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
    } else if (now - client.ws->last_activity() >= config.idle_timeout) {
      close_client(client, "idle_timeout", "no message or pong for too long",
                   SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    }
  }
  in_flight_gauge = in_flight;
}

void WsHub::Impl::on_text(WsClient &ws, std::string_view text) {
  Client &client = clients.at(ws.id());
  if (client.closing) return;
  auto parsed = parse_client_message(text);
  if (const auto *error = std::get_if<ProtocolError>(&parsed)) {
    send(client, error_message(error->code, error->message));
    return;
  }
  const ClientMessage &message = std::get<ClientMessage>(parsed);
  if (!client.authenticated) {
    const bool allowed = message.action == ClientMessage::Action::kAuth &&
                         config.token_allows_viewing && config.token_allows_viewing(message.token);
    if (!allowed) {
      close_client(client, "unauthorized",
                   message.action == ClientMessage::Action::kAuth
                       ? "unknown token"
                       : "send {\"action\":\"auth\",\"token\":...} first",
                   SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
      return;
    }
    client.authenticated = true;
    return;
  }
  switch (message.action) {
    case ClientMessage::Action::kSubscribe:
      subscribe(client, message);
      break;
    case ClientMessage::Action::kUnsubscribe:
      unsubscribe(client, message.channel);
      break;
    case ClientMessage::Action::kPing:
      send(client, pong_message());
      break;
    case ClientMessage::Action::kAuth:  // already authenticated, or auth is off
      break;
  }
}

void WsHub::Impl::subscribe(Client &client, const ClientMessage &message) {
  const ClientId id = client.ws->id();
  const Channel channel = message.channel;
  const bool known = subscriptions.subscribers(channel).contains(id);
  if (!known && subscriptions.channel_count(id) >= kMaxChannelsPerClient) {
    send(client, error_message("too_many_subscriptions", "at most " +
                                                             std::to_string(kMaxChannelsPerClient) +
                                                             " channels per connection"));
    return;
  }
  subscriptions.subscribe(id, channel, message.encoding);
  update_presence(channel);
  // Acknowledged once the stream's end is known: whatever is added after the ack arrives.
  reader.want(channel, [this, alive = std::weak_ptr<bool>(alive), id, channel] {
    if (alive.expired()) return;
    const auto it = clients.find(id);
    if (it != clients.end() && !it->second.closing) {
      send(it->second, subscription_ack(channel, true));
    }
  });
}

void WsHub::Impl::unsubscribe(Client &client, const Channel &channel) {
  const ClientId id = client.ws->id();
  if (subscriptions.unsubscribe(id, channel)) {
    client.ws->drop_frame(channel);
    left(channel);
  }
  if (!client.closing) send(client, subscription_ack(channel, false));
}

void WsHub::Impl::send(Client &client, std::string text) {
  deliver(client, control_message(std::move(text)));
}

// Queues an analytics or control message; a full queue closes the client as a slow consumer.
void WsHub::Impl::deliver(Client &client, const OutMessage &message) {
  if (client.closing || client.ws->push(message)) return;
  ++slow_closes;
  dropped("analytics") += static_cast<double>(client.ws->queued_messages() + 1);
  g_message("ws: closing client %llu: slow consumer (%zu messages queued)",
            static_cast<unsigned long long>(client.ws->id()), client.ws->queued_messages());
  close_client(client, "slow_consumer",
               "the connection cannot keep up with the analytics stream; reconnect",
               SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}

void WsHub::Impl::update_presence(const Channel &channel) {
  if (channel.kind != ChannelKind::kFrames) return;
  presence.set(channel.source_id, subscriptions.subscriber_count(channel));
}

void WsHub::Impl::on_entry(const Channel &channel, const ReadEntry &entry) {
  if (subscriptions.subscribers(channel).empty()) return;
  try {
    if (channel.kind == ChannelKind::kAnalytics) {
      fan_out_analytics(channel, entry);
    } else {
      fan_out_frame(channel, entry);
    }
  } catch (const std::exception &e) {  // rw::Error for bad content, json's own for the rest
    ++invalid_entries;
    g_warning("ws: skipping stream entry %s of source %d: %s", entry.id.c_str(), channel.source_id,
              e.what());
  }
}

bool WsHub::Impl::duplicate(const Channel &channel, std::uint64_t frame_number) {
  const auto [it, added] = last_frame_number.try_emplace(channel, frame_number);
  if (added) return false;
  if (it->second == frame_number) return true;
  it->second = frame_number;  // not "<": a new session starts again from 0
  return false;
}

void WsHub::Impl::fan_out_analytics(const Channel &channel, const ReadEntry &entry) {
  const auto field = entry.fields.find("json");
  if (field == entry.fields.end()) throw rw::Error("no `json` field");
  const json record = json::parse(field->second, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) throw rw::Error("`json` is not JSON");
  const OutMessage message{
      std::make_shared<const std::string>(analytics_message(record, channel.source_id)), false,
      MessageKind::kAnalytics};
  if (duplicate(channel, record.at("frame_number").get<std::uint64_t>())) return;
  // Copied: closing a slow consumer changes the subscriber map.
  const Subscriptions::Subscribers subscribers = subscriptions.subscribers(channel);
  for (const auto &[id, encoding] : subscribers) {
    if (const auto it = clients.find(id); it != clients.end()) deliver(it->second, message);
  }
}

void WsHub::Impl::fan_out_frame(const Channel &channel, const ReadEntry &entry) {
  const FrameInfo frame = frame_info(entry, channel.source_id);
  if (duplicate(channel, frame.frame_number)) return;
  const std::string &jpeg = entry.fields.at("jpeg");
  // Each encoding is built once, and only when someone wants it.
  OutMessage binary{nullptr, true, MessageKind::kFrame};
  OutMessage base64{nullptr, false, MessageKind::kFrame};
  double &replaced = dropped("frame");
  for (const auto &[id, encoding] : subscriptions.subscribers(channel)) {
    OutMessage &message = encoding == FrameEncoding::kBinary ? binary : base64;
    if (!message.payload) {
      message.payload = std::make_shared<const std::string>(
          encoding == FrameEncoding::kBinary ? binary_frame_message(frame, jpeg)
                                             : base64_frame_message(frame, jpeg));
    }
    WsClient &ws = *clients.at(id).ws;
    const std::uint64_t before = ws.frames_replaced();
    ws.push_frame(channel, message);
    replaced += static_cast<double>(ws.frames_replaced() - before);
  }
}

WsHub::WsHub(SoupServer *server, WsHubConfig config, Metrics &metrics)
    : impl_(std::make_unique<Impl>(server, std::move(config), metrics)) {}

WsHub::~WsHub() = default;

json WsHub::status_json() const {
  return impl_->subscriptions.status_json(client_count(), impl_->config.active_streams
                                                              ? impl_->config.active_streams()
                                                              : std::vector<int>{});
}

std::size_t WsHub::client_count() const {
  return impl_->open_clients();
}

}  // namespace rw::server
