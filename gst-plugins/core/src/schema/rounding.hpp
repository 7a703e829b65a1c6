#pragma once

#include <cmath>

namespace rw::schema {

// Records carry what the numbers mean, not float noise: each quantity is rounded to a step
// (given per unit, so the division by an integer lands on the nearest double to the decimal).
inline constexpr double kPerNormalised = 1e6;  // a thousandth of a pixel on a 1080p frame
inline constexpr double kPerKmh = 100;         // 0.01 km/h, far below any speed error
inline constexpr double kPerMetre = 1000;      // 1 mm on the road plane
inline constexpr double kPerSecond = 1000;     // 1 ms, below one frame interval

inline double round_to(double value, double steps_per_unit) {
  return std::round(value * steps_per_unit) / steps_per_unit + 0.0;  // + 0.0: no "-0"
}

}  // namespace rw::schema
