#include "control_channel.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "rw/publish/backoff.hpp"

namespace rw::run {

ControlChannel::ControlChannel(Config config)
    : config_(std::move(config)), client_(config_.endpoint) {}

ControlChannel::~ControlChannel() {
  stop();
}

void ControlChannel::start() {
  thread_ = std::thread([this] { run(); });
}

void ControlChannel::publish(const Status &status) {
  std::lock_guard lock(mutex_);
  urgent_ = urgent_ || status.state != status_.state || status.reason != status_.reason ||
            status.last_error != status_.last_error ||
            status.config_version != status_.config_version;
  status_ = status;
  if (urgent_) wake_.notify_all();
}

std::optional<std::map<std::string, std::string>> ControlChannel::take_config() {
  std::lock_guard lock(mutex_);
  if (!std::exchange(config_changed_, false)) return std::nullopt;
  return config_hash_;
}

std::vector<std::string> ControlChannel::take_notices() {
  std::lock_guard lock(mutex_);
  return std::exchange(notices_, {});
}

void ControlChannel::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::string error;
  Status last;
  {
    std::lock_guard lock(mutex_);
    last = status_;
  }
  if (connected_or_connect(error)) write_status(last, error);
  client_.close();
}

bool ControlChannel::connected_or_connect(std::string &error) {
  return client_.connected() || client_.connect(error);
}

bool ControlChannel::write_status(const Status &status, std::string &error) {
  std::vector<std::string> hset = {"HSET", config_.status_key};
  for (auto &[field, value] : status_fields(status)) {
    hset.push_back(std::move(field));
    hset.push_back(std::move(value));
  }
  const auto replies = client_.run(
      {hset, {"PEXPIRE", config_.status_key, std::to_string(config_.status_ttl.count())}}, error);
  if (!replies) return false;
  for (const rw::control::Reply &reply : *replies) {
    if (reply.type == rw::control::Reply::Type::kError) {  // e.g. a key of another type
      error = reply.text;
      client_.close();
      return false;
    }
  }
  return true;
}

bool ControlChannel::read_config(std::map<std::string, std::string> &hash, std::string &error) {
  const auto reply = client_.run({"HGETALL", config_.config_key}, error);
  if (!reply) return false;
  if (reply->type == rw::control::Reply::Type::kError) {
    error = reply->text;
    client_.close();
    return false;
  }
  hash = rw::control::to_hash(*reply);
  return true;
}

void ControlChannel::run() {
  rw::publish::Backoff backoff(
      {std::chrono::milliseconds(100), std::chrono::milliseconds(5000), 0.5},
      std::random_device{}());
  bool outage = false;
  auto next_status = Clock::now(), next_config = Clock::now(), not_before = Clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    const bool status_due = (urgent_ || now >= next_status) && now >= not_before;
    const bool config_due = now >= next_config && now >= not_before;
    if (status_due || config_due) {
      const Status snapshot = status_;
      if (status_due) urgent_ = false;
      lock.unlock();
      std::string error;
      std::map<std::string, std::string> hash;
      bool ok = connected_or_connect(error);
      if (ok && status_due) ok = write_status(snapshot, error);
      if (ok && config_due) ok = read_config(hash, error);
      lock.lock();
      if (ok) {
        if (std::exchange(outage, false)) notices_.push_back("Redis reachable again");
        backoff.reset();
        if (status_due) next_status = Clock::now() + config_.status_interval;
        if (config_due) {
          next_config = Clock::now() + config_.config_interval;
          if (hash != config_hash_) {
            config_hash_ = std::move(hash);
            config_changed_ = true;
          }
        }
      } else {
        if (!std::exchange(outage, true)) {
          notices_.push_back("cannot reach Redis at " + config_.endpoint.host + ":" +
                             std::to_string(config_.endpoint.port) + " (" + error +
                             "): status and config wait until it is back");
        }
        urgent_ = urgent_ || status_due;  // that status still has to be written
        not_before = Clock::now() + backoff.next();
      }
    }
    const auto wake_at = std::max(not_before, std::min(next_status, next_config));
    wake_.wait_until(lock, wake_at, [this, not_before] {
      return stopping_ || (urgent_ && Clock::now() >= not_before);
    });
  }
}

}  // namespace rw::run
