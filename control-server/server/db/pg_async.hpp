#pragma once

// One asynchronous libpq connection on the server's GMainContext: queries are sent with
// PQsendQueryParams and read when the socket is readable, so the loop never blocks. Queries
// run one at a time in submission order. The connection reconnects by itself with capped,
// jittered backoff and applies the migrations before it reports ready. While it is not ready,
// query() fails at once with PgResult::unavailable() (the API answers 503).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "db/rows.hpp"
#include "db/statement.hpp"

struct pg_result;

namespace rw::server {

// The outcome of one query (or of the last statement of a transaction). Text format results,
// except columns the query casts itself.
class PgResult {
 public:
  static PgResult unavailable(std::string why);  // not connected: a 503 for the API
  static PgResult failed(std::string why);       // SQL error: a 500 (or 409 on a conflict)
  explicit PgResult(pg_result *result);          // takes ownership

  bool ok() const;
  bool is_unavailable() const;
  const std::string &error() const;
  std::string sqlstate() const;  // e.g. "23505" unique violation; empty when none

  int rows() const;
  int columns() const;
  int column(const char *name) const;  // -1 when absent
  std::string column_name(int column) const;
  bool is_null(int row, int column) const;
  std::string get(int row, int column) const;  // bytea columns come back decoded
  std::int64_t affected() const;               // INSERT/UPDATE/DELETE row count
  // Every row as the core reads it: column names, the values of get(), NULL as nullopt.
  SqlRows sql_rows() const;

 private:
  PgResult() = default;
  std::shared_ptr<pg_result> result_;
  std::string error_;
  bool unavailable_ = false;
};

class PgAsync {
 public:
  using Callback = std::function<void(const PgResult &)>;

  // conninfo: a libpq connection string; migrations_dir: NNN_name.sql files.
  PgAsync(std::string conninfo, std::string migrations_dir, GMainContext *context);
  ~PgAsync();
  PgAsync(const PgAsync &) = delete;
  PgAsync &operator=(const PgAsync &) = delete;

  void start();
  bool ready() const;  // connected and migrated
  const std::string &last_error() const;

  void query(PgStatement statement, Callback cb);
  // BEGIN; statements...; COMMIT; ROLLBACK on the first failure. cb gets the last result,
  // or the failure.
  void transaction(std::vector<PgStatement> statements, Callback cb);

  // Called each time the connection becomes ready (after migrations).
  void on_ready(std::function<void()> callback);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::server
