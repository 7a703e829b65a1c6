#pragma once

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace rw {

// Network libraries that write(2) to sockets (hiredis) raise SIGPIPE when the peer went away,
// and its default action ends the whole process, which a library must not decide for its
// host. While a guard lives, SIGPIPE is blocked on this thread; on destruction any SIGPIPE it
// caused is swallowed (as libpq does) and the old mask comes back.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      const timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard &) = delete;
  SigpipeGuard &operator=(const SigpipeGuard &) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

}  // namespace rw
