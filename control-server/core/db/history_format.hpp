#pragma once

// The history API's answers, made from the rows of history_query.hpp's statements: JSON for
// the REST API and CSV for export.

#include <string>

#include <nlohmann/json.hpp>

#include "db/history_query.hpp"
#include "db/rows.hpp"

namespace rw::server {

// {"items": [{id, source_id, session_id, track_id, label, zone, speed_kmh, limit_kmh,
//   frame_number, pts_ns, occurred_at (ISO-8601 UTC), occurred_at_ms, snapshot_url|null}],
//  "total", "limit", "offset"}
nlohmann::json violations_json(const SqlRows &rows, const ViolationQuery &query);
// Header line, then one line per violation (the same fields, snapshot_url last).
std::string violations_csv(const SqlRows &rows);

// {"source": id|null, "window", "from", "to" (ISO-8601), "buckets": [{"start", "start_ms",
//  "vehicles", "by_class": {label: vehicles}, "mean_speed_kmh"|null, "p85_speed_kmh"|null,
//  "violations"}]}; speeds rounded to 0.01 km/h; windows without traffic are absent.
nlohmann::json timeseries_json(const SqlRows &rows, const TimeseriesQuery &query);
// bucket_start,label,vehicles,mean_speed_kmh,p85_speed_kmh,violations; label "all" is the
// window's total over every class.
std::string timeseries_csv(const SqlRows &rows);

// {"source": id|null, "from", "to" (ISO-8601|null), "bin_kmh", "vehicles" (with a speed),
//  "mean_speed_kmh"|null, "p85_speed_kmh"|null, "bins": [{"from_kmh", "to_kmh", "vehicles"}]}:
// the non-empty bins, ascending; km/h rounded to 0.01.
nlohmann::json speed_histogram_json(const SqlRows &rows, const SpeedHistogramQuery &query);
// from_kmh,to_kmh,vehicles: one line per non-empty bin.
std::string speed_histogram_csv(const SqlRows &rows, const SpeedHistogramQuery &query);

// The JSON of source_analytics_statement(), plus the seed's video_analytics fields at the top
// (video_id, total_vehicles_count, avg_dwell_time, vehicle_type_distribution, processed_at):
// from the newest finished run, or from the live totals while no run has finished.
nlohmann::json source_analytics_json(nlohmann::json analytics);

}  // namespace rw::server
