#pragma once

// WebSocket channel names of the seed protocol: processed_frame_{id} carries a source's JPEG
// frames, analytics_metrics_{id} its analytics. {id} is the source's id in `sources`.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace rw::server {

enum class ChannelKind { kFrames, kAnalytics };

struct Channel {
  ChannelKind kind = ChannelKind::kFrames;
  int source_id = 0;

  auto operator<=>(const Channel &) const = default;
};

// nullopt unless `name` is one of the two forms with a canonical positive decimal id (no sign,
// no leading zero, at most 9 digits), so that one channel has one name.
std::optional<Channel> parse_channel(std::string_view name);
std::string channel_name(const Channel &channel);

}  // namespace rw::server
