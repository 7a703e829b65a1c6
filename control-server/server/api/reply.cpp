#include "api/reply.hpp"

namespace rw::server {
namespace {

void common_headers(SoupServerMessage *msg) {
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
}

}  // namespace

nlohmann::json error_json(const ApiError &error) {
  return {{"error", {{"code", error.code}, {"message", error.message}}}};
}

void reply_bytes(SoupServerMessage *msg, int status, const char *content_type, std::string bytes) {
  common_headers(msg);
  soup_server_message_set_status(msg, static_cast<guint>(status), nullptr);
  // The body owns a copy of the string's bytes until libsoup is done with it.
  auto *owned = new std::string(std::move(bytes));
  GBytes *body = g_bytes_new_with_free_func(
      owned->data(), owned->size(), [](gpointer data) { delete static_cast<std::string *>(data); },
      owned);
  SoupMessageBody *response = soup_server_message_get_response_body(msg);
  soup_message_body_truncate(response);
  soup_message_body_append_bytes(response, body);
  g_bytes_unref(body);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Content-Type",
                               content_type);
}

void reply_json(SoupServerMessage *msg, int status, const nlohmann::json &body) {
  // Invalid UTF-8 from the database is replaced rather than thrown at the client.
  reply_bytes(msg, status, "application/json",
              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void reply_error(SoupServerMessage *msg, const ApiError &error) {
  if (error.status == 401) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "WWW-Authenticate",
                                 "Bearer realm=\"roadwatch\"");
  }
  reply_json(msg, error.status, error_json(error));
}

void reply_empty(SoupServerMessage *msg) {
  common_headers(msg);
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
}

std::optional<std::string_view> request_header(SoupServerMessage *msg, const char *name) {
  const char *value =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

std::shared_ptr<PendingReply> PendingReply::pause(SoupServerMessage *msg) {
  return std::shared_ptr<PendingReply>(new PendingReply(msg));
}

PendingReply::PendingReply(SoupServerMessage *msg) : msg_(SOUP_SERVER_MESSAGE(g_object_ref(msg))) {
  disconnected_handler_ =
      g_signal_connect(msg_, "disconnected", G_CALLBACK(+[](SoupServerMessage *, gpointer self) {
                         static_cast<PendingReply *>(self)->disconnected_ = true;
                       }),
                       this);
  soup_server_message_pause(msg_);
}

PendingReply::~PendingReply() {
  if (!answered_) error(ApiError::internal("the request was dropped without an answer"));
  g_signal_handler_disconnect(msg_, disconnected_handler_);
  g_object_unref(msg_);
}

void PendingReply::resume() {
  answered_ = true;
  if (!disconnected_) soup_server_message_unpause(msg_);
}

void PendingReply::json(int status, const nlohmann::json &body) {
  if (answered_) return;
  reply_json(msg_, status, body);
  resume();
}

void PendingReply::error(const ApiError &error) {
  if (answered_) return;
  reply_error(msg_, error);
  resume();
}

void PendingReply::bytes(int status, const char *content_type, std::string bytes) {
  if (answered_) return;
  reply_bytes(msg_, status, content_type, std::move(bytes));
  resume();
}

void PendingReply::empty() {
  if (answered_) return;
  reply_empty(msg_);
  resume();
}

}  // namespace rw::server
