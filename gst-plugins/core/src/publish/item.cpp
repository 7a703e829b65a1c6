#include "rw/publish/item.hpp"

namespace rw::publish {

const char *to_string(Kind kind) {
  switch (kind) {
    case Kind::kFrame:
      return "frames";
    case Kind::kAnalytics:
      return "analytics";
    case Kind::kEvent:
      return "events";
  }
  return "?";
}

std::size_t StreamEntry::bytes() const {
  std::size_t total = key.size();
  for (const auto &[field, value] : fields) total += field.size() + value.size();
  return total;
}

std::uint64_t Counters::total_dropped() const {
  std::uint64_t total = 0;
  for (const KindCounters &kind : by_kind) total += kind.dropped;
  return total;
}

}  // namespace rw::publish
