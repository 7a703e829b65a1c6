#include "options.hpp"

#include <charconv>
#include <cstdlib>

namespace rw::run {
namespace {

long long positive_number(const std::string &flag, const std::string &text, long long max) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0 || value > max) {
    throw UsageError(flag + " wants a whole number from 1 to " + std::to_string(max) + ", not '" +
                     text + "'");
  }
  return value;
}

}  // namespace

Options parse_options(const std::vector<std::string> &args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string &flag = args[i];
    if (flag == "-h" || flag == "--help") {
      options.help = true;
      continue;
    }
    if (flag == "--live") {
      options.live = true;
      continue;
    }
    if (i + 1 >= args.size()) throw UsageError(flag + " needs a value (see --help)");
    const std::string &value = args[++i];
    if (flag == "--template") {
      options.template_path = value;
    } else if (flag == "--set") {
      const std::size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw UsageError("--set wants KEY=VALUE, not '" + value + "'");
      }
      options.values[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (flag == "--set-env") {
      // A secret (REDIS_PASSWORD) passed this way stays out of the process list.
      const char *from_env = value.empty() ? nullptr : std::getenv(value.c_str());
      if (from_env == nullptr) {
        throw UsageError("--set-env " + value + ": no such variable in the environment");
      }
      options.values[value] = from_env;
    } else if (flag == "--stall-timeout-s") {
      options.stall_timeout = std::chrono::seconds(positive_number(flag, value, 3600));
    } else if (flag == "--eos-timeout-s") {
      options.eos_timeout = std::chrono::seconds(positive_number(flag, value, 3600));
    } else if (flag == "--status-interval-ms") {
      options.status_interval = std::chrono::milliseconds(positive_number(flag, value, 60000));
    } else if (flag == "--config-interval-ms") {
      options.config_interval = std::chrono::milliseconds(positive_number(flag, value, 60000));
    } else if (flag == "--status-ttl-s") {
      options.status_ttl = std::chrono::seconds(positive_number(flag, value, 86400));
    } else if (flag == "--backoff-initial-ms") {
      options.backoff_initial = std::chrono::milliseconds(positive_number(flag, value, 600000));
    } else if (flag == "--backoff-max-ms") {
      options.backoff_max = std::chrono::milliseconds(positive_number(flag, value, 3600000));
    } else {
      throw UsageError("unknown option '" + flag + "' (see --help)");
    }
  }
  if (!options.help && options.template_path.empty()) {
    throw UsageError("--template FILE is required (see --help)");
  }
  if (options.status_ttl <= options.status_interval) {
    throw UsageError(
        "--status-ttl-s must be longer than --status-interval-ms, or the status "
        "hash expires between updates");
  }
  return options;
}

std::string usage() {
  return R"(usage: roadwatch-run --template FILE [--set KEY=VALUE]... [options]

Builds a pipeline from a template in pipelines/ (see pipelines/README.md), runs it and reports
its status to the Redis hash {KEY_PREFIX}:{SOURCE_ID}:status; applies new versions of the hash
{KEY_PREFIX}:{SOURCE_ID}:config while running. Redis is reached at REDIS_HOST (127.0.0.1),
REDIS_PORT (6379) with REDIS_PASSWORD, set like any template variable.

  --template FILE            gst-launch description with ${VARIABLES}
  --set KEY=VALUE            a template variable (repeatable)
  --set-env KEY              the variable KEY from the environment variable KEY (repeatable;
                             for secrets such as REDIS_PASSWORD, which --set would show in the
                             process list)
  --live                     rebuild the pipeline after errors and stalls (implied by a URI
                             variable that is not file://)
  --stall-timeout-s N        live: rebuild after N s without a frame (10)
  --eos-timeout-s N          on SIGTERM/SIGINT, wait up to N s for the end of stream (10)
  --status-interval-ms N     status hash update period (1000)
  --status-ttl-s N           status hash TTL, refreshed by every update (10)
  --config-interval-ms N     config hash poll period (1000)
  --backoff-initial-ms N     first wait before a rebuild, doubling up to ... (1000)
  --backoff-max-ms N         ... this (30000), with jitter

Exit status: 0 at end of file or after SIGTERM/SIGINT, 1 when the pipeline failed, 2 for bad
arguments or template variables.
)";
}

bool is_live(const Options &options, const std::map<std::string, std::string> &resolved) {
  if (options.live) return true;
  const auto uri = resolved.find("URI");
  if (uri == resolved.end()) return false;
  const std::size_t colon = uri->second.find(':');
  return colon != std::string::npos && uri->second.substr(0, colon) != "file";
}

rw::publish::Backoff::Config rebuild_backoff(const Options &options) {
  return {options.backoff_initial, options.backoff_max, 0.2};
}

}  // namespace rw::run
