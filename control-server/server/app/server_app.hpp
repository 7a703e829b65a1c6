#pragma once

// roadwatch-server put together: one GMainLoop on the default context owns the HTTP server, the
// WebSocket hub, the supervisor, the events persister and their Redis and PostgreSQL
// connections. run_server() returns when SIGINT or SIGTERM stopped it (0), or when it could not
// start (1, with the reason on stderr).

#include "app/options.hpp"

namespace rw::server {

int run_server(const ServerOptions &options);

}  // namespace rw::server
