// roadwatch-server: see server_app.hpp and docs/api.md.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "app/server_app.hpp"

namespace {

// Build-time locations (CMake compile definitions); the model may move with
// ROADWATCH_MODEL_DIR like everywhere else (scripts/resolve-asset.sh).
rw::server::ServerDefaults defaults() {
  rw::server::ServerDefaults out{RW_SERVER_DEFAULT_TEMPLATES_DIR, RW_SERVER_DEFAULT_MIGRATIONS_DIR,
                                 RW_SERVER_DEFAULT_RUNNER, RW_SERVER_DEFAULT_PLUGIN_DIR,
                                 RW_SERVER_DEFAULT_MODEL};
  if (const char *dir = std::getenv("ROADWATCH_MODEL_DIR"); dir != nullptr && *dir != '\0') {
    out.model = std::string(dir) + "/yolox_nano.onnx";
  }
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  // hiredis writes to sockets with write(2): a peer that went away must not end the server.
  std::signal(SIGPIPE, SIG_IGN);
  const rw::server::ServerDefaults build_defaults = defaults();
  rw::server::ServerOptions options;
  try {
    options = rw::server::parse_server_options(std::vector<std::string>(argv + 1, argv + argc),
                                               build_defaults);
  } catch (const rw::server::UsageError &e) {
    std::fprintf(stderr, "roadwatch-server: %s\n", e.what());
    return 2;
  }
  if (options.help) {
    std::fputs(rw::server::server_usage(build_defaults).c_str(), stdout);
    return 0;
  }
  return rw::server::run_server(options);
}
