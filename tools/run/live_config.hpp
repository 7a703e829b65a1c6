#pragma once

#include <map>
#include <optional>
#include <string>

namespace rw::run {

// The live-changeable settings, as the server writes them to {prefix}:{source}:config:
//   version      any string; a new value means "apply this hash" (nothing happens without it)
//   zones        roianalytics/trafficoverlay zone config JSON (pipelines/zones/README.md), or
//                "none": no zones (every vehicle counted once, nothing drawn)
//   speed_limit  number, in the pipeline's UNITS; 0 = no speeding events
//   calibration  homographyspeed calibration JSON (pipelines/calibration/README.md), or
//                "none": no speeds until a calibration comes
// A field left out keeps its current value. Other fields are ignored.
struct LiveConfig {
  std::string version;  // empty: the template's settings
  std::optional<std::string> zones_json;
  std::optional<double> speed_limit;
  std::optional<std::string> calibration_json;
};

// What to do with a config hash read from Redis.
struct ConfigDecision {
  enum class Action {
    kNone,    // no version, or a version already applied or rejected
    kApply,   // `change` holds the new version and the fields that differ from the applied ones
    kReject,  // a field is invalid: `error` says which and why; nothing of it applies
  };
  Action action = Action::kNone;
  LiveConfig change;
  std::string error;
};

// `seen_version` is the last version applied or rejected. Zones and calibration are parsed with
// the elements' own parsers, so what is accepted here loads in the elements.
ConfigDecision decide(const std::map<std::string, std::string> &hash, const LiveConfig &applied,
                      const std::string &seen_version);

// `applied` with the fields `change` sets, and its version.
LiveConfig merged(LiveConfig applied, const LiveConfig &change);

}  // namespace rw::run
