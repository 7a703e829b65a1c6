#include "rw/control/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <utility>

#include "rw/common/sigpipe_guard.hpp"
#include "rw/control/redis_reply.hpp"
#include "rw/publish/connection.hpp"

namespace rw::control {
namespace {

using rw::publish::to_timeval;

}  // namespace

Reply to_reply(const redisReply &r) {
  Reply reply;
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::kInteger;
      reply.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      reply.type = r.type == REDIS_REPLY_STRING   ? Reply::Type::kString
                   : r.type == REDIS_REPLY_STATUS ? Reply::Type::kStatus
                                                  : Reply::Type::kError;
      reply.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::kArray;
      for (std::size_t i = 0; i < r.elements; ++i)
        reply.elements.push_back(to_reply(*r.element[i]));
      break;
    default:
      break;
  }
  return reply;
}

struct RedisClient::Context {
  struct Free {
    void operator()(redisContext *c) const { redisFree(c); }
  };
  std::unique_ptr<redisContext, Free> redis;
};

std::map<std::string, std::string> to_hash(const Reply &reply) {
  std::map<std::string, std::string> hash;
  if (reply.type != Reply::Type::kArray) return hash;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    hash[reply.elements[i].text] = reply.elements[i + 1].text;
  }
  return hash;
}

RedisClient::RedisClient(rw::publish::RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

RedisClient::~RedisClient() = default;

bool RedisClient::connected() const {
  return context_ != nullptr;
}

void RedisClient::close() {
  context_.reset();
}

bool RedisClient::connect(std::string &error) {
  close();
  SigpipeGuard guard;
  auto context = std::make_unique<Context>();
  context->redis.reset(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                               to_timeval(endpoint_.connect_timeout)));
  if (!context->redis || context->redis->err != 0) {
    error = context->redis ? context->redis->errstr : "cannot allocate a redis context";
    return false;
  }
  redisEnableKeepAlive(context->redis.get());
  if (redisSetTimeout(context->redis.get(), to_timeval(endpoint_.command_timeout)) != REDIS_OK) {
    error = context->redis->errstr;
    return false;
  }
  context_ = std::move(context);
  std::vector<std::vector<std::string>> hello;
  if (!endpoint_.password.empty()) hello.push_back({"AUTH", endpoint_.password});
  hello.push_back({"PING"});  // a server that wants a password, or is loading, says so here
  const auto replies = run(hello, error);
  if (!replies) return false;
  for (const Reply &reply : *replies) {
    if (reply.type == Reply::Type::kError) {
      error = reply.text;
      close();
      return false;
    }
  }
  return true;
}

std::optional<std::vector<Reply>> RedisClient::run(
    const std::vector<std::vector<std::string>> &commands, std::string &error) {
  if (!context_) {
    error = "not connected";
    return std::nullopt;
  }
  SigpipeGuard guard;
  redisContext *redis = context_->redis.get();
  const auto fail = [&]() -> std::optional<std::vector<Reply>> {
    error = redis->errstr[0] != '\0' ? redis->errstr : "redis connection error";
    close();
    return std::nullopt;
  };
  for (const std::vector<std::string> &command : commands) {
    std::vector<const char *> argv;
    std::vector<std::size_t> lens;
    for (const std::string &arg : command) {
      argv.push_back(arg.data());
      lens.push_back(arg.size());
    }
    if (redisAppendCommandArgv(redis, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      return fail();
    }
  }
  std::vector<Reply> replies;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void *raw = nullptr;
    if (redisGetReply(redis, &raw) != REDIS_OK || raw == nullptr) return fail();
    replies.push_back(to_reply(*static_cast<redisReply *>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

std::optional<Reply> RedisClient::run(const std::vector<std::string> &command, std::string &error) {
  auto replies = run(std::vector<std::vector<std::string>>{command}, error);
  if (!replies) return std::nullopt;
  return std::move(replies->front());
}

}  // namespace rw::control
