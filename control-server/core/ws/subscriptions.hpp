#pragma once

// The one subscription registry of the WebSocket hub: channel → clients (with the frame
// encoding each asked for) and client → channels, kept in step. What the stream reader reads,
// the viewer counts and GET /api/websocket/status all come from here.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "ws/channel.hpp"
#include "ws/protocol.hpp"

namespace rw::server {

using ClientId = std::uint64_t;

class Subscriptions {
 public:
  using Subscribers = std::map<ClientId, FrameEncoding>;

  // True when the client was not subscribed yet; a repeat only updates the encoding.
  bool subscribe(ClientId client, const Channel &channel, FrameEncoding encoding);
  // True when the client was subscribed.
  bool unsubscribe(ClientId client, const Channel &channel);
  // Forgets the client; returns the channels it had.
  std::vector<Channel> remove_client(ClientId client);

  const Subscribers &subscribers(const Channel &channel) const;  // empty when none
  std::size_t subscriber_count(const Channel &channel) const;
  std::size_t channel_count(ClientId client) const;
  // Channels with at least one subscriber, in Channel order.
  std::vector<Channel> channels() const;

  // The seed's GET /api/websocket/status body: {"channels":{name:{"subscriber_count",
  // "video_id"}},"total_clients","active_streams"}. Clients without any subscription count
  // in total_clients too, so the hub passes that number.
  nlohmann::json status_json(std::size_t total_clients,
                             const std::vector<int> &active_streams) const;

 private:
  std::map<Channel, Subscribers> by_channel_;
  std::map<ClientId, std::set<Channel>> by_client_;
};

}  // namespace rw::server
