#pragma once

#include <sys/time.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rw/publish/item.hpp"

namespace rw::publish {

enum class Outcome {
  kAdded,     // Redis replied with the entry id
  kRejected,  // Redis refused this entry (wrong key type ...): resending would fail again
  kUnknown,   // no usable reply (connection lost, server loading ...): it may or may not be in
};

struct BatchResult {
  std::vector<Outcome> outcomes;  // one per entry, in order
  std::string error;              // the first error, if any
};

// A connection that appends stream entries. One thread uses it at a time.
class Connection {
 public:
  virtual ~Connection() = default;

  // Connects (and authenticates); false with the reason otherwise.
  virtual bool connect(std::string &error) = 0;
  virtual bool connected() const = 0;

  // Sends every entry, pipelined, and reads the replies. An error that leaves the connection
  // unusable closes it (connected() is then false); the entries without a reply are kUnknown.
  virtual BatchResult append(std::span<const StreamEntry *const> entries) = 0;
};

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
};

// hiredis takes its timeouts as a timeval.
timeval to_timeval(std::chrono::milliseconds duration);

// A synchronous hiredis connection: XADD key MAXLEN ~ n * field value ...
std::unique_ptr<Connection> make_redis_connection(RedisEndpoint endpoint);

}  // namespace rw::publish
