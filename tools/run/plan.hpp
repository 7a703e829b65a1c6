#pragma once

#include <string>

#include "options.hpp"
#include "rw/publish/connection.hpp"

namespace rw::run {

// Everything roadwatch-run needs to run: the expanded pipeline and where it reports.
struct Plan {
  std::string description;  // for gst_parse_launch
  bool live = false;
  std::string source_id;
  rw::publish::RedisEndpoint redis;
  std::string status_key;
  std::string config_key;
};

// From the options and the template's text. The runner reads SOURCE_ID (required),
// KEY_PREFIX (roadwatch), REDIS_HOST (127.0.0.1), REDIS_PORT (6379) and REDIS_PASSWORD
// (none) from the variables, whether the template uses them or not. Throws TemplateError or
// UsageError.
Plan make_plan(const Options &options, const std::string &template_text);

}  // namespace rw::run
