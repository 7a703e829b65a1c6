#pragma once

// Query results as plain text rows, so that the pure code that turns them into API JSON and
// CSV is testable without a database. The glue copies a PgResult into one (server/db/pg_async:
// PgResult::sql_rows).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rw::server {

struct SqlRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = NULL

  // The value at (row, column name); nullopt for NULL or an unknown column.
  std::optional<std::string> at(std::size_t row, std::string_view column) const {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] == column) return rows.at(row).at(c);
    }
    return std::nullopt;
  }
};

}  // namespace rw::server
