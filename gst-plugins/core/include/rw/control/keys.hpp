#pragma once

#include <string>
#include <string_view>

// The control-plane keys shared by pipelines and the server (SPEC §6), next to the data
// streams of rw/publish/streams.hpp:
//  - {prefix}:{source}:viewers  string holding an integer: how many clients watch the source's
//    frames. The server sets it with a TTL it refreshes (e.g. SET ... EX 10) and deletes or
//    lets it expire when the last viewer leaves; viewergate opens while it exists and is > 0.
//  - {prefix}:{source}:status   hash written by roadwatch-run every second, with a TTL.
//  - {prefix}:{source}:config   hash the server writes for live changes (version, zones,
//    speed_limit, calibration); roadwatch-run applies each new version.
namespace rw::control {

std::string viewers_key(std::string_view prefix, std::string_view source_id);
std::string status_key(std::string_view prefix, std::string_view source_id);
std::string config_key(std::string_view prefix, std::string_view source_id);

}  // namespace rw::control
