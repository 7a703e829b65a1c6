#include "db/history_format.hpp"

#include <charconv>
#include <cmath>
#include <map>

#include "db/csv.hpp"
#include "db/iso_time.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

std::int64_t as_integer(const std::optional<std::string> &text) {
  std::int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

double as_double(const std::optional<std::string> &text) {
  double value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

double round2(double value) {
  return std::round(value * 100) / 100;
}

// The window's mean speed over the vehicles with one; nullopt when none had.
std::optional<double> mean_speed(const SqlRows &rows, std::size_t row) {
  const std::int64_t speed_count = as_integer(rows.at(row, "speed_count"));
  if (speed_count <= 0) return std::nullopt;
  return round2(as_double(rows.at(row, "speed_sum_kmh")) / static_cast<double>(speed_count));
}

// A speed column, rounded; nullopt when NULL.
std::optional<double> speed_at(const SqlRows &rows, std::size_t row, std::string_view column) {
  const auto text = rows.at(row, column);
  if (!text) return std::nullopt;
  return round2(as_double(text));
}

std::optional<double> p85_speed(const SqlRows &rows, std::size_t row) {
  return speed_at(rows, row, "p85_speed_kmh");
}

json or_null(const std::optional<double> &value) {
  return value ? json(*value) : json(nullptr);
}

// 81 rather than json's 81.0.
std::string or_empty(const std::optional<double> &value) {
  if (!value) return "";
  std::string text = json(*value).dump();
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

// 100 rather than 100.0 for whole km/h (bin edges and widths).
json kmh(double value) {
  const double rounded = round2(value);
  if (rounded == std::trunc(rounded) && std::abs(rounded) < 1e15)
    return json(static_cast<std::int64_t>(rounded));
  return json(rounded);
}

json iso_or_null(const std::optional<std::int64_t> &ms) {
  return ms ? json(format_iso_ms(*ms)) : json(nullptr);
}

std::string snapshot_url(const SqlRows &rows, std::size_t row) {
  return rows.at(row, "has_snapshot") == "t"
             ? "/api/violations/" + rows.at(row, "id").value_or("") + "/snapshot"
             : "";
}

}  // namespace

json violations_json(const SqlRows &rows, const ViolationQuery &query) {
  json items = json::array();
  std::int64_t total = 0;
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    total = as_integer(rows.at(row, "total"));
    if (!rows.at(row, "id")) continue;  // the row of an empty page
    const std::int64_t occurred_ms = as_integer(rows.at(row, "occurred_at_ms"));
    const std::string url = snapshot_url(rows, row);
    items.push_back({{"id", as_integer(rows.at(row, "id"))},
                     {"source_id", as_integer(rows.at(row, "source_id"))},
                     {"session_id", as_integer(rows.at(row, "session_id"))},
                     {"track_id", as_integer(rows.at(row, "track_id"))},
                     {"label", rows.at(row, "label").value_or("")},
                     {"zone", rows.at(row, "zone").value_or("")},
                     {"speed_kmh", round2(as_double(rows.at(row, "speed_kmh")))},
                     {"limit_kmh", round2(as_double(rows.at(row, "limit_kmh")))},
                     {"frame_number", as_integer(rows.at(row, "frame_number"))},
                     {"pts_ns", as_integer(rows.at(row, "pts_ns"))},
                     {"occurred_at", format_iso_ms(occurred_ms)},
                     {"occurred_at_ms", occurred_ms},
                     {"snapshot_url", url.empty() ? json(nullptr) : json(url)}});
  }
  return {{"items", std::move(items)},
          {"total", total},
          {"limit", query.limit},
          {"offset", query.offset}};
}

std::string violations_csv(const SqlRows &rows) {
  std::string csv =
      csv_line({"id", "source_id", "session_id", "track_id", "label", "zone", "speed_kmh",
                "limit_kmh", "frame_number", "pts_ns", "occurred_at", "snapshot_url"});
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    if (!rows.at(row, "id")) continue;
    std::vector<std::string> fields;
    for (const char *column : {"id", "source_id", "session_id", "track_id", "label", "zone",
                               "speed_kmh", "limit_kmh", "frame_number", "pts_ns"})
      fields.push_back(rows.at(row, column).value_or(""));
    fields.push_back(format_iso_ms(as_integer(rows.at(row, "occurred_at_ms"))));
    fields.push_back(snapshot_url(rows, row));
    csv += csv_line(fields);
  }
  return csv;
}

