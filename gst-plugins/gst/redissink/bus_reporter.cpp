#include "redissink/bus_reporter.h"

#include <utility>

GST_DEBUG_CATEGORY_EXTERN(gst_redis_sink_debug);
#define GST_CAT_DEFAULT gst_redis_sink_debug

namespace rw::gst {

using rw::publish::Counters;
using rw::publish::Kind;

BusReporter::BusReporter(GstElement *element, std::string endpoint)
    : element_(element), endpoint_(std::move(endpoint)) {}

void BusReporter::on_connected(bool after_outage) {
  GST_INFO_OBJECT(element_, "connected to redis at %s", endpoint_.c_str());
  if (after_outage) {
    // In the debug text too: that is what gst-launch-1.0 prints for an info message.
    GST_ELEMENT_INFO(element_, RESOURCE, OPEN_WRITE,
                     ("reconnected to redis at %s", endpoint_.c_str()),
                     ("reconnected to redis at %s", endpoint_.c_str()));
  }
}

void BusReporter::on_outage(const std::string &error) {
  GST_ELEMENT_WARNING(element_, RESOURCE, OPEN_WRITE,
                      ("redis at %s unreachable: queueing, dropping the oldest frames first "
                       "when the queue is full",
                       endpoint_.c_str()),
                      ("%s", error.c_str()));
}

void BusReporter::on_retry(const std::string &error, std::chrono::milliseconds delay) {
  GST_INFO_OBJECT(element_, "redis at %s: %s; reconnecting in %lld ms", endpoint_.c_str(),
                  error.c_str(), static_cast<long long>(delay.count()));
}

void BusReporter::on_rejected(const std::string &error, std::size_t entries) {
  if (!warned_rejected_.exchange(true)) {
    GST_ELEMENT_WARNING(element_, RESOURCE, WRITE,
                        ("redis at %s refused entries; they are dropped", endpoint_.c_str()),
                        ("%s", error.c_str()));
  }
  GST_INFO_OBJECT(element_, "redis refused %zu entries: %s", entries, error.c_str());
}

void BusReporter::on_dropped(const Counters &counters) {
  GST_INFO_OBJECT(element_,
                  "dropped so far: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
                  " analytics, %" G_GUINT64_FORMAT " events",
                  guint64(counters[Kind::kFrame].dropped),
                  guint64(counters[Kind::kAnalytics].dropped),
                  guint64(counters[Kind::kEvent].dropped));
}

GstStructure *stats_structure(const Counters &counters, bool connected) {
  GstStructure *s = gst_structure_new("redissink-stats", "connected", G_TYPE_BOOLEAN,
                                      gboolean(connected), nullptr);
  for (Kind kind : rw::publish::kDropOrder) {
    const rw::publish::KindCounters &c = counters[kind];
    const std::string name = rw::publish::to_string(kind);
    gst_structure_set(s, ("enqueued-" + name).c_str(), G_TYPE_UINT64, guint64(c.enqueued),
                      ("published-" + name).c_str(), G_TYPE_UINT64, guint64(c.published),
                      ("dropped-" + name).c_str(), G_TYPE_UINT64, guint64(c.dropped),
                      ("pending-" + name).c_str(), G_TYPE_UINT64, guint64(c.queued + c.in_flight),
                      nullptr);
  }
  return s;
}

}  // namespace rw::gst
