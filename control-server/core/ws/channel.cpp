#include "ws/channel.hpp"

namespace rw::server {
namespace {

constexpr std::string_view kFramesPrefix = "processed_frame_";
constexpr std::string_view kAnalyticsPrefix = "analytics_metrics_";
constexpr std::size_t kMaxIdDigits = 9;  // fits an int

std::optional<int> parse_id(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxIdDigits || digits.front() == '0') return std::nullopt;
  int id = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace

std::optional<Channel> parse_channel(std::string_view name) {
  for (const auto &[prefix, kind] : {std::pair{kFramesPrefix, ChannelKind::kFrames},
                                     std::pair{kAnalyticsPrefix, ChannelKind::kAnalytics}}) {
    if (!name.starts_with(prefix)) continue;
    const std::optional<int> id = parse_id(name.substr(prefix.size()));
    if (!id) return std::nullopt;
    return Channel{kind, *id};
  }
  return std::nullopt;
}

std::string channel_name(const Channel &channel) {
  const std::string_view prefix =
      channel.kind == ChannelKind::kFrames ? kFramesPrefix : kAnalyticsPrefix;
  return std::string(prefix) + std::to_string(channel.source_id);
}

}  // namespace rw::server
