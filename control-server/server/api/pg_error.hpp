#pragma once

// PostgreSQL failures for the REST routes: the ApiError the client gets (503 while the
// database is unavailable, 500 otherwise, the detail in the log only).

#include <optional>

#include "common/api_error.hpp"
#include "db/pg_async.hpp"

namespace rw::server {

// nullopt when the query succeeded; what names the query in the log.
std::optional<ApiError> database_error(const PgResult &result, const char *what);

}  // namespace rw::server
