#pragma once

// Byte accounting of a server's WebSocket connection (RFC 6455 §5.2). The server queues
// messages in libsoup, which has no buffered-amount API; the hub counts what it hands over and
// what reaches the socket itself, and needs both in wire bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rw::server {

// Header bytes of one unmasked (server → client) frame with this payload: 2, 4 or 10.
std::size_t websocket_header_bytes(std::size_t payload_bytes);

// Follows the frames in the bytes written to one connection and tells how many of them belong
// to data frames (text, binary, continuation; headers included), as opposed to the ping, pong
// and close frames libsoup sends on its own. Bytes may arrive in any split.
class WireScanner {
 public:
  // Returns how many of `written` belong to data frames.
  std::size_t consume(std::span<const std::uint8_t> written);

 private:
  std::array<std::uint8_t, 14> header_{};  // the longest header: 2 + 8 length + 4 mask
  std::size_t header_bytes_ = 0;           // of header_ seen so far
  std::size_t header_size_ = 2;            // known once its second byte is in
  std::uint64_t payload_left_ = 0;         // of the current frame
  bool data_frame_ = false;                // current frame is text/binary/continuation
};

}  // namespace rw::server
