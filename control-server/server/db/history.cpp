#include "db/history.hpp"

#include <glib.h>

#include "db/history_format.hpp"

namespace rw::server {
namespace {

// The error for a query that did not answer; nullopt when it did.
std::optional<ApiError> failure(const PgResult &result, const char *what) {
  if (result.ok()) return std::nullopt;
  if (result.is_unavailable())
    return ApiError{503, "database_unavailable",
                    "the history database is unavailable; try again shortly"};
  g_warning("history %s: %s", what, result.error().c_str());
  return ApiError::internal(std::string("the ") + what + " query failed");
}

}  // namespace

void list_violations(PgAsync &pg, const ViolationQuery &query, HistoryJsonCallback cb) {
  pg.query(violations_statement(query), [query, cb = std::move(cb)](const PgResult &result) {
    if (auto error = failure(result, "violations")) return cb(*error);
    cb(violations_json(result.sql_rows(), query));
  });
}

void violation_snapshot(PgAsync &pg, std::int64_t violation_id, HistoryBytesCallback cb) {
  pg.query(violation_snapshot_statement(violation_id),
           [violation_id, cb = std::move(cb)](const PgResult &result) {
             if (auto error = failure(result, "snapshot")) return cb(*error);
             const std::string id = std::to_string(violation_id);
             if (result.rows() == 0) return cb(ApiError::not_found("no violation " + id));
             if (result.is_null(0, 0))
               return cb(ApiError::not_found("violation " + id + " has no snapshot"));
             cb(result.get(0, 0));
           });
}

void timeseries(PgAsync &pg, const TimeseriesQuery &query, HistoryJsonCallback cb) {
  pg.query(timeseries_statement(query), [query, cb = std::move(cb)](const PgResult &result) {
    if (auto error = failure(result, "timeseries")) return cb(*error);
    cb(timeseries_json(result.sql_rows(), query));
  });
}

void source_analytics(PgAsync &pg, int source_id, HistoryJsonCallback cb) {
  pg.query(source_analytics_statement(source_id),
           [source_id, cb = std::move(cb)](const PgResult &result) {
             if (auto error = failure(result, "analytics")) return cb(*error);
             if (result.rows() == 0)
               return cb(ApiError::not_found("no video or camera " + std::to_string(source_id)));
             auto analytics = nlohmann::json::parse(result.get(0, 0), nullptr, false);
             if (analytics.is_discarded() || !analytics.is_object())
               return cb(ApiError::internal("the analytics query returned no JSON object"));
             cb(source_analytics_json(std::move(analytics)));
           });
}

void export_csv(PgAsync &pg, const ViolationQuery &query, HistoryBytesCallback cb) {
  pg.query(violations_statement(query), [cb = std::move(cb)](const PgResult &result) {
    if (auto error = failure(result, "violations export")) return cb(*error);
    cb(violations_csv(result.sql_rows()));
  });
}

void export_csv(PgAsync &pg, const TimeseriesQuery &query, HistoryBytesCallback cb) {
  pg.query(timeseries_statement(query), [cb = std::move(cb)](const PgResult &result) {
    if (auto error = failure(result, "timeseries export")) return cb(*error);
    cb(timeseries_csv(result.sql_rows()));
  });
}

}  // namespace rw::server
