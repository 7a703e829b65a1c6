#pragma once

// Writing responses on a SoupServerMessage: JSON (with X-Content-Type-Options: nosniff, as
// every response gets), errors as {"error": {"code", "message"}}, and raw bytes (JPEG, CSV).
// PendingReply answers later: it pauses the message until an asynchronous PostgreSQL,
// Supervisor or file operation calls back.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <libsoup/soup.h>

#include <nlohmann/json.hpp>

#include "common/api_error.hpp"

namespace rw::server {

void reply_json(SoupServerMessage *msg, int status, const nlohmann::json &body);
void reply_error(SoupServerMessage *msg, const ApiError &error);
void reply_bytes(SoupServerMessage *msg, int status, const char *content_type, std::string bytes);
// 204: nothing to say.
void reply_empty(SoupServerMessage *msg);

nlohmann::json error_json(const ApiError &error);

// A request header, nullopt when absent.
std::optional<std::string_view> request_header(SoupServerMessage *msg, const char *name);

// The message paused until one of the replies is given. Callbacks hold it by shared_ptr; the
// message is referenced until then, so a client that went away in between is harmless (the
// reply goes nowhere), and a connection the server dropped (shutdown) is not touched again. A
// PendingReply dropped without an answer replies 500, so that no request ever hangs.
class PendingReply {
 public:
  static std::shared_ptr<PendingReply> pause(SoupServerMessage *msg);
  ~PendingReply();
  PendingReply(const PendingReply &) = delete;
  PendingReply &operator=(const PendingReply &) = delete;

  void json(int status, const nlohmann::json &body);
  void error(const ApiError &error);
  void bytes(int status, const char *content_type, std::string bytes);
  void empty();
  SoupServerMessage *message() const { return msg_; }

 private:
  explicit PendingReply(SoupServerMessage *msg);
  void resume();
  SoupServerMessage *msg_;
  gulong disconnected_handler_ = 0;
  bool disconnected_ = false;  // libsoup has let go of the connection: no unpause then
  bool answered_ = false;
};

using Pending = std::shared_ptr<PendingReply>;

}  // namespace rw::server
