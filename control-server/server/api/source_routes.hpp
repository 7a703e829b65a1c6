#pragma once

// /api/videos and /api/cameras: list, get, create (multipart upload, or JSON for cameras),
// PATCH (applied to a running pipeline without a restart), DELETE, the snapshot frame,
// stream start/stop and the analytics summary.

#include "api/api_context.hpp"

namespace rw::server {

// Whether route is one of the routes above.
bool is_source_route(Route route);

// Serves it; the request body (JSON or the finished upload) has been read.
void serve_source_route(const Context &context, ApiRequest &request);

}  // namespace rw::server
