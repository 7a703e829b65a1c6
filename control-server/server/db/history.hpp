#pragma once

// The history endpoints of the REST API, asynchronously on PgAsync: queries come checked from
// core/db/history_query.hpp, answers are made by core/db/history_format.hpp. Every callback
// runs once, on the main loop, with the answer or an ApiError: 503 database_unavailable while
// PostgreSQL is down, 404 for an unknown violation, snapshot or source, 500 when a query fails.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/api_error.hpp"
#include "db/history_query.hpp"
#include "db/pg_async.hpp"

namespace rw::server {

using HistoryJsonCallback = std::function<void(std::variant<nlohmann::json, ApiError>)>;
// JPEG bytes or CSV text.
using HistoryBytesCallback = std::function<void(std::variant<std::string, ApiError>)>;

// {"items": [...], "total", "limit", "offset"} (see history_format.hpp).
void list_violations(PgAsync &pg, const ViolationQuery &query, HistoryJsonCallback cb);
// The JPEG of the violation frame.
void violation_snapshot(PgAsync &pg, std::int64_t violation_id, HistoryBytesCallback cb);
void timeseries(PgAsync &pg, const TimeseriesQuery &query, HistoryJsonCallback cb);
// {"vehicles", "mean_speed_kmh", "p85_speed_kmh", "bins": [...], ...} (see history_format.hpp).
void speed_histogram(PgAsync &pg, const SpeedHistogramQuery &query, HistoryJsonCallback cb);
// GET /api/videos/{id}/analytics (and cameras): live totals, finished runs, seed fields.
void source_analytics(PgAsync &pg, int source_id, HistoryJsonCallback cb);
// text/csv of the violations (query.limit rows from query.offset), the time series or the
// speed histogram.
void export_csv(PgAsync &pg, const ViolationQuery &query, HistoryBytesCallback cb);
void export_csv(PgAsync &pg, const TimeseriesQuery &query, HistoryBytesCallback cb);
void export_csv(PgAsync &pg, const SpeedHistogramQuery &query, HistoryBytesCallback cb);

}  // namespace rw::server
