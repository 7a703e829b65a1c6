#pragma once

// Reading the pipeline's Redis streams (SPEC §6, rw/publish/streams.hpp) from XREAD replies:
// {p}:{src}:analytics entries carry `json` (a roadwatch/1 record); {p}:{src}:frames entries
// carry `frame_number`, `pts_ns` (when known) and `jpeg` (binary).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rw/control/redis_client.hpp"  // rw::control::Reply
#include "ws/frame_message.hpp"

namespace rw::server {

struct ReadEntry {
  std::string id;  // "<ms>-<seq>"
  std::map<std::string, std::string> fields;
};

struct ReadStream {
  std::string key;
  std::vector<ReadEntry> entries;
};

// The streams of an XREAD reply, in reply order; a nil reply (BLOCK timed out) is none.
// Throws rw::Error for any other shape.
std::vector<ReadStream> parse_xread_reply(const rw::control::Reply &reply);

// The milliseconds part of an entry id; nullopt when it is not "<ms>-<seq>".
std::optional<std::int64_t> entry_time_ms(std::string_view id);

// The frame described by a frames entry of `source_id`; its timestamp is the entry id's time.
// Throws rw::Error naming the field that is missing or not a number.
FrameInfo frame_info(const ReadEntry &entry, int source_id);

}  // namespace rw::server
