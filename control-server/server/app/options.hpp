#pragma once

// roadwatch-server's command line. Plain C++ (no GLib) so that unit tests reach it; defaults
// that depend on the build (where pipelines/, the migrations, roadwatch-run and the plugin
// are) come in as ServerDefaults.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "rw/publish/connection.hpp"

namespace rw::server {

// Bad command-line arguments: roadwatch-server prints the message and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServerDefaults {
  std::string templates_dir;   // the repository's pipelines/
  std::string migrations_dir;  // control-server/migrations
  std::string runner;          // the built roadwatch-run
  std::string plugin_dir;      // the built plugin's folder
  std::string model;           // yolox_nano.onnx (ROADWATCH_MODEL_DIR, then ../shared/models)
};

struct ServerOptions {
  std::string bind = "127.0.0.1";  // an IP address; "localhost" means 127.0.0.1
  int port = 8686;                 // 0: any free port (printed at start)
  std::string data_dir = "roadwatch-data";
  rw::publish::RedisEndpoint redis;
  std::string key_prefix = "roadwatch";
  std::string pg_conninfo;  // empty: libpq's defaults and PG* environment variables
  std::string tokens_file;
  bool require_auth = false;
  std::vector<std::string> allow_origins;
  std::uint64_t max_upload_mb = 2048;
  std::string model;
  std::string templates_dir;
  std::string migrations_dir;
  std::string runner;
  std::string plugin_dir;
  std::string web_root;        // empty: no static files
  bool burn_overlays = false;  // runners draw the overlay into the JPEG frames
  bool help = false;
};

// args excludes the program name; "--name value" and "--name=value" both work. Throws
// UsageError naming the bad argument.
ServerOptions parse_server_options(const std::vector<std::string> &args,
                                   const ServerDefaults &defaults);

std::string server_usage(const ServerDefaults &defaults);

// Whether the address only reaches this machine (127.0.0.0/8, ::1).
bool is_loopback_address(const std::string &address);

// Authentication is on for --require-auth and for every bind beyond loopback.
bool auth_required(const ServerOptions &options);

}  // namespace rw::server
