#include "app/options.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>

#include "api/access.hpp"

namespace rw::server {
namespace {

constexpr std::uint64_t kMaxUploadMb = 1024 * 1024;  // 1 TiB

long long integer(const std::string &name, const std::string &text, long long min, long long max) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max) {
    throw UsageError("--" + name + " must be an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", not '" + text + "'");
  }
  return value;
}

std::string nonempty(const std::string &name, const std::string &text) {
  if (text.empty()) throw UsageError("--" + name + " needs a value");
  return text;
}

std::string ip_address(const std::string &text) {
  if (text == "localhost") return "127.0.0.1";
  in6_addr storage{};
  if (inet_pton(AF_INET, text.c_str(), &storage) != 1 &&
      inet_pton(AF_INET6, text.c_str(), &storage) != 1) {
    throw UsageError("--bind must be an IP address (127.0.0.1, 0.0.0.0, ::1, ...), not '" + text +
                     "'");
  }
  return text;
}

std::string key_prefix(const std::string &text) {
  const bool ok =
      !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
      });
  if (!ok)
    throw UsageError("--key-prefix must be 1 to 64 of A-Z a-z 0-9 _ - ., not '" + text + "'");
  return text;
}

std::string origin(const std::string &text) {
  if (const auto error = check_origin_syntax(text)) {
    throw UsageError("--allow-origin '" + text + "': " + *error);
  }
  return text;
}

}  // namespace

ServerOptions parse_server_options(const std::vector<std::string> &args,
                                   const ServerDefaults &defaults) {
  ServerOptions options;
  options.templates_dir = defaults.templates_dir;
  options.migrations_dir = defaults.migrations_dir;
  options.runner = defaults.runner;
  options.plugin_dir = defaults.plugin_dir;
  options.model = defaults.model;

  using Setter = std::function<void(const std::string &)>;
  const std::map<std::string, Setter> with_value{
      {"bind", [&](const std::string &v) { options.bind = ip_address(v); }},
      {"port",
       [&](const std::string &v) {
         options.port = static_cast<int>(integer("port", v, 0, 65535));
       }},
      {"data-dir", [&](const std::string &v) { options.data_dir = nonempty("data-dir", v); }},
      {"redis-host", [&](const std::string &v) { options.redis.host = nonempty("redis-host", v); }},
      {"redis-port",
       [&](const std::string &v) {
         options.redis.port = static_cast<int>(integer("redis-port", v, 1, 65535));
       }},
      {"redis-password", [&](const std::string &v) { options.redis.password = v; }},
      {"key-prefix", [&](const std::string &v) { options.key_prefix = key_prefix(v); }},
      {"pg", [&](const std::string &v) { options.pg_conninfo = v; }},
      {"tokens-file",
       [&](const std::string &v) { options.tokens_file = nonempty("tokens-file", v); }},
      {"allow-origin", [&](const std::string &v) { options.allow_origins.push_back(origin(v)); }},
      {"max-upload-mb",
       [&](const std::string &v) {
         options.max_upload_mb =
             static_cast<std::uint64_t>(integer("max-upload-mb", v, 1, kMaxUploadMb));
       }},
      {"model", [&](const std::string &v) { options.model = nonempty("model", v); }},
      {"templates-dir",
       [&](const std::string &v) { options.templates_dir = nonempty("templates-dir", v); }},
      {"migrations-dir",
       [&](const std::string &v) { options.migrations_dir = nonempty("migrations-dir", v); }},
      {"runner", [&](const std::string &v) { options.runner = nonempty("runner", v); }},
      {"plugin-dir", [&](const std::string &v) { options.plugin_dir = v; }},
      {"web-root", [&](const std::string &v) { options.web_root = nonempty("web-root", v); }},
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg == "--require-auth") {
      options.require_auth = true;
      continue;
    }
    if (arg == "--burn-overlays") {
      options.burn_overlays = true;
      continue;
    }
    if (!arg.starts_with("--")) throw UsageError("unexpected argument '" + arg + "'");
    const std::size_t equals = arg.find('=');
    const std::string name =
        arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    const auto setter = with_value.find(name);
    if (setter == with_value.end()) throw UsageError("unknown option --" + name + " (see --help)");
    if (equals != std::string::npos) {
      setter->second(arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      setter->second(args[++i]);
    } else {
      throw UsageError("--" + name + " needs a value");
    }
  }
  return options;
}

bool is_loopback_address(const std::string &address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool auth_required(const ServerOptions &options) {
  return options.require_auth || !is_loopback_address(options.bind);
}

std::string server_usage(const ServerDefaults &defaults) {
  return R"(Usage: roadwatch-server [OPTIONS]

REST control, WebSocket channels, pipeline supervision and PostgreSQL history for roadwatch.
On start it prints "roadwatch-server listening on http://HOST:PORT". SIGINT or SIGTERM stop it
cleanly; running pipelines keep running and are taken over by the next start.

  --bind ADDRESS          IP address to listen on (default 127.0.0.1). Any address other than
                          loopback requires authentication.
  --port N                TCP port (default 8686; 0 picks a free one)
  --data-dir DIR          uploads (DIR/videos) and session files (DIR/sessions); created 0700
                          (default ./roadwatch-data)
  --redis-host HOST       Redis host (default 127.0.0.1)
  --redis-port N          Redis port (default 6379)
  --redis-password PW     Redis AUTH password (default none)
  --key-prefix PREFIX     Redis key prefix (default roadwatch)
  --pg CONNINFO           libpq connection string (default: libpq's PG* environment)
  --tokens-file FILE      bearer tokens, one "<token> <viewer|operator> [name]" per line; more
                          may come from RW_SERVER_TOKENS (entries separated by ';' or newlines)
  --require-auth          require a bearer token even on a loopback address
  --allow-origin ORIGIN   a browser origin allowed to call the API and open WebSockets
                          (scheme://host[:port]; repeatable). The server's own loopback origins
                          are always allowed.
  --max-upload-mb N       largest upload body in MiB (default 2048)
  --model FILE            detection model for pipelines (default )" +
         defaults.model + R"()
  --templates-dir DIR     pipeline templates (default )" +
         defaults.templates_dir + R"()
  --migrations-dir DIR    SQL migrations (default )" +
         defaults.migrations_dir + R"()
  --runner FILE           roadwatch-run (default )" +
         defaults.runner + R"()
  --plugin-dir DIR        GST_PLUGIN_PATH for pipelines (default )" +
         defaults.plugin_dir + R"()
  --web-root DIR          serve the dashboard's static files from DIR at /
  --burn-overlays         draw boxes, ids, speeds, zones and lines into the JPEG frames
                          (default off: the dashboard draws them from the analytics)
  --help                  this text
)";
}

}  // namespace rw::server
