#pragma once

// What one WebSocket client still has to be sent, and when to hand the next message to the
// socket layer. libsoup queues without bound, so the hub keeps its own queue here and hands a
// message over only while the client's bytes in flight (handed over, not yet written to the
// socket) stay within a bound:
//  - frames: one slot per frame channel; a newer frame replaces an older unsent one, so a slow
//    client sees fewer frames, never old ones;
//  - analytics and control messages (acks, errors, pongs): a FIFO bounded in messages and
//    bytes; when it is full the client is a slow consumer and is closed: analytics are not
//    dropped silently.
// The FIFO goes first: analytics are small and must stay complete and in order.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ws/channel.hpp"

namespace rw::server {

enum class MessageKind { kControl, kAnalytics, kFrame };

// One message to send; frames are shared by every subscriber (built once per frame).
struct OutMessage {
  std::shared_ptr<const std::string> payload;
  bool binary = false;
  MessageKind kind = MessageKind::kControl;

  // Bytes it takes on the wire: payload and frame header.
  std::size_t wire_bytes() const;
};

struct ClientQueueLimits {
  std::size_t max_in_flight_bytes = 1 << 20;
  std::size_t max_queued_messages = 256;  // analytics and control
  std::size_t max_queued_bytes = 4 << 20;
};

class ClientQueue {
 public:
  explicit ClientQueue(ClientQueueLimits limits) : limits_(limits) {}

  // Replaces the channel's unsent frame, if any.
  void push_frame(const Channel &channel, OutMessage frame);
  // False when the FIFO is full (the message is not queued): a slow consumer.
  [[nodiscard]] bool push(OutMessage message);
  // After an unsubscribe: the channel's unsent frame goes.
  void drop_frame(const Channel &channel);

  // The next message to hand over with `in_flight_bytes` still unwritten; nullopt when nothing
  // waits or the next one would go past the bound. A message bigger than the bound still goes
  // when nothing is in flight, so in-flight bytes stay within max(bound, one message).
  std::optional<OutMessage> next(std::size_t in_flight_bytes);

  bool empty() const { return fifo_.empty() && frames_.empty(); }
  std::size_t queued_messages() const { return fifo_.size(); }
  std::size_t queued_bytes() const { return fifo_bytes_; }
  std::uint64_t frames_replaced() const { return frames_replaced_; }

 private:
  bool fits(const OutMessage &message, std::size_t in_flight_bytes) const;

  ClientQueueLimits limits_;
  std::deque<OutMessage> fifo_;
  std::size_t fifo_bytes_ = 0;
  std::map<Channel, OutMessage> frames_;
  std::optional<Channel> last_frame_channel_;  // frame channels take turns
  std::uint64_t frames_replaced_ = 0;
};

}  // namespace rw::server
