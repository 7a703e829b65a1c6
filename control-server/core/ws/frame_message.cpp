#include "ws/frame_message.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "ws/channel.hpp"

namespace rw::server {

std::string binary_frame_message(const FrameInfo &frame, std::string_view jpeg) {
  nlohmann::json header = {
      {"type", "frame"},
      {"channel", channel_name({ChannelKind::kFrames, frame.source_id})},
      {"video_id", frame.source_id},
      {"frame_number", frame.frame_number},
  };
  if (frame.pts_ns) header["pts_ns"] = *frame.pts_ns;
  header["timestamp"] = frame.timestamp_ms;
  const std::string text = header.dump();
  const auto length = static_cast<std::uint32_t>(text.size());
  std::string message;
  message.reserve(4 + text.size() + jpeg.size());
  for (const int shift : {24, 16, 8, 0})
    message.push_back(static_cast<char>((length >> shift) & 0xFF));
  message += text;
  message += jpeg;
  return message;
}

std::string base64_frame_message(const FrameInfo &frame, std::string_view jpeg) {
  const nlohmann::json message = {
      {"type", "frame"},
      {"data",
       {{"video_id", frame.source_id},
        {"frame_number", frame.frame_number},
        {"timestamp", frame.timestamp_ms},
        {"processed_frame", "data:image/jpeg;base64," + base64_encode(jpeg)},
        {"roi_polygon", nlohmann::json::array()},
        {"end_of_stream", false}}},
  };
  return message.dump();
}

std::string base64_encode(std::string_view bytes) {
  static constexpr std::array<char, 65> kAlphabet{
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"};
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t triple =
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
        static_cast<unsigned char>(bytes[i + 2]);
    for (const int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(triple >> shift) & 0x3F]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t triple = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2)
    triple |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out.push_back(kAlphabet[(triple >> 18) & 0x3F]);
  out.push_back(kAlphabet[(triple >> 12) & 0x3F]);
  out.push_back(rest == 2 ? kAlphabet[(triple >> 6) & 0x3F] : '=');
  out.push_back('=');
  return out;
}

}  // namespace rw::server
