#include "redis_server.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "free_port.hpp"
#include "read_text.hpp"
#include "rw/control/redis_client.hpp"

namespace rw::test {

RedisServer::RedisServer() : port_(free_port()) {
  gchar *dir = g_dir_make_tmp("rw-redis-XXXXXX", nullptr);
  dir_ = dir != nullptr ? dir : "/tmp";
  g_free(dir);
}

RedisServer::~RedisServer() {
  kill();
  g_unlink((dir_ + "/redis.log").c_str());
  g_rmdir(dir_.c_str());
}

bool RedisServer::start() {
  kill();
  const std::string log = dir_ + "/redis.log";
  g_unlink(log.c_str());
  const std::string port = std::to_string(port_);
  std::vector<const char *> argv = {
      "redis-server", "--port", port.c_str(), "--bind",    "127.0.0.1", "--dir",
      dir_.c_str(),   "--save", "",           "--logfile", log.c_str(), nullptr};
  GError *spawn_error = nullptr;
  GPid pid = 0;
  if (!g_spawn_async(nullptr, const_cast<gchar **>(argv.data()), nullptr,
                     GSpawnFlags(G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD), nullptr, nullptr,
                     &pid, &spawn_error)) {
    error_ = spawn_error->message;
    g_error_free(spawn_error);
    return false;
  }
  pid_ = pid;
  // Waits for the log line, or for the server to exit (a port taken, a bad option).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(log).find("Ready to accept connections") != std::string::npos) return true;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  error_ = "redis-server did not start: " + read_text(log);
  kill();
  return false;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

rw::control::Reply RedisServer::reply(const std::vector<std::string> &args) const {
  rw::publish::RedisEndpoint endpoint;
  endpoint.port = port_;
  rw::control::RedisClient client(endpoint);
  std::string error;
  std::optional<rw::control::Reply> reply;
  if (client.connect(error)) reply = client.run(args, error);
  if (reply) return *std::move(reply);
  rw::control::Reply failed;
  failed.type = rw::control::Reply::Type::kError;
  failed.text = error;
  return failed;
}

std::string RedisServer::command(const std::vector<std::string> &args) const {
  const rw::control::Reply r = reply(args);
  if (r.type == rw::control::Reply::Type::kInteger) return std::to_string(r.integer);
  if (r.type == rw::control::Reply::Type::kError) return "(error) " + r.text;
  return r.text;
}

}  // namespace rw::test
