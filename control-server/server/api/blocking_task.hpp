#pragma once

// File work that may block (fsync, rename, unlink of a large file, reading a static file) runs
// on GLib's worker threads, so the main loop never waits for a disk. The worker gets no access
// to anything else: it takes its inputs by value and returns its result.

#include <functional>
#include <string>

namespace rw::server {

struct BlockingResult {
  std::string error;  // empty: success
  std::string data;   // what the work produced (a file's contents ...)
};

// Runs work on a worker thread; done runs afterwards on the main loop (default context).
void run_blocking(std::function<BlockingResult()> work, std::function<void(BlockingResult)> done);

}  // namespace rw::server
