#pragma once

// One asynchronous hiredis connection driven by the server's GMainContext (hiredis' GLib
// adapter): commands never block the loop. The connection reconnects by itself with jittered
// backoff; while it is down, command() fails at once with an error instead of queueing.
// A blocking read (XREAD BLOCK, XREADGROUP BLOCK) occupies its connection, so each reader owns
// its own RedisAsync.
// hiredis writes with write(2): the process must ignore SIGPIPE (roadwatch-server's main does).
// Destroying a RedisAsync drops its pending callbacks without calling them; never destroy it
// from inside one of its own callbacks.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "rw/control/redis_client.hpp"  // rw::control::Reply
#include "rw/publish/connection.hpp"    // rw::publish::RedisEndpoint

namespace rw::server {

class RedisAsync {
 public:
  // reply is null when error is set (connection down, lost, or timed out); a Redis error
  // reply arrives as a Reply of type kError with an empty error string.
  using Callback = std::function<void(const rw::control::Reply *reply, const std::string &error)>;

  // name appears in logs and CLIENT SETNAME ("roadwatch-server:frames").
  RedisAsync(rw::publish::RedisEndpoint endpoint, std::string name, GMainContext *context);
  ~RedisAsync();
  RedisAsync(const RedisAsync &) = delete;
  RedisAsync &operator=(const RedisAsync &) = delete;

  void start();  // connects (and keeps reconnecting)
  bool connected() const;
  const std::string &last_error() const;

  // argv is binary-safe. cb runs on the main loop, exactly once.
  void command(std::vector<std::string> argv, Callback cb);

  // Called after every successful (re)connection, e.g. to re-create consumer groups.
  void on_connected(std::function<void()> callback);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::server