json timeseries_json(const SqlRows &rows, const TimeseriesQuery &query) {
  json buckets = json::array();
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    const std::int64_t start_ms = as_integer(rows.at(row, "start_ms"));
    const auto label = rows.at(row, "label");
    if (!label) {  // the window's totals come first, its classes follow
      buckets.push_back({{"start", format_iso_ms(start_ms)},
                         {"start_ms", start_ms},
                         {"vehicles", as_integer(rows.at(row, "vehicles"))},
                         {"by_class", json::object()},
                         {"mean_speed_kmh", or_null(mean_speed(rows, row))},
                         {"p85_speed_kmh", or_null(p85_speed(rows, row))},
                         {"violations", as_integer(rows.at(row, "violations"))}});
      continue;
    }
    if (buckets.empty() || buckets.back()["start_ms"] != start_ms) continue;
    buckets.back()["by_class"][*label] = as_integer(rows.at(row, "vehicles"));
  }
  return {{"source", query.source_id ? json(*query.source_id) : json(nullptr)},
          {"window", query.window},
          {"from", format_iso_ms(query.from_ms)},
          {"to", format_iso_ms(query.to_ms)},
          {"buckets", std::move(buckets)}};
}

std::string timeseries_csv(const SqlRows &rows) {
  std::string csv = csv_line(
      {"bucket_start", "label", "vehicles", "mean_speed_kmh", "p85_speed_kmh", "violations"});
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    csv += csv_line({format_iso_ms(as_integer(rows.at(row, "start_ms"))),
                     rows.at(row, "label").value_or("all"), rows.at(row, "vehicles").value_or("0"),
                     or_empty(mean_speed(rows, row)), or_empty(p85_speed(rows, row)),
                     rows.at(row, "violations").value_or("0")});
  }
  return csv;
}

json speed_histogram_json(const SqlRows &rows, const SpeedHistogramQuery &query) {
  json out = {{"source", query.source_id ? json(*query.source_id) : json(nullptr)},
              {"from", iso_or_null(query.from_ms)},
              {"to", iso_or_null(query.to_ms)},
              {"bin_kmh", kmh(query.bin_kmh)},
              {"vehicles", 0},
              {"mean_speed_kmh", nullptr},
              {"p85_speed_kmh", nullptr},
              {"bins", json::array()}};
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    const auto from_kmh = rows.at(row, "from_kmh");
    if (!from_kmh) {  // the totals
      out["vehicles"] = as_integer(rows.at(row, "vehicles"));
      out["mean_speed_kmh"] = or_null(speed_at(rows, row, "mean_speed_kmh"));
      out["p85_speed_kmh"] = or_null(p85_speed(rows, row));
      continue;
    }
    const double from = as_double(from_kmh);
    out["bins"].push_back({{"from_kmh", kmh(from)},
                           {"to_kmh", kmh(from + query.bin_kmh)},
                           {"vehicles", as_integer(rows.at(row, "vehicles"))}});
  }
  return out;
}

std::string speed_histogram_csv(const SqlRows &rows, const SpeedHistogramQuery &query) {
  const json histogram = speed_histogram_json(rows, query);
  std::string csv = csv_line({"from_kmh", "to_kmh", "vehicles"});
  for (const json &bin : histogram["bins"])
    csv += csv_line({bin["from_kmh"].dump(), bin["to_kmh"].dump(), bin["vehicles"].dump()});
  return csv;
}

json source_analytics_json(json analytics) {
  analytics["video_id"] = analytics["source_id"];
  const json runs = analytics.value("runs", json::array());
  if (runs.is_array() && !runs.empty()) {
    const json &latest = runs.front();
    for (const char *key :
         {"total_vehicles_count", "avg_dwell_time", "vehicle_type_distribution", "processed_at"})
      analytics[key] = latest.value(key, json(nullptr));
  } else {
    analytics["total_vehicles_count"] = analytics["totals"].value("vehicles", 0);
    analytics["avg_dwell_time"] = nullptr;
    analytics["vehicle_type_distribution"] = analytics["by_class"];
    analytics["processed_at"] = nullptr;
  }
  return analytics;
}

}  // namespace rw::server
