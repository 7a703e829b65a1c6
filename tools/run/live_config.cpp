#include "live_config.hpp"

#include <cmath>
#include <cstdlib>
#include <exception>

#include "rw/common/none.hpp"
#include "rw/geometry/calibration.hpp"
#include "rw/zones/config.hpp"

namespace rw::run {
namespace {

constexpr double kMaxSpeedLimit = 1000;  // roianalytics' bound

const std::string *field(const std::map<std::string, std::string> &hash, const char *name) {
  const auto it = hash.find(name);
  return it == hash.end() || it->second.empty() ? nullptr : &it->second;
}

double parse_speed_limit(const std::string &text) {
  char *end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < 0 ||
      value > kMaxSpeedLimit) {
    throw std::invalid_argument("speed_limit must be a number from 0 to 1000, not '" + text + "'");
  }
  return value;
}

}  // namespace

ConfigDecision decide(const std::map<std::string, std::string> &hash, const LiveConfig &applied,
                      const std::string &seen_version) {
  ConfigDecision decision;
  const std::string *version = field(hash, "version");
  if (version == nullptr || *version == seen_version) return decision;
  decision.change.version = *version;
  try {
    if (const std::string *zones = field(hash, "zones"); zones && *zones != applied.zones_json) {
      if (!rw::is_none(*zones)) rw::zones::parse_zone_config(*zones, "zones");
      decision.change.zones_json = *zones;
    }
    if (const std::string *limit = field(hash, "speed_limit")) {
      const double value = parse_speed_limit(*limit);
      if (value != applied.speed_limit) decision.change.speed_limit = value;
    }
    if (const std::string *calibration = field(hash, "calibration");
        calibration && *calibration != applied.calibration_json) {
      if (!rw::is_none(*calibration)) rw::geometry::parse_calibration(*calibration, "calibration");
      decision.change.calibration_json = *calibration;
    }
  } catch (const std::exception &e) {
    decision.action = ConfigDecision::Action::kReject;
    decision.error =
        "config version " + *version + " rejected, the previous one stays: " + e.what();
    decision.change = LiveConfig{*version, {}, {}, {}};
    return decision;
  }
  decision.action = ConfigDecision::Action::kApply;
  return decision;
}

LiveConfig merged(LiveConfig applied, const LiveConfig &change) {
  applied.version = change.version;
  if (change.zones_json) applied.zones_json = change.zones_json;
  if (change.speed_limit) applied.speed_limit = change.speed_limit;
  if (change.calibration_json) applied.calibration_json = change.calibration_json;
  return applied;
}

}  // namespace rw::run
