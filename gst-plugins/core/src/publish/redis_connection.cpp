// The hiredis side of the publisher. hiredis 0.14: synchronous API only in the sender thread;
// a context that reported an error cannot be reused, so any error frees it and the publisher
// connects again (with backoff).
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <array>
#include <memory>
#include <string_view>

#include "rw/common/sigpipe_guard.hpp"
#include "rw/publish/connection.hpp"

namespace rw::publish {

timeval to_timeval(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return tv;
}

namespace {

struct ContextFree {
  void operator()(redisContext *c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply *r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

// Error replies that say "not now" rather than "never": the server is loading, busy, a
// read-only replica, or wants AUTH. Reconnecting (with backoff) and resending may succeed.
bool is_transient(std::string_view error) {
  constexpr std::array<std::string_view, 6> kTransient = {"LOADING",  "BUSY",       "NOAUTH",
                                                          "READONLY", "MASTERDOWN", "TRYAGAIN"};
  for (std::string_view prefix : kTransient) {
    if (error.starts_with(prefix)) return true;
  }
  return false;
}

std::string reply_error(const redisReply &reply) {
  return std::string(reply.str, reply.len);
}

class RedisConnection : public Connection {
 public:
  explicit RedisConnection(RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  bool connect(std::string &error) override {
    rw::SigpipeGuard guard;  // hiredis write(2)s: a vanished server must not kill us
    context_.reset(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                           to_timeval(endpoint_.connect_timeout)));
    if (!context_ || context_->err != 0) {
      error = context_ ? context_->errstr : "cannot allocate a redis context";
      context_.reset();
      return false;
    }
    redisEnableKeepAlive(context_.get());
    if (redisSetTimeout(context_.get(), to_timeval(endpoint_.command_timeout)) != REDIS_OK) {
      return fail(error);
    }
    if (!endpoint_.password.empty()) {
      const std::array<const char *, 2> argv = {"AUTH", endpoint_.password.data()};
      const std::array<std::size_t, 2> lens = {4, endpoint_.password.size()};
      if (!command_ok(argv.size(), argv.data(), lens.data(), error)) return false;
    }
    // Catches a server that wants a password we do not have, or is still loading, before any
    // entry is sent.
    const std::array<const char *, 1> ping = {"PING"};
    const std::array<std::size_t, 1> ping_len = {4};
    return command_ok(ping.size(), ping.data(), ping_len.data(), error);
  }

  bool connected() const override { return context_ != nullptr; }

  BatchResult append(std::span<const StreamEntry *const> entries) override {
    BatchResult result;
    result.outcomes.assign(entries.size(), Outcome::kUnknown);
    if (!context_) {
      result.error = "not connected";
      return result;
    }
    rw::SigpipeGuard guard;  // hiredis write(2)s: a vanished server must not kill us
    for (const StreamEntry *entry : entries) {
      if (!append_xadd(*entry)) {
        close_with(result);
        return result;
      }
    }
    bool reconnect = false;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      void *raw = nullptr;
      if (redisGetReply(context_.get(), &raw) != REDIS_OK) {
        close_with(result);  // this entry and the rest stay kUnknown
        return result;
      }
      ReplyPtr reply(static_cast<redisReply *>(raw));
      if (reply->type != REDIS_REPLY_ERROR) {
        result.outcomes[i] = Outcome::kAdded;
        continue;
      }
      const std::string error = reply_error(*reply);
      if (result.error.empty()) result.error = error;
      if (is_transient(error)) {
        reconnect = true;  // kUnknown: worth sending again on a new connection
      } else {
        result.outcomes[i] = Outcome::kRejected;
      }
    }
    if (reconnect) context_.reset();
    return result;
  }

 private:
  bool append_xadd(const StreamEntry &entry) {
    const std::string maxlen = std::to_string(entry.maxlen);
    std::vector<const char *> argv = {"XADD", entry.key.c_str()};
    std::vector<std::size_t> lens = {4, entry.key.size()};
    if (entry.maxlen > 0) {
      argv.insert(argv.end(), {"MAXLEN", "~", maxlen.c_str()});
      lens.insert(lens.end(), {6, 1, maxlen.size()});
    }
    argv.push_back("*");
    lens.push_back(1);
    for (const auto &[field, value] : entry.fields) {
      argv.insert(argv.end(), {field.data(), value.data()});
      lens.insert(lens.end(), {field.size(), value.size()});
    }
    return redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                                  lens.data()) == REDIS_OK;
  }

  // Runs one command and expects a non-error reply; closes the connection otherwise.
  bool command_ok(std::size_t argc, const char *const *argv, const std::size_t *lens,
                  std::string &error) {
    ReplyPtr reply(static_cast<redisReply *>(redisCommandArgv(
        context_.get(), static_cast<int>(argc), const_cast<const char **>(argv), lens)));
    if (!reply) return fail(error);
    if (reply->type == REDIS_REPLY_ERROR) {
      error = reply_error(*reply);
      context_.reset();
      return false;
    }
    return true;
  }

  bool fail(std::string &error) {
    error = context_->errstr[0] != '\0' ? context_->errstr : "redis connection error";
    context_.reset();
    return false;
  }

  void close_with(BatchResult &result) {
    std::string error;
    fail(error);
    if (result.error.empty()) result.error = error;
  }

  RedisEndpoint endpoint_;
  ContextPtr context_;
};

}  // namespace

std::unique_ptr<Connection> make_redis_connection(RedisEndpoint endpoint) {
  return std::make_unique<RedisConnection>(std::move(endpoint));
}

}  // namespace rw::publish
