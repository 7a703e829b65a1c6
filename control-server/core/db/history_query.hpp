#pragma once

// The history API's URL query parameters, checked, and the parameterised statements that
// answer them. A bad or unknown parameter is a 400 naming it; empty values count as absent
// (HTML forms send them). Times are ISO-8601 or unix milliseconds (see iso_time.hpp); ranges
// are [from, to).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "common/api_error.hpp"
#include "db/statement.hpp"

namespace rw::server {

using QueryParams = std::map<std::string, std::string>;

enum class HistoryFormat { kJson, kCsv };

// The filters of the violations and the speed histogram: one source, and a range [from, to) of
// the rows' times, either end open when absent.
struct HistoryFilters {
  std::optional<int> source_id;
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
};

// GET /api/violations?source=&from=&to=&min_speed=&limit=&offset=&format=json|csv
struct ViolationQuery : HistoryFilters {
  std::optional<double> min_speed_kmh;
  int limit = 50;  // JSON: 1..1000, default 50; CSV: 1..100000, default 10000
  std::int64_t offset = 0;
  HistoryFormat format = HistoryFormat::kJson;
};

// GET /api/analytics/timeseries?source=&window=1min|5min|15min|1hour|1day&from=&to=&format=
// from is rounded down and to up to whole windows (counted from 1970, UTC); without them the
// range is the last kDefaultBuckets windows up to now. At most kMaxBuckets windows.
struct TimeseriesQuery {
  std::optional<int> source_id;
  std::string window = "5min";
  std::int64_t window_ms = 300'000;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  HistoryFormat format = HistoryFormat::kJson;
};

// GET /api/analytics/speeds?source=&from=&to=&bin_kmh=&format=
// The speed histogram of the passages with a speed that entered in [from, to): bins of bin_kmh
// (a number from 1 to 100, default 10) starting at floor(speed / bin_kmh) * bin_kmh.
struct SpeedHistogramQuery : HistoryFilters {
  double bin_kmh = 10;
  HistoryFormat format = HistoryFormat::kJson;
};

inline constexpr std::int64_t kDefaultBuckets = 288;
inline constexpr std::int64_t kMaxBuckets = 2000;

std::variant<ViolationQuery, ApiError> parse_violation_query(const QueryParams &params);
std::variant<TimeseriesQuery, ApiError> parse_timeseries_query(const QueryParams &params,
                                                               std::int64_t now_ms);
std::variant<SpeedHistogramQuery, ApiError> parse_speed_histogram_query(const QueryParams &params);

// Rows, newest first: total (of all matching rows, on every row; one row of NULLs but total when
// the page is empty), id, source_id, session_id, track_id, label, zone, speed_kmh, limit_kmh,
// frame_number, pts_ns, occurred_at_ms, has_snapshot.
PgStatement violations_statement(const ViolationQuery &query);

// Rows by window start, then label (NULL label first = the window's totals): start_ms, label,
// vehicles, speed_count, speed_sum_kmh, p85_speed_kmh, violations. Windows without traffic
// have no rows.
PgStatement timeseries_statement(const TimeseriesQuery &query);

// First the totals over every passage with a speed (from_kmh NULL): vehicles, mean_speed_kmh,
// p85_speed_kmh (percentile_cont(0.85), as in the time series; NULL without passages); then
// one row per non-empty bin, ascending: from_kmh, vehicles (mean and p85 NULL).
PgStatement speed_histogram_statement(const SpeedHistogramQuery &query);

// One row with the snapshot (bytea, NULL when none); no row when the violation is unknown.
PgStatement violation_snapshot_statement(std::int64_t violation_id);

// One row with column `analytics` (JSON: source_id, kind, name, totals, by_class, violations,
// runs) built by PostgreSQL; no row when the source is unknown.
PgStatement source_analytics_statement(int source_id);

}  // namespace rw::server
