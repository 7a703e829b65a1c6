#pragma once

// The frame messages of the WebSocket protocol, built once per frame and shared by every
// subscriber with the same encoding.
//  - binary: 4-byte big-endian length N, N bytes of JSON header
//    {"type":"frame","channel":"processed_frame_3","video_id":3,"frame_number":..,
//     "pts_ns":.. (when known),"timestamp":<ms>}, then the JPEG bytes as they are.
//  - base64 (seed clients): the text message {"type":"frame","data":{"video_id",
//    "frame_number","timestamp","processed_frame":"data:image/jpeg;base64,...",
//    "roi_polygon":[],"end_of_stream":false}}.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rw::server {

struct FrameInfo {
  int source_id = 0;
  std::uint64_t frame_number = 0;
  std::optional<std::int64_t> pts_ns;
  std::int64_t timestamp_ms = 0;  // when Redis took the frame (its stream entry id)
};

std::string binary_frame_message(const FrameInfo &frame, std::string_view jpeg);
std::string base64_frame_message(const FrameInfo &frame, std::string_view jpeg);

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

}  // namespace rw::server
