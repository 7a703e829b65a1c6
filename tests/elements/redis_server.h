#pragma once

// A private redis-server for tests (elements, roadwatch-server): a free loopback port, no
// persistence, its own directory. start() returns once its log says it accepts connections;
// kill() is kill -9 (as a crash); start() again brings it back on the same port.

#include <sys/types.h>

#include <string>
#include <vector>

#include "rw/control/redis_client.hpp"

namespace rw::test {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer &) = delete;
  RedisServer &operator=(const RedisServer &) = delete;

  // False (with the log so far in error()) when it did not come up within 10 s.
  bool start();
  void kill();
  int port() const { return port_; }
  const std::string &error() const { return error_; }

  // Runs one command on a fresh connection; the reply as text (integers in decimal), or
  // "(error) ..." when it failed.
  std::string command(const std::vector<std::string> &args) const;
  // The same, the whole reply (arrays too); an error reply is one of type kError.
  rw::control::Reply reply(const std::vector<std::string> &args) const;

 private:
  int port_;
  std::string dir_;
  std::string error_;
  pid_t pid_ = -1;
};

}  // namespace rw::test
