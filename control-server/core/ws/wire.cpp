#include "ws/wire.hpp"

#include <algorithm>

namespace rw::server {
namespace {

constexpr std::size_t kMaxSevenBitLength = 125;
constexpr std::size_t kMaxSixteenBitLength = 65535;

}  // namespace

std::size_t websocket_header_bytes(std::size_t payload_bytes) {
  if (payload_bytes <= kMaxSevenBitLength) return 2;
  if (payload_bytes <= kMaxSixteenBitLength) return 4;
  return 10;
}

std::size_t WireScanner::consume(std::span<const std::uint8_t> written) {
  std::size_t data_bytes = 0;
  std::size_t i = 0;
  while (i < written.size()) {
    if (payload_left_ > 0) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, written.size() - i));
      if (data_frame_) data_bytes += n;
      payload_left_ -= n;
      i += n;
      continue;
    }
    const std::uint8_t byte = written[i++];
    header_[header_bytes_++] = byte;
    if (header_bytes_ == 1) data_frame_ = (byte & 0x08) == 0;  // opcodes 0x8-0xF are control
    if (data_frame_) ++data_bytes;
    if (header_bytes_ == 2) {
      const std::uint8_t length7 = byte & 0x7F;
      const std::size_t mask = (byte & 0x80) != 0 ? 4 : 0;
      header_size_ = 2 + mask + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0);
    }
    if (header_bytes_ < header_size_) continue;
    const std::uint8_t length7 = header_[1] & 0x7F;
    std::uint64_t length = length7;
    if (length7 >= 126) {
      const std::size_t count = length7 == 126 ? 2 : 8;
      length = 0;
      for (std::size_t k = 0; k < count; ++k) length = length << 8 | header_[2 + k];
    }
    payload_left_ = length;
    header_bytes_ = 0;
    header_size_ = 2;
  }
  return data_bytes;
}

}  // namespace rw::server
