#pragma once

#include <stdexcept>
#include <string>

namespace rw {

// An error a user can act on: the message names the input at fault and what to do.
// Core code throws it; the GStreamer glue turns it into GST_ELEMENT_ERROR.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

}  // namespace rw
