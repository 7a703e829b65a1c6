#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rw/publish/connection.hpp"

namespace rw::control {

struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  long long integer = 0;
  std::string text;  // kString, kStatus, kError
  std::vector<Reply> elements;
};

// Field -> value of an HGETALL reply (an array of alternating fields and values); empty for
// anything else.
std::map<std::string, std::string> to_hash(const Reply &reply);

// A synchronous hiredis connection for small control commands (GET, HSET, HGETALL), used by
// one thread at a time. hiredis cannot reuse a context after an I/O error, so any such error
// closes the connection: connect() again (with backoff) before the next command.
class RedisClient {
 public:
  explicit RedisClient(rw::publish::RedisEndpoint endpoint);
  ~RedisClient();
  RedisClient(const RedisClient &) = delete;
  RedisClient &operator=(const RedisClient &) = delete;

  // Connects, authenticates when a password is set, and pings; false with the reason.
  bool connect(std::string &error);
  bool connected() const;
  void close();

  // Sends the commands in one round trip and returns their replies, in order (an error reply
  // is a Reply of type kError). nullopt with the reason when the connection failed; it is
  // closed then.
  std::optional<std::vector<Reply>> run(const std::vector<std::vector<std::string>> &commands,
                                        std::string &error);
  std::optional<Reply> run(const std::vector<std::string> &command, std::string &error);

  const rw::publish::RedisEndpoint &endpoint() const { return endpoint_; }

 private:
  struct Context;
  rw::publish::RedisEndpoint endpoint_;
  std::unique_ptr<Context> context_;
};

}  // namespace rw::control
