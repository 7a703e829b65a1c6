#include "supervisor/runner_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "supervisor/runner_identity.hpp"

namespace rw::server {
namespace {

std::string read_whole(const std::string &path, bool &ok) {
  std::ifstream file(path, std::ios::binary);
  ok = static_cast<bool>(file);
  return ok ? std::string(std::istreambuf_iterator<char>(file), {}) : std::string();
}

}  // namespace

std::unique_ptr<RunnerProcess> RunnerProcess::spawn(
    const std::vector<std::string> &argv, const std::map<std::string, std::string> &environment,
    const std::string &log_path, ExitCallback on_exit) {
  // Append: a restarted runner's output follows the previous one's.
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  }
  gchar **envp = g_get_environ();
  for (const auto &[name, value] : environment) {
    envp = g_environ_setenv(envp, name.c_str(), value.c_str(), TRUE);
  }
  std::vector<const gchar *> args;
  for (const std::string &arg : argv) args.push_back(arg.c_str());
  args.push_back(nullptr);
  // stdin from /dev/null, stdout and stderr to the log, every other descriptor of the server
  // closed (its listening sockets must not outlive it in a runner); reaped by the child watch.
  GPid pid = 0;
  GError *error = nullptr;
  const gboolean spawned = g_spawn_async_with_pipes_and_fds(
      nullptr, args.data(), envp, G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, -1, log_fd, log_fd,
      nullptr, nullptr, 0, &pid, nullptr, nullptr, nullptr, &error);
  g_strfreev(envp);
  close(log_fd);
  if (!spawned) {
    const std::string why = error->message;
    g_error_free(error);
    throw std::runtime_error("cannot start " + argv.front() + ": " + why);
  }
  std::unique_ptr<RunnerProcess> process(new RunnerProcess());
  process->pid_ = pid;
  process->child_ = true;
  process->on_exit_ = std::move(on_exit);
  process->watch_ = g_child_watch_add(pid, on_child_exit, process.get());
  return process;
}

std::unique_ptr<RunnerProcess> RunnerProcess::attach(pid_t pid, ExitCallback on_exit) {
  std::unique_ptr<RunnerProcess> process(new RunnerProcess());
  process->pid_ = pid;
  process->on_exit_ = std::move(on_exit);
  return process;
}

RunnerProcess::~RunnerProcess() {
  // A child that ends after this is no longer reaped by us: a zombie until the server exits,
  // which process_alive() tells from a live runner.
  if (watch_ != 0) g_source_remove(watch_);
}

void RunnerProcess::on_child_exit(GPid, gint wait_status, gpointer data) {
  auto *self = static_cast<RunnerProcess *>(data);
  self->watch_ = 0;  // a child watch fires once
  self->report(WIFSIGNALED(wait_status)
                   ? ChildExit{ChildExit::Kind::kSignaled, WTERMSIG(wait_status)}
                   : ChildExit{ChildExit::Kind::kExited, WEXITSTATUS(wait_status)});
}

void RunnerProcess::report(ChildExit exit) {
  exited_ = true;
  // May destroy this object: nothing touches it after the call.
  ExitCallback on_exit = on_exit_;
  on_exit(exit);
}

void RunnerProcess::send_signal(int signal) {
  if (!exited_) kill(pid_, signal);
}

void RunnerProcess::poll() {
  if (child_ || exited_ || process_alive(pid_)) return;
  report({ChildExit::Kind::kVanished, 0});
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
  // A zombie still answers kill(): its state in /proc/<pid>/stat, after "(comm)", is Z.
  bool ok = false;
  const std::string stat = read_whole("/proc/" + std::to_string(pid) + "/stat", ok);
  const std::size_t paren = stat.rfind(')');
  if (!ok || paren == std::string::npos || paren + 2 >= stat.size()) return ok;
  return stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
}

std::optional<std::vector<std::string>> read_proc_strings(pid_t pid, const char *name) {
  bool ok = false;
  const std::string text = read_whole("/proc/" + std::to_string(pid) + "/" + name, ok);
  if (!ok) return std::nullopt;
  return split_nul(text);
}

}  // namespace rw::server
