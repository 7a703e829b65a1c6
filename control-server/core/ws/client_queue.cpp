#include "ws/client_queue.hpp"

#include <utility>

#include "ws/wire.hpp"

namespace rw::server {

std::size_t OutMessage::wire_bytes() const {
  const std::size_t size = payload ? payload->size() : 0;
  return size + websocket_header_bytes(size);
}

void ClientQueue::push_frame(const Channel &channel, OutMessage frame) {
  auto [it, added] = frames_.insert_or_assign(channel, std::move(frame));
  if (!added) ++frames_replaced_;
}

bool ClientQueue::push(OutMessage message) {
  const std::size_t bytes = message.wire_bytes();
  if (fifo_.size() >= limits_.max_queued_messages ||
      fifo_bytes_ + bytes > limits_.max_queued_bytes) {
    return false;
  }
  fifo_bytes_ += bytes;
  fifo_.push_back(std::move(message));
  return true;
}

void ClientQueue::drop_frame(const Channel &channel) {
  frames_.erase(channel);
}

bool ClientQueue::fits(const OutMessage &message, std::size_t in_flight_bytes) const {
  return in_flight_bytes == 0 ||
         in_flight_bytes + message.wire_bytes() <= limits_.max_in_flight_bytes;
}

std::optional<OutMessage> ClientQueue::next(std::size_t in_flight_bytes) {
  if (!fifo_.empty()) {
    if (!fits(fifo_.front(), in_flight_bytes)) return std::nullopt;
    OutMessage message = std::move(fifo_.front());
    fifo_.pop_front();
    fifo_bytes_ -= message.wire_bytes();
    return message;
  }
  if (frames_.empty()) return std::nullopt;
  auto it = last_frame_channel_ ? frames_.upper_bound(*last_frame_channel_) : frames_.begin();
  if (it == frames_.end()) it = frames_.begin();
  if (!fits(it->second, in_flight_bytes)) return std::nullopt;
  OutMessage frame = std::move(it->second);
  last_frame_channel_ = it->first;
  frames_.erase(it);
  return frame;
}

}  // namespace rw::server
