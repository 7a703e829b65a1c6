#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rw/publish/item.hpp"
#include "rw/schema/frame_record.hpp"

// The Redis contract (SPEC §6): stream names and the fields of their entries.
namespace rw::publish {

struct StreamConfig {
  std::string key_prefix = "roadwatch";
  std::uint64_t analytics_maxlen = 10000;
  std::uint64_t frames_maxlen = 50;
  std::uint64_t events_maxlen = 100000;
  std::string run_id;  // written as `run_id` on every events entry when not empty
};

// "{prefix}:{source_id}:{leaf}": every per-source key (streams here, control keys in
// rw/control/keys.hpp) is named this way.
std::string source_key(std::string_view prefix, std::string_view source_id, std::string_view leaf);

std::string analytics_key(std::string_view prefix, std::string_view source_id);  // p:s:analytics
std::string frames_key(std::string_view prefix, std::string_view source_id);     // p:s:frames
std::string events_key(std::string_view prefix);                                 // p:events

// The record on its source's analytics stream (field `json`), then each of its events on the
// shared events stream: fields `source_id`, `run_id` (when config has one), `json` and, for an
// event whose index in record.events has an entry in `snapshots`, `jpeg` (those bytes).
std::vector<Item> record_items(const rw::schema::FrameRecord &record, const StreamConfig &config,
                               std::map<std::size_t, std::string> snapshots = {});

// One JPEG on its source's frames stream: `frame_number`, `pts_ns` (when known), `jpeg` (the
// bytes as they are, never base64).
Item frame_item(const StreamConfig &config, std::string_view source_id, std::uint64_t frame_number,
                std::optional<std::int64_t> pts_ns, std::string jpeg);

}  // namespace rw::publish
