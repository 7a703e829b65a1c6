#include "api/pg_error.hpp"

#include <glib.h>

namespace rw::server {

std::optional<ApiError> database_error(const PgResult &result, const char *what) {
  if (result.ok()) return std::nullopt;
  if (result.is_unavailable()) {
    return ApiError{503, "database_unavailable", "the database is unavailable; try again shortly"};
  }
  g_warning("http: %s query failed: %s", what, result.error().c_str());
  return ApiError::internal(std::string("the ") + what + " query failed");
}

}  // namespace rw::server
