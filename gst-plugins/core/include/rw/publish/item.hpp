#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// What the publisher sends: one Redis stream entry per item, tagged with its kind so a full
// outbox knows what to give up first.
namespace rw::publish {

// In drop order: when the outbox is full, frames go first and events last.
enum class Kind : std::uint8_t { kFrame, kAnalytics, kEvent };
inline constexpr std::size_t kKindCount = 3;
inline constexpr std::array<Kind, kKindCount> kDropOrder = {Kind::kFrame, Kind::kAnalytics,
                                                            Kind::kEvent};

const char *to_string(Kind kind);  // "frames", "analytics", "events"

// One XADD: `key MAXLEN ~ maxlen * field value ...`. Values are bytes (a JPEG may hold NULs).
struct StreamEntry {
  std::string key;
  std::uint64_t maxlen = 0;  // 0 = no trimming
  std::vector<std::pair<std::string, std::string>> fields;

  std::size_t bytes() const;  // key, field names and values: what the outbox bounds
};

struct Item {
  Kind kind = Kind::kAnalytics;
  StreamEntry entry;
  int attempts = 0;  // sends whose outcome was lost with the connection
};

struct KindCounters {
  std::uint64_t enqueued = 0;
  std::uint64_t published = 0;  // Redis confirmed the XADD
  std::uint64_t dropped = 0;    // policy, rejected by Redis, or given up
  std::uint64_t queued = 0;     // waiting in the outbox
  std::uint64_t in_flight = 0;  // sent or being sent, outcome not known yet
};

// Per kind, at every instant: enqueued == published + dropped + queued + in_flight.
struct Counters {
  std::array<KindCounters, kKindCount> by_kind{};

  KindCounters &operator[](Kind kind) { return by_kind[static_cast<std::size_t>(kind)]; }
  const KindCounters &operator[](Kind kind) const {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  std::uint64_t total_dropped() const;
};

}  // namespace rw::publish
