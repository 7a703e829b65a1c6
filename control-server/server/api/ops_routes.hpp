#pragma once

// The server's own state: /healthz (alive), /readyz (PostgreSQL and Redis), /metrics
// (Prometheus text), /api/websocket/status, and the sessions the supervisor runs.

#include "api/api_context.hpp"

namespace rw::server {

bool is_ops_route(Route route);

void serve_ops_route(const Context &context, ApiRequest &request);

}  // namespace rw::server
