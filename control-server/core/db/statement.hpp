#pragma once

// A parameterised SQL statement as plain data, so that the pure code that decides what to
// write (events -> rows, API filters -> queries) is testable without a database.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rw::server {

struct PgParam {
  std::optional<std::string> value;  // nullopt = SQL NULL
  bool binary = false;               // true for bytea (JPEG snapshots)

  static PgParam null() { return {}; }
  static PgParam text(std::string v) { return {std::move(v), false}; }
  static PgParam bytes(std::string v) { return {std::move(v), true}; }
  static PgParam number(std::int64_t v) { return {std::to_string(v), false}; }
};

struct PgStatement {
  std::string sql;  // $1, $2 ... placeholders only: never text pasted into SQL
  std::vector<PgParam> params;
};

}  // namespace rw::server
