// WireScanner: data-frame bytes in a server's outgoing byte stream, whatever the split.

#include "ws/wire.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace rw::server {
namespace {

// One frame as libsoup writes it: FIN + opcode, length (7, 16 or 64 bit), optional mask.
std::vector<std::uint8_t> wire_frame(std::uint8_t opcode, std::size_t payload, bool masked) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(0x80 | opcode)};
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | payload));
  } else if (payload < 65536) {
    out.push_back(mask_bit | 126);
    for (const int shift : {8, 0}) out.push_back(static_cast<std::uint8_t>(payload >> shift));
  } else {
    out.push_back(mask_bit | 127);
    for (const int shift : {56, 48, 40, 32, 24, 16, 8, 0}) {
      out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(payload) >> shift));
    }
  }
  if (masked) out.insert(out.end(), {1, 2, 3, 4});
  out.insert(out.end(), payload, 0x81);  // payload bytes that look like headers
  return out;
}

TEST(WebsocketHeaderBytes, SevenSixteenSixtyFourBitLengths) {
  EXPECT_EQ(websocket_header_bytes(0), 2u);
  EXPECT_EQ(websocket_header_bytes(125), 2u);
  EXPECT_EQ(websocket_header_bytes(126), 4u);
  EXPECT_EQ(websocket_header_bytes(65535), 4u);
  EXPECT_EQ(websocket_header_bytes(65536), 10u);
  EXPECT_EQ(wire_frame(0x2, 70'000, false).size(), 70'000 + websocket_header_bytes(70'000));
}

TEST(WireScanner, CountsDataFramesAndSkipsControlFramesInAnySplit) {
  std::vector<std::uint8_t> stream;
  std::size_t data_bytes = 0;
  const auto add = [&](std::uint8_t opcode, std::size_t payload, bool masked) {
    const auto frame = wire_frame(opcode, payload, masked);
    stream.insert(stream.end(), frame.begin(), frame.end());
    if (opcode < 0x8) data_bytes += frame.size();
  };
  add(0x1, 40, false);      // text
  add(0x9, 20, false);      // ping (keepalive)
  add(0x2, 50'000, false);  // binary, 16-bit length
  add(0xA, 0, false);       // pong, empty
  add(0x2, 70'000, false);  // binary, 64-bit length
  add(0x0, 10, true);       // continuation, masked
  add(0x1, 0, false);       // empty text
  add(0x8, 15, false);      // close with reason

  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    WireScanner scanner;
    std::size_t counted = 0;
    std::size_t offset = 0;
    while (offset < stream.size()) {
      const std::size_t n = std::min<std::size_t>(
          std::uniform_int_distribution<std::size_t>(1, 4000)(rng), stream.size() - offset);
      counted += scanner.consume(std::span(stream).subspan(offset, n));
      offset += n;
    }
    ASSERT_EQ(counted, data_bytes) << "trial " << trial;
  }
  WireScanner byte_by_byte;
  std::size_t counted = 0;
  for (const std::uint8_t byte : stream) counted += byte_by_byte.consume(std::span(&byte, 1));
  EXPECT_EQ(counted, data_bytes);
}

}  // namespace
}  // namespace rw::server
