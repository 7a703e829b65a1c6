#pragma once

// Reads the Redis streams behind the channels that have subscribers: {p}:{src}:frames for
// processed_frame_{src}, {p}:{src}:analytics for analytics_metrics_{src}. One XREAD BLOCK
// (≤ 1 s, COUNT bounded) on its own connection covers them all. A stream becomes wanted with
// its first subscriber and is read from where it ended at that moment: want() finds that end
// (XREVRANGE on the control connection) before it reports back, so an entry added after the
// subscription is acknowledged is never missed, and no old backlog is replayed. A new stream
// interrupts the blocked read (CLIENT UNBLOCK) so it is read at once.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "common/metrics.hpp"
#include "redis/redis_async.hpp"
#include "ws/channel.hpp"
#include "ws/stream_entries.hpp"

namespace rw::server {

class StreamReader {
 public:
  using EntryHandler = std::function<void(const Channel &channel, const ReadEntry &entry)>;

  // `control` is a shared, non-blocking connection; the reader opens its own for XREAD.
  StreamReader(rw::publish::RedisEndpoint endpoint, std::string key_prefix, RedisAsync &control,
               GMainContext *context, Metrics &metrics, EntryHandler on_entry);
  ~StreamReader();
  StreamReader(const StreamReader &) = delete;
  StreamReader &operator=(const StreamReader &) = delete;

  void start();

  // Reads the channel's stream from now on. `positioned` runs once its current end is known,
  // or once that failed (Redis down: then the end is looked up again when Redis is back).
  void want(const Channel &channel, std::function<void()> positioned);
  void unwant(const Channel &channel);

 private:
  struct Stream {
    Channel channel;
    std::string last_id;  // empty until positioned
    std::uint64_t generation = 0;
    bool positioning = false;
    std::vector<std::function<void()>> waiting;
  };

  std::string key(const Channel &channel) const;
  void position(const std::string &key);
  void read();
  void on_read(const rw::control::Reply *reply, const std::string &error);
  void unblock_reader();

  // Callbacks handed to the shared control connection check it: it may outlive this reader.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string key_prefix_;
  RedisAsync &control_;
  RedisAsync reader_;
  GMainContext *context_;
  EntryHandler on_entry_;
  std::map<std::string, Stream> streams_;
  std::uint64_t next_generation_ = 1;
  bool reading_ = false;
  std::string reader_client_id_;  // CLIENT ID of reader_, for CLIENT UNBLOCK
  GSource *retry_timer_ = nullptr;
  double &read_lag_ms_;
  double &read_errors_;
};

}  // namespace rw::server
