#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rw/control/redis_client.hpp"
#include "status.hpp"

namespace rw::run {

// roadwatch-run's side of Redis, on a thread of its own so that a slow or dead Redis never
// holds up the main loop: writes the status hash (HSET of every field, then PEXPIRE with the
// TTL) every status period and at once when the state, reason, last error or config version
// changes; reads
// the config hash every config period. Reconnects with backoff (100 ms doubling to 5 s).
class ControlChannel {
 public:
  struct Config {
    rw::publish::RedisEndpoint endpoint;
    std::string status_key;
    std::string config_key;
    std::chrono::milliseconds status_interval{1000};
    std::chrono::milliseconds config_interval{1000};
    std::chrono::milliseconds status_ttl{10000};
  };

  explicit ControlChannel(Config config);
  ~ControlChannel();
  ControlChannel(const ControlChannel &) = delete;
  ControlChannel &operator=(const ControlChannel &) = delete;

  void start();
  void publish(const Status &status);
  // The config hash, when it changed since the last call (by content).
  std::optional<std::map<std::string, std::string>> take_config();
  // Lines for the log: Redis lost (once per outage) and back.
  std::vector<std::string> take_notices();
  // Writes the last status once more (one try, bounded by the endpoint's timeouts) and ends
  // the thread.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  bool write_status(const Status &status, std::string &error);
  bool read_config(std::map<std::string, std::string> &hash, std::string &error);
  bool connected_or_connect(std::string &error);

  Config config_;
  rw::control::RedisClient client_;  // the thread's, and stop()'s once it ended
  std::mutex mutex_;
  std::condition_variable wake_;
  // Under mutex_:
  Status status_;
  bool urgent_ = false;  // status_ changed state, reason or error since it was written
  bool stopping_ = false;
  std::optional<std::map<std::string, std::string>> config_hash_;  // last read
  bool config_changed_ = false;
  std::vector<std::string> notices_;
  std::thread thread_;
};

}  // namespace rw::run
