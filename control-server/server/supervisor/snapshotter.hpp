#pragma once

// A JPEG of a source's first frame, for drawing the ROI and calibrating: gst-launch-1.0 decodes
// it in a child process (a broken file cannot hurt the server, and the loop never waits), with
// a time limit. The last JPEG of each source is kept: a video's until its file changes, a
// camera's for a while. Requests for a source that is being decoded share that decode.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gio/gio.h>

#include "common/api_error.hpp"
#include "common/metrics.hpp"
#include "supervisor/source_config.hpp"

namespace rw::server {

class Snapshotter {
 public:
  using Callback = std::function<void(std::variant<std::string, ApiError>)>;

  struct Config {
    std::chrono::seconds timeout{15};
    std::chrono::seconds camera_max_age{30};
  };

  Snapshotter(Config config, Metrics &metrics);
  ~Snapshotter();  // ends decodes in progress; their callbacks are not called
  Snapshotter(const Snapshotter &) = delete;
  Snapshotter &operator=(const Snapshotter &) = delete;

  // JPEG bytes; 502 when the source cannot be decoded, 504 when decoding takes too long.
  void snapshot(const SourceConfig &source, Callback cb);

 private:
  struct Decode;
  struct Cached {
    std::string identity;  // what the JPEG shows: path, size and time of a file; a URI
    std::string jpeg;
    std::chrono::steady_clock::time_point taken;
  };
  struct Pending;  // what a timer or an I/O callback needs: the owner and the source
  static gboolean on_timeout(gpointer data);
  static void on_communicated(GObject *process, GAsyncResult *result, gpointer data);
  void finish(int source_id, std::variant<std::string, ApiError> outcome);

  Config config_;
  Metrics &metrics_;
  std::map<int, Cached> cache_;
  std::map<int, std::unique_ptr<Decode>> decodes_;
};

}  // namespace rw::server
