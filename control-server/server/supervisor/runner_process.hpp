#pragma once

// One roadwatch-run process of a session: either a child the server spawned (its end reported
// by a GLib child watch on the main loop) or a runner the server re-attached to after it
// restarted itself. A re-attached runner is not the server's child, so nothing reports its end:
// poll() notices it. Either way the process outlives this object and the server: its output
// goes to a log file, never to a pipe the server holds.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <glib.h>

#include "supervisor/restart_policy.hpp"  // ChildExit

namespace rw::server {

class RunnerProcess {
 public:
  using ExitCallback = std::function<void(ChildExit)>;

  // argv[0] is the program; `environment` is added to the server's; stdout and stderr append
  // to log_path. on_exit runs on the main loop, once, unless this object is destroyed first.
  // Throws std::runtime_error when the log cannot be opened or the program cannot start.
  static std::unique_ptr<RunnerProcess> spawn(const std::vector<std::string> &argv,
                                              const std::map<std::string, std::string> &environment,
                                              const std::string &log_path, ExitCallback on_exit);
  // A process that is not the server's child.
  static std::unique_ptr<RunnerProcess> attach(pid_t pid, ExitCallback on_exit);

  ~RunnerProcess();  // stops watching; the process runs on
  RunnerProcess(const RunnerProcess &) = delete;
  RunnerProcess &operator=(const RunnerProcess &) = delete;

  pid_t pid() const { return pid_; }
  bool attached() const { return !child_; }
  void send_signal(int signal);
  // Re-attached: calls on_exit ({kVanished}) when the process is gone. A child: no-op.
  void poll();

 private:
  RunnerProcess() = default;
  static void on_child_exit(GPid pid, gint wait_status, gpointer data);
  void report(ChildExit exit);

  pid_t pid_ = -1;
  bool child_ = false;
  guint watch_ = 0;  // the child watch, until it fires
  ExitCallback on_exit_;
  bool exited_ = false;
};

// Whether pid is a live process (a zombie is not).
bool process_alive(pid_t pid);
// The NUL-separated contents of /proc/<pid>/<name> (cmdline, environ); nullopt when unreadable.
std::optional<std::vector<std::string>> read_proc_strings(pid_t pid, const char *name);

}  // namespace rw::server
