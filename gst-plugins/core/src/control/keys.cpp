#include "rw/control/keys.hpp"

#include "rw/publish/streams.hpp"

namespace rw::control {

using rw::publish::source_key;

std::string viewers_key(std::string_view prefix, std::string_view source_id) {
  return source_key(prefix, source_id, "viewers");
}

std::string status_key(std::string_view prefix, std::string_view source_id) {
  return source_key(prefix, source_id, "status");
}

std::string config_key(std::string_view prefix, std::string_view source_id) {
  return source_key(prefix, source_id, "config");
}

}  // namespace rw::control
