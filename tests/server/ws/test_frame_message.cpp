// Frame messages: the binary layout (length, JSON header, JPEG) and the seed's base64 form.

#include "ws/frame_message.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rw::server {
namespace {

using nlohmann::json;

const std::string kJpeg("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\r\n\xFF\xD9", 16);

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFF\xD8\xFF\xE0\x00", 5)), "/9j/4AA=");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(base64_encode(all).substr(0, 60),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss");
  EXPECT_EQ(base64_encode(all).size(), 344u);
}

TEST(BinaryFrame, LengthPrefixedHeaderThenTheJpegUnchanged) {
  const FrameInfo frame{3, 42, 1'400'000'000, 1'712'345'678'901};
  const std::string message = binary_frame_message(frame, kJpeg);
  ASSERT_GE(message.size(), 4u);
  const std::size_t length =
      static_cast<unsigned char>(message[0]) << 24 | static_cast<unsigned char>(message[1]) << 16 |
      static_cast<unsigned char>(message[2]) << 8 | static_cast<unsigned char>(message[3]);
  ASSERT_EQ(message.size(), 4 + length + kJpeg.size());
  EXPECT_EQ(json::parse(message.substr(4, length)),
            json::parse(R"({"type":"frame","channel":"processed_frame_3","video_id":3,
                            "frame_number":42,"pts_ns":1400000000,
                            "timestamp":1712345678901})"));
  EXPECT_EQ(message.substr(4 + length), kJpeg);
}

TEST(BinaryFrame, NoPtsNoKey) {
  const std::string message = binary_frame_message({9, 0, std::nullopt, 5}, "");
  const std::size_t length = static_cast<unsigned char>(message[3]);
  const json header = json::parse(message.substr(4, length));
  EXPECT_FALSE(header.contains("pts_ns"));
  EXPECT_EQ(header["channel"], "processed_frame_9");
  EXPECT_EQ(message.size(), 4 + length);
}

TEST(Base64Frame, SeedShape) {
  const json message =
      json::parse(base64_frame_message({1, 42, 7, 1'234'567'890}, std::string("\xFF\xD8", 2)));
  EXPECT_EQ(message, json::parse(R"({"type":"frame","data":{"video_id":1,"frame_number":42,
                                   "timestamp":1234567890,
                                   "processed_frame":"data:image/jpeg;base64,/9g=",
                                   "roi_polygon":[],"end_of_stream":false}})"));
}

}  // namespace
}  // namespace rw::server
