#include "ws/subscriptions.hpp"

namespace rw::server {

bool Subscriptions::subscribe(ClientId client, const Channel &channel, FrameEncoding encoding) {
  const bool added = by_client_[client].insert(channel).second;
  by_channel_[channel][client] = encoding;
  return added;
}

bool Subscriptions::unsubscribe(ClientId client, const Channel &channel) {
  const auto channels = by_client_.find(client);
  if (channels == by_client_.end() || channels->second.erase(channel) == 0) return false;
  if (channels->second.empty()) by_client_.erase(channels);
  const auto subscribers = by_channel_.find(channel);
  subscribers->second.erase(client);
  if (subscribers->second.empty()) by_channel_.erase(subscribers);
  return true;
}

std::vector<Channel> Subscriptions::remove_client(ClientId client) {
  const auto channels = by_client_.find(client);
  if (channels == by_client_.end()) return {};
  std::vector<Channel> removed(channels->second.begin(), channels->second.end());
  for (const Channel &channel : removed) unsubscribe(client, channel);
  return removed;
}

const Subscriptions::Subscribers &Subscriptions::subscribers(const Channel &channel) const {
  static const Subscribers kNone;
  const auto it = by_channel_.find(channel);
  return it == by_channel_.end() ? kNone : it->second;
}

std::size_t Subscriptions::subscriber_count(const Channel &channel) const {
  return subscribers(channel).size();
}

std::size_t Subscriptions::channel_count(ClientId client) const {
  const auto it = by_client_.find(client);
  return it == by_client_.end() ? 0 : it->second.size();
}

std::vector<Channel> Subscriptions::channels() const {
  std::vector<Channel> out;
  out.reserve(by_channel_.size());
  for (const auto &[channel, subscribers] : by_channel_) out.push_back(channel);
  return out;
}

nlohmann::json Subscriptions::status_json(std::size_t total_clients,
                                          const std::vector<int> &active_streams) const {
  nlohmann::json channels = nlohmann::json::object();
  for (const auto &[channel, subscribers] : by_channel_) {
    channels[channel_name(channel)] = {{"subscriber_count", subscribers.size()},
                                       {"video_id", channel.source_id}};
  }
  return {
      {"channels", channels}, {"total_clients", total_clients}, {"active_streams", active_streams}};
}

}  // namespace rw::server
