#pragma once

#include <gst/gst.h>

#include <atomic>
#include <string>

#include "rw/publish/item.hpp"
#include "rw/publish/publisher.hpp"

namespace rw::gst {

// Tells the application what redissink's sender thread sees: an element warning once per
// outage ("redis unreachable"), an element info when it is back, a warning the first time
// Redis refuses entries; reconnect attempts and drops go to the debug log (the backoff and
// the publisher's drop report interval pace them).
class BusReporter : public rw::publish::PublisherListener {
 public:
  BusReporter(GstElement *element, std::string endpoint);

  void on_connected(bool after_outage) override;
  void on_outage(const std::string &error) override;
  void on_retry(const std::string &error, std::chrono::milliseconds delay) override;
  void on_rejected(const std::string &error, std::size_t entries) override;
  void on_dropped(const rw::publish::Counters &counters) override;

 private:
  GstElement *element_;   // not owned: the element owns this reporter
  std::string endpoint_;  // host:port, for messages
  std::atomic<bool> warned_rejected_{false};
};

// "redissink-stats": enqueued-, published-, dropped- and pending- (queued or in flight)
// frames/analytics/events as guint64, and connected. The caller owns the structure.
GstStructure *stats_structure(const rw::publish::Counters &counters, bool connected);

}  // namespace rw::gst
