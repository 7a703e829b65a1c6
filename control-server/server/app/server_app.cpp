#include "app/server_app.hpp"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "api/api_server.hpp"
#include "db/persister.hpp"
#include "db/pg_async.hpp"
#include "redis/redis_async.hpp"
#include "supervisor/supervisor.hpp"
#include "ws/ws_hub.hpp"

namespace rw::server {
namespace {

// How long a stopping server keeps its loop running so that WebSocket close frames go out.
constexpr guint kCloseFlushMs = 250;

struct StartError {
  std::string message;
};

TokenTable load_tokens(const ServerOptions &options) {
  TokenTable tokens;
  const auto add = [&](const std::string &text, const std::string &origin) {
    auto parsed = TokenTable::parse(text, origin);
    if (auto *error = std::get_if<std::string>(&parsed)) throw StartError{*error};
    if (auto error = tokens.merge(std::get<TokenTable>(parsed))) {
      throw StartError{origin + ": " + *error};
    }
  };
  if (!options.tokens_file.empty()) {
    std::ifstream in(options.tokens_file);
    if (!in) throw StartError{"cannot read --tokens-file " + options.tokens_file};
    std::ostringstream text;
    text << in.rdbuf();
    add(text.str(), options.tokens_file);
    struct stat info {};
    if (stat(options.tokens_file.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      g_warning("%s is readable by other users; chmod 600 it", options.tokens_file.c_str());
    }
  }
  if (const char *env = std::getenv("RW_SERVER_TOKENS"); env != nullptr && *env != '\0') {
    add(env, "RW_SERVER_TOKENS");
  }
  return tokens;
}

void make_private_dir(const std::string &path) {
  if (g_mkdir_with_parents(path.c_str(), 0700) != 0) {
    throw StartError{"cannot create " + path + ": " + g_strerror(errno)};
  }
}

// The data directory and its videos/ and sessions/; uploads a crash left half-written
// (videos/.*.part) are removed.
void prepare_data_dir(const std::string &data_dir) {
  make_private_dir(data_dir);
  make_private_dir(data_dir + "/videos");
  make_private_dir(data_dir + "/sessions");
  GDir *dir = g_dir_open((data_dir + "/videos").c_str(), 0, nullptr);
  if (dir == nullptr) return;
  while (const char *name = g_dir_read_name(dir)) {
    if (name[0] == '.' && g_str_has_suffix(name, ".part")) {
      g_remove((data_dir + "/videos/" + name).c_str());
    }
  }
  g_dir_close(dir);
}

std::string resolved_dir(const std::string &path, const char *what) {
  char *real = realpath(path.c_str(), nullptr);
  if (real == nullptr || !g_file_test(real, G_FILE_TEST_IS_DIR)) {
    std::free(real);
    throw StartError{std::string(what) + " " + path + " is not a directory"};
  }
  std::string out = real;
  std::free(real);
  return out;
}

// Listens on options.bind:options.port; the port actually bound (for --port 0).
int listen(SoupServer *server, const ServerOptions &options) {
  GInetAddress *address = g_inet_address_new_from_string(options.bind.c_str());
  if (address == nullptr) throw StartError{"--bind " + options.bind + " is not an IP address"};
  GSocketAddress *socket_address =
      g_inet_socket_address_new(address, static_cast<guint16>(options.port));
  g_object_unref(address);
  GError *error = nullptr;
  const gboolean ok =
      soup_server_listen(server, socket_address, static_cast<SoupServerListenOptions>(0), &error);
  g_object_unref(socket_address);
  if (!ok) {
    const std::string why = error->message;
    g_error_free(error);
    throw StartError{"cannot listen on " + options.bind + ":" + std::to_string(options.port) +
                     ": " + why};
  }
  GSList *uris = soup_server_get_uris(server);
  const int port = uris != nullptr ? g_uri_get_port(static_cast<GUri *>(uris->data)) : -1;
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  return port;
}

std::string host_for_url(const std::string &address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

// The origins of pages this server serves itself (--web-root), besides --allow-origin.
std::vector<std::string> own_origins(const ServerOptions &options, int port) {
  const std::string suffix = ":" + std::to_string(port);
  if (is_loopback_address(options.bind)) {
    return {"http://127.0.0.1" + suffix, "http://localhost" + suffix, "http://[::1]" + suffix};
  }
  if (options.bind == "0.0.0.0" || options.bind == "::") return {};  // names unknown
  return {"http://" + host_for_url(options.bind) + suffix};
}

gboolean quit_on_signal(gpointer loop) {
  g_message("stopping (signal); pipelines keep running for the next start");
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_REMOVE;
}

}  // namespace

int run_server(const ServerOptions &options) {
  AccessPolicy policy;
  std::string web_root;
  try {
    policy.auth_required = auth_required(options);
    policy.tokens = load_tokens(options);
    if (policy.auth_required && policy.tokens.empty()) {
      throw StartError{"authentication is required (" +
                       std::string(options.require_auth
                                       ? "--require-auth"
                                       : "--bind " + options.bind + " is not loopback") +
                       ") but no token is configured: give --tokens-file or RW_SERVER_TOKENS"};
    }
    prepare_data_dir(options.data_dir);
    if (!options.web_root.empty()) web_root = resolved_dir(options.web_root, "--web-root");
  } catch (const StartError &e) {
    std::fprintf(stderr, "roadwatch-server: %s\n", e.message.c_str());
    return 1;
  }

  GMainContext *context = g_main_context_default();
  SoupServer *server = soup_server_new("server-header", "roadwatch-server", nullptr);
  int port = 0;
  try {
    port = listen(server, options);
  } catch (const StartError &e) {
    std::fprintf(stderr, "roadwatch-server: %s\n", e.message.c_str());
    g_object_unref(server);
    return 1;
  }
  policy.allowed_origins = options.allow_origins;
  for (std::string &origin : own_origins(options, port)) {
    policy.allowed_origins.push_back(std::move(origin));
  }
  const auto shared_policy = std::make_shared<const AccessPolicy>(policy);

  Metrics metrics;
  auto pg = std::make_unique<PgAsync>(options.pg_conninfo, options.migrations_dir, context);
  auto redis = std::make_unique<RedisAsync>(options.redis, "roadwatch-server:commands", context);

  SupervisorConfig supervisor_config;
  supervisor_config.runner = options.runner;
  supervisor_config.templates_dir = options.templates_dir;
  supervisor_config.data_dir = options.data_dir;
  supervisor_config.model = options.model;
  supervisor_config.plugin_dir = options.plugin_dir;
  supervisor_config.redis = options.redis;
  supervisor_config.key_prefix = options.key_prefix;
  supervisor_config.burn_overlays = options.burn_overlays;
  auto supervisor = std::make_unique<Supervisor>(supervisor_config, *pg, metrics);

  PersisterConfig persister_config;
  persister_config.context = context;
  auto persister = std::make_unique<Persister>(options.redis, options.key_prefix, *pg, metrics,
                                               persister_config);

  WsHubConfig ws_config;
  ws_config.redis = options.redis;
  ws_config.key_prefix = options.key_prefix;
  ws_config.auth_required = policy.auth_required;
  ws_config.token_allows_viewing = [shared_policy](std::string_view token) {
    return token_allows_viewing(*shared_policy, token);
  };
  ws_config.origin_allowed = [shared_policy](std::string_view origin) {
    return origin_allowed(*shared_policy, origin);
  };
  Supervisor &supervisor_ref = *supervisor;
  ws_config.active_streams = [&supervisor_ref] { return supervisor_ref.active_sources(); };
  auto hub = std::make_unique<WsHub>(server, ws_config, metrics);

  ApiConfig api_config;
  api_config.access = policy;
  api_config.data_dir = options.data_dir;
  api_config.max_upload_bytes = options.max_upload_mb * 1024 * 1024;
  api_config.web_root = web_root;
  WsHub &hub_ref = *hub;
  auto api = std::make_unique<ApiServer>(
      server, api_config,
      ApiDeps{*pg, *redis, *supervisor, metrics, [&hub_ref] { return hub_ref.status_json(); }});

  // The supervisor takes over what should be running once the database is there (the first
  // time only: later reconnections need nothing from it).
  bool supervisor_started = false;
  pg->on_ready([&supervisor_ref, &supervisor_started] {
    if (supervisor_started) return;
    supervisor_started = true;
    supervisor_ref.start();
  });
  pg->start();
  redis->start();
  persister->start();

  GMainLoop *loop = g_main_loop_new(context, FALSE);
  g_unix_signal_add(SIGINT, quit_on_signal, loop);
  g_unix_signal_add(SIGTERM, quit_on_signal, loop);
  if (!policy.auth_required) {
    g_message("authentication is off: loopback bind without --require-auth");
  }
  std::printf("roadwatch-server listening on http://%s:%d\n", host_for_url(options.bind).c_str(),
              port);
  std::fflush(stdout);
  g_main_loop_run(loop);

  // Stop accepting and drop HTTP connections, close the WebSockets (going away) and let their
  // close frames out, then take everything down. The supervisor leaves its runners running.
  soup_server_disconnect(server);
  api.reset();
  hub.reset();
  g_timeout_add(
      kCloseFlushMs,
      [](gpointer data) -> gboolean {
        g_main_loop_quit(static_cast<GMainLoop *>(data));
        return G_SOURCE_REMOVE;
      },
      loop);
  g_main_loop_run(loop);
  persister.reset();
  supervisor.reset();
  redis.reset();
  pg.reset();
  g_main_loop_unref(loop);
  g_object_unref(server);
  return 0;
}

}  // namespace rw::server
