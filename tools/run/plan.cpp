#include "plan.hpp"

#include <charconv>

#include "rw/control/keys.hpp"
#include "template.hpp"

namespace rw::run {
namespace {

std::string value_or(const std::map<std::string, std::string> &values, const std::string &name,
                     const std::string &fallback) {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

}  // namespace

Plan make_plan(const Options &options, const std::string &template_text) {
  const PipelineTemplate pipeline = PipelineTemplate::parse(template_text);
  const std::map<std::string, std::string> resolved = pipeline.resolve(
      options.values, {"SOURCE_ID", "KEY_PREFIX", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"});
  Plan plan;
  plan.description = pipeline.expand(resolved);
  plan.live = is_live(options, resolved);
  plan.source_id = value_or(resolved, "SOURCE_ID", "");
  if (plan.source_id.empty()) {
    throw TemplateError("SOURCE_ID is required: it names the status and config keys");
  }
  plan.redis.host = value_or(resolved, "REDIS_HOST", plan.redis.host);
  plan.redis.password = value_or(resolved, "REDIS_PASSWORD", "");
  const std::string port = value_or(resolved, "REDIS_PORT", std::to_string(plan.redis.port));
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), plan.redis.port);
  if (ec != std::errc() || end != port.data() + port.size() || plan.redis.port < 1 ||
      plan.redis.port > 65535) {
    throw UsageError("REDIS_PORT must be a TCP port, not '" + port + "'");
  }
  // Status and config are small: a slow Redis must not hold the control thread for long.
  plan.redis.connect_timeout = plan.redis.command_timeout = std::chrono::milliseconds(1000);
  const std::string prefix = value_or(resolved, "KEY_PREFIX", "roadwatch");
  plan.status_key = rw::control::status_key(prefix, plan.source_id);
  plan.config_key = rw::control::config_key(prefix, plan.source_id);
  return plan;
}

}  // namespace rw::run
