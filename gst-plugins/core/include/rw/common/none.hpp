#pragma once

#include <string_view>

namespace rw {

// The explicit "not configured yet" value of a config property (homographyspeed
// `calibration=none`, roianalytics and trafficoverlay `zones=none`, their -file twins alike):
// the element runs without that config instead of failing to start. An empty value is no
// value at all, which stays an error where a config is required, so a forgotten property
// cannot pass for an intended "none".
inline constexpr std::string_view kNone = "none";

inline bool is_none(std::string_view value) {
  return value == kNone;
}

}  // namespace rw
