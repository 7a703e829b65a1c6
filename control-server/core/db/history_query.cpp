#include "db/history_query.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "db/iso_time.hpp"

namespace rw::server {
namespace {

struct Window {
  const char *name;
  std::int64_t ms;
};
constexpr Window kWindows[] = {{"1min", 60'000},
                               {"5min", 300'000},
                               {"15min", 900'000},
                               {"1hour", 3'600'000},
                               {"1day", 86'400'000}};

constexpr int kJsonDefaultLimit = 50, kJsonMaxLimit = 1000;
constexpr int kCsvDefaultLimit = 10'000, kCsvMaxLimit = 100'000;
constexpr std::int64_t kMaxOffset = 1'000'000'000;
constexpr double kMaxSpeedKmh = 10'000;
constexpr double kDefaultBinKmh = 10, kMinBinKmh = 1, kMaxBinKmh = 100;

std::string shown(const std::string &value) {
  return "'" + value.substr(0, 64) + (value.size() > 64 ? "...'" : "'");
}

// Reads the parameters of one endpoint, remembering the first problem.
class ParamReader {
 public:
  ParamReader(const QueryParams &params, std::set<std::string> known)
      : params_(params), known_(std::move(known)) {
    for (const auto &[name, value] : params_) {
      if (known_.count(name) == 0) {
        fail("unknown parameter " + shown(name) + "; known here: " + known_list());
        break;
      }
    }
  }

  // nullopt when absent or empty.
  const std::string *value(const std::string &name) const {
    const auto it = params_.find(name);
    return it == params_.end() || it->second.empty() ? nullptr : &it->second;
  }

  std::optional<std::int64_t> integer(const std::string &name, std::int64_t min, std::int64_t max) {
    const std::string *text = value(name);
    if (text == nullptr) return std::nullopt;
    std::int64_t parsed = 0;
    const char *end = text->data() + text->size();
    const auto [ptr, error] = std::from_chars(text->data(), end, parsed);
    if (error != std::errc() || ptr != end || parsed < min || parsed > max) {
      fail(name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
           ", got " + shown(*text));
      return std::nullopt;
    }
    return parsed;
  }

  std::optional<double> number(const std::string &name, double min, double max) {
    const std::string *text = value(name);
    if (text == nullptr) return std::nullopt;
    double parsed = 0;
    const char *end = text->data() + text->size();
    const auto [ptr, error] = std::from_chars(text->data(), end, parsed);
    if (error != std::errc() || ptr != end || !std::isfinite(parsed) || parsed < min ||
        parsed > max) {
      fail(name + " must be a number from " + std::to_string(static_cast<int>(min)) + " to " +
           std::to_string(static_cast<int>(max)) + ", got " + shown(*text));
      return std::nullopt;
    }
    return parsed;
  }

  std::optional<std::int64_t> time(const std::string &name) {
    const std::string *text = value(name);
    if (text == nullptr) return std::nullopt;
    auto parsed = parse_time_ms(*text);
    if (!parsed)
      fail(name + " must be an ISO-8601 time (2024-10-27T03:33:20Z) or unix milliseconds, got " +
           shown(*text));
    return parsed;
  }

  HistoryFormat format() {
    const std::string *text = value("format");
    if (text == nullptr || *text == "json") return HistoryFormat::kJson;
    if (*text == "csv") return HistoryFormat::kCsv;
    fail("format must be json or csv, got " + shown(*text));
    return HistoryFormat::kJson;
  }

  void fail(std::string why) {
    if (!error_) error_ = ApiError::bad_request(std::move(why));
  }
  const std::optional<ApiError> &error() const { return error_; }

 private:
  std::string known_list() const {
    std::string list;
    for (const std::string &name : known_) list += (list.empty() ? "" : ", ") + name;
    return list;
  }

  const QueryParams &params_;
  std::set<std::string> known_;
  std::optional<ApiError> error_;
};

std::optional<int> source_param(ParamReader &reader) {
  const auto id = reader.integer("source", 1, std::numeric_limits<std::int32_t>::max());
  if (!id) return std::nullopt;
  return static_cast<int>(*id);
}

// source, from and to, with from before to when both are given.
HistoryFilters read_filters(ParamReader &reader) {
  HistoryFilters filters;
  filters.source_id = source_param(reader);
  filters.from_ms = reader.time("from");
  filters.to_ms = reader.time("to");
  if (filters.from_ms && filters.to_ms && *filters.from_ms >= *filters.to_ms)
    reader.fail("from must be before to");
  return filters;
}

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
  return value / step * step;  // value >= 0
}

// Builds "WHERE a AND b" with numbered parameters.
class Conditions {
 public:
  explicit Conditions(std::vector<PgParam> &params) : params_(params) {}
  std::string param(PgParam value) {
    params_.push_back(std::move(value));
    return "$" + std::to_string(params_.size());
  }
  void add(const std::string &condition) {
    sql_ += (sql_.empty() ? " WHERE " : " AND ") + condition;
  }
  const std::string &sql() const { return sql_; }

 private:
  std::vector<PgParam> &params_;
  std::string sql_;
};

std::string time_of(const std::string &param) {
  return "(TIMESTAMPTZ 'epoch' + " + param + "::bigint * INTERVAL '1 millisecond')";
}

std::string ms_of(const std::string &column) {
  return "(extract(epoch FROM " + column + ") * 1000)::bigint";
}

// The conditions of read_filters() on a table with source_id and the time column.
void add_filters(Conditions &where, const HistoryFilters &filters, const std::string &time_column) {
  if (filters.source_id)
    where.add("source_id = " + where.param(PgParam::number(*filters.source_id)) + "::int");
  if (filters.from_ms)
    where.add(time_column + " >= " + time_of(where.param(PgParam::number(*filters.from_ms))));
  if (filters.to_ms)
    where.add(time_column + " < " + time_of(where.param(PgParam::number(*filters.to_ms))));
}

// The shortest text that reads back as the same number ("10", "2.5").
std::string number_text(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

}  // namespace

std::variant<ViolationQuery, ApiError> parse_violation_query(const QueryParams &params) {
  ParamReader reader(params, {"source", "from", "to", "min_speed", "limit", "offset", "format"});
  ViolationQuery query;
  query.format = reader.format();
  const bool csv = query.format == HistoryFormat::kCsv;
  static_cast<HistoryFilters &>(query) = read_filters(reader);
  query.min_speed_kmh = reader.number("min_speed", 0, kMaxSpeedKmh);
  query.limit = static_cast<int>(reader.integer("limit", 1, csv ? kCsvMaxLimit : kJsonMaxLimit)
                                     .value_or(csv ? kCsvDefaultLimit : kJsonDefaultLimit));
  query.offset = reader.integer("offset", 0, kMaxOffset).value_or(0);
  if (reader.error()) return *reader.error();
  return query;
}

std::variant<TimeseriesQuery, ApiError> parse_timeseries_query(const QueryParams &params,
                                                               std::int64_t now_ms) {
  ParamReader reader(params, {"source", "window", "from", "to", "format"});
  TimeseriesQuery query;
  query.format = reader.format();
  query.source_id = source_param(reader);
  if (const std::string *window = reader.value("window")) {
    const Window *found = nullptr;
    for (const Window &candidate : kWindows) {
      if (*window == candidate.name) found = &candidate;
    }
    if (found == nullptr) {
      reader.fail("window must be one of 1min, 5min, 15min, 1hour, 1day, got " + shown(*window));
    } else {
      query.window = found->name;
      query.window_ms = found->ms;
    }
  }
  const auto from = reader.time("from");
  const auto to = reader.time("to");
  if (reader.error()) return *reader.error();
  const std::int64_t w = query.window_ms;
  query.to_ms = floor_to(to.value_or(now_ms) + w - 1, w);
  query.from_ms =
      from ? floor_to(*from, w) : std::max<std::int64_t>(query.to_ms - kDefaultBuckets * w, 0);
  if (query.from_ms >= query.to_ms) return ApiError::bad_request("from must be before to");
  const std::int64_t buckets = (query.to_ms - query.from_ms) / w;
  if (buckets > kMaxBuckets)
    return ApiError::bad_request("from..to spans " + std::to_string(buckets) + " windows of " +
                                 query.window + "; at most " + std::to_string(kMaxBuckets) +
                                 ": choose a wider window or a shorter range");
  return query;
}

std::variant<SpeedHistogramQuery, ApiError> parse_speed_histogram_query(const QueryParams &params) {
  ParamReader reader(params, {"source", "from", "to", "bin_kmh", "format"});
  SpeedHistogramQuery query;
  query.format = reader.format();
  static_cast<HistoryFilters &>(query) = read_filters(reader);
  query.bin_kmh = reader.number("bin_kmh", kMinBinKmh, kMaxBinKmh).value_or(kDefaultBinKmh);
  if (reader.error()) return *reader.error();
  return query;
}

PgStatement violations_statement(const ViolationQuery &query) {
  PgStatement statement;
  Conditions where(statement.params);
  add_filters(where, query, "occurred_at");
  if (query.min_speed_kmh)
    where.add("speed_kmh >= " + where.param(PgParam::text(std::to_string(*query.min_speed_kmh))) +
              "::real");
  const std::string limit = where.param(PgParam::number(query.limit));
  const std::string offset = where.param(PgParam::number(query.offset));
  // The count and the page are two scans with the same conditions: a page past the end still
  // reports the total.
  statement.sql =
      "SELECT (SELECT count(*) FROM speeding_violations" + where.sql() +
      ") AS total, p.id, p.source_id, p.session_id, p.track_id, p.label, p.zone, p.speed_kmh,"
      " p.limit_kmh, p.frame_number, p.pts_ns, " +
      ms_of("p.occurred_at") +
      " AS occurred_at_ms, p.has_snapshot"
      " FROM (SELECT 1) AS one LEFT JOIN LATERAL ("
      "  SELECT id, source_id, session_id, track_id, label, zone, speed_kmh, limit_kmh,"
      "         frame_number, pts_ns, occurred_at, snapshot IS NOT NULL AS has_snapshot"
      "    FROM speeding_violations" +
      where.sql() + " ORDER BY occurred_at DESC, id DESC LIMIT " + limit + "::int OFFSET " +
      offset + "::bigint) AS p ON true ORDER BY p.occurred_at DESC, p.id DESC";
  return statement;
}

PgStatement timeseries_statement(const TimeseriesQuery &query) {
  PgStatement statement;
  Conditions metrics(statement.params);
  const std::string window =
      metrics.param(PgParam::text(std::to_string(query.window_ms / 1000) + " seconds"));
  const std::string from = time_of(metrics.param(PgParam::number(query.from_ms)));
  const std::string to = time_of(metrics.param(PgParam::number(query.to_ms)));
  std::string source;
  if (query.source_id)
    source = " AND source_id = " + metrics.param(PgParam::number(*query.source_id)) + "::int";
  const std::string bin = "date_bin(" + window + "::interval, %s, TIMESTAMPTZ 'epoch')";
  const auto binned = [&bin](const std::string &column) {
    std::string sql = bin;
    return sql.replace(sql.find("%s"), 2, column);
  };
  // Counts, speed sums and violations roll up from the per-minute traffic_metrics; a
  // percentile does not roll up, so p85 comes from the passages themselves.
  statement.sql =
      "WITH m AS ("
      "  SELECT " +
      binned("bucket_start") +
      " AS start, label, sum(vehicle_count) AS vehicles,"
      "         sum(speed_count) AS speed_count, sum(speed_sum_kmh) AS speed_sum_kmh,"
      "         sum(violations) AS violations"
      "    FROM traffic_metrics WHERE bucket_start >= " +
      from + " AND bucket_start < " + to + source +
      "   GROUP BY GROUPING SETS ((1, 2), (1))),"
      " p AS ("
      "  SELECT " +
      binned("entered_at") +
      " AS start, label,"
      "         percentile_cont(0.85) WITHIN GROUP (ORDER BY speed_kmh) AS p85"
      "    FROM vehicle_passages WHERE entered_at >= " +
      from + " AND entered_at < " + to + source +
      "     AND speed_kmh IS NOT NULL"
      "   GROUP BY GROUPING SETS ((1, 2), (1)))"
      " SELECT " +
      ms_of("m.start") +
      " AS start_ms, m.label, m.vehicles, m.speed_count,"
      "        m.speed_sum_kmh, p.p85 AS p85_speed_kmh, m.violations"
      "   FROM m LEFT JOIN p ON p.start = m.start AND p.label IS NOT DISTINCT FROM m.label"
      "  ORDER BY m.start, m.label NULLS FIRST";
  return statement;
}

PgStatement speed_histogram_statement(const SpeedHistogramQuery &query) {
  PgStatement statement;
  Conditions where(statement.params);
  where.add("speed_kmh IS NOT NULL");
  add_filters(where, query, "entered_at");
  const std::string bin = where.param(PgParam::text(number_text(query.bin_kmh))) + "::float8";
  // One scan of the passages (by source and time, like the time series' p85), read twice: the
  // totals, then the bins.
  statement.sql = "WITH p AS (SELECT speed_kmh FROM vehicle_passages" + where.sql() +
                  ")"
                  " SELECT NULL::float8 AS from_kmh, count(*) AS vehicles,"
                  "        avg(speed_kmh) AS mean_speed_kmh,"
                  "        percentile_cont(0.85) WITHIN GROUP (ORDER BY speed_kmh) AS p85_speed_kmh"
                  "   FROM p"
                  " UNION ALL"
                  " SELECT floor(speed_kmh / " +
                  bin + ") * " + bin +
                  ", count(*), NULL, NULL FROM p GROUP BY 1"
                  " ORDER BY from_kmh NULLS FIRST";
  return statement;
}

PgStatement violation_snapshot_statement(std::int64_t violation_id) {
  return {"SELECT snapshot FROM speeding_violations WHERE id = $1::bigint",
          {PgParam::number(violation_id)}};
}

PgStatement source_analytics_statement(int source_id) {
  const std::string iso = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";
  return {
      "SELECT json_build_object("
      "  'source_id', s.id, 'kind', s.kind, 'name', s.name,"
      "  'totals', (SELECT json_build_object("
      "      'vehicles', count(*), 'with_speed', count(speed_kmh),"
      "      'mean_speed_kmh', round(avg(speed_kmh)::numeric, 2),"
      "      'p85_speed_kmh',"
      "        round((percentile_cont(0.85) WITHIN GROUP (ORDER BY speed_kmh))::numeric, 2),"
      "      'first_seen', to_char(min(entered_at) AT TIME ZONE 'UTC', " +
          iso +
          "),"
          "      'last_seen', to_char(max(entered_at) AT TIME ZONE 'UTC', " +
          iso +
          "))"
          "    FROM vehicle_passages WHERE source_id = s.id),"
          "  'by_class', (SELECT coalesce(json_object_agg(label, n ORDER BY label), '{}')"
          "    FROM (SELECT label, count(*) AS n FROM vehicle_passages WHERE source_id = s.id"
          "          GROUP BY label) AS c),"
          "  'violations', (SELECT count(*) FROM speeding_violations WHERE source_id = s.id),"
          "  'runs', (SELECT coalesce(json_agg(r ORDER BY r.session_id DESC), '[]')"
          "    FROM (SELECT session_id, total_vehicles_count, avg_dwell_time,"
          "                 vehicle_type_distribution, violations,"
          "                 to_char(processed_at AT TIME ZONE 'UTC', " +
          iso +
          ") AS processed_at"
          "            FROM video_analytics WHERE video_id = s.id"
          "           ORDER BY session_id DESC LIMIT 100) AS r)"
          ") AS analytics FROM sources s WHERE s.id = $1::int",
      {PgParam::number(source_id)}};
}

}  // namespace rw::server
