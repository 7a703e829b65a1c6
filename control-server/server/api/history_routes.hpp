#pragma once

// History: GET /api/violations (?format=csv too), /api/violations/{id}/snapshot,
// /api/analytics/timeseries and /api/analytics/speeds (?format=csv too), /api/analytics/export.csv
// (?data=timeseries|violations plus that query's parameters). Queries are checked by
// core/db/history_query.hpp and answered by server/db/history.hpp.

#include "api/api_context.hpp"

namespace rw::server {

bool is_history_route(Route route);

void serve_history_route(const Context &context, ApiRequest &request);

}  // namespace rw::server
