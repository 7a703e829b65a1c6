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

// Runs the statement and answers cb with make(its rows), or with the error.
template <typename Answer, typename Make>
void answer_rows(PgAsync &pg, PgStatement statement, const char *what, Make make,
                 std::function<void(std::variant<Answer, ApiError>)> cb) {
  pg.query(std::move(statement),
           [what, make = std::move(make), cb = std::move(cb)](const PgResult &result) {
             if (auto error = failure(result, what)) return cb(*error);
             cb(make(result.sql_rows()));
           });
}

}  // namespace

void list_violations(PgAsync &pg, const ViolationQuery &query, HistoryJsonCallback cb) {
  answer_rows(
      pg, violations_statement(query), "violations",
      [query](const SqlRows &rows) { return violations_json(rows, query); }, std::move(cb));
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
  answer_rows(
      pg, timeseries_statement(query), "timeseries",
      [query](const SqlRows &rows) { return timeseries_json(rows, query); }, std::move(cb));
}

void speed_histogram(PgAsync &pg, const SpeedHistogramQuery &query, HistoryJsonCallback cb) {
  answer_rows(
      pg, speed_histogram_statement(query), "speeds",
      [query](const SqlRows &rows) { return speed_histogram_json(rows, query); }, std::move(cb));
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
  answer_rows(pg, violations_statement(query), "violations export", violations_csv, std::move(cb));
}

void export_csv(PgAsync &pg, const TimeseriesQuery &query, HistoryBytesCallback cb) {
  answer_rows(pg, timeseries_statement(query), "timeseries export", timeseries_csv, std::move(cb));
}

void export_csv(PgAsync &pg, const SpeedHistogramQuery &query, HistoryBytesCallback cb) {
  answer_rows(
      pg, speed_histogram_statement(query), "speeds export",
      [query](const SqlRows &rows) { return speed_histogram_csv(rows, query); }, std::move(cb));
}

}  // namespace rw::server
