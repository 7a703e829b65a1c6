#include "db/events_to_rows.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace rw::server {
namespace {

using nlohmann::json;

// Tracks without a label (an element that writes none) are counted under this one, both in
// vehicle_passages and speeding_violations, so that traffic_metrics can join them.
constexpr const char *kUnknownLabel = "unknown";
// pg_advisory_xact_lock(kMetricsLockClass, source_id): writers of one source's metrics take
// turns, so that two persisters never both rebuild a minute from a snapshot missing the other's
// row.
constexpr const char *kLockMetrics = "SELECT pg_advisory_xact_lock(29303, $1::int)";

// Digits only, no sign, within [min, max].
std::optional<std::int64_t> parse_id(const std::string &text, std::int64_t min, std::int64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::int64_t digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<std::int64_t> entry_time_ms(const EventEntry &entry) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (auto field = entry.fields.find("ts_unix_ms"); field != entry.fields.end())
    return parse_id(field->second, 0, kMax);
  return parse_id(entry.id.substr(0, entry.id.find('-')), 0, kMax);
}

// Reads typed members of one event, remembering the first problem.
class EventReader {
 public:
  explicit EventReader(const json &event) : event_(event) {}

  std::optional<std::int64_t> count(const char *key, bool required = true,
                                    std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
    const auto it = event_.find(key);
    if (it == event_.end()) return missing(key, required);
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      return fail<std::int64_t>(std::string(key) + " must be an integer from 0 to " +
                                std::to_string(max));
    return static_cast<std::int64_t>(it->get<std::uint64_t>());
  }

  std::optional<std::int64_t> integer(const char *key) {
    const auto it = event_.find(key);
    if (it == event_.end()) return missing(key, true);
    if (!it->is_number_integer() ||
        (it->is_number_unsigned() &&
         it->get<std::uint64_t>() >
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
      return fail<std::int64_t>(std::string(key) + " must be an integer");
    return it->get<std::int64_t>();
  }

  std::optional<double> number(const char *key, bool required = true) {
    const auto it = event_.find(key);
    if (it == event_.end()) return missing(key, required);
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
        it->get<double>() > 1e6)
      return fail<double>(std::string(key) + " must be a number from 0 to 1e6");
    return it->get<double>();
  }

  std::optional<std::string> text(const char *key, bool required = true) {
    const auto it = event_.find(key);
    if (it == event_.end()) return missing(key, required);
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 256)
      return fail<std::string>(std::string(key) + " must be a string of 1 to 256 bytes");
    return it->get<std::string>();
  }

  std::string label() { return text("label", false).value_or(kUnknownLabel); }

  const std::string &error() const { return error_; }

 private:
  std::nullopt_t missing(const char *key, bool required) {
    if (required && error_.empty()) error_ = std::string("missing ") + key;
    return std::nullopt;
  }
  template <typename T>
  std::optional<T> fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return std::nullopt;
  }

  const json &event_;
  std::string error_;
};

// Milliseconds since 1970 in parameter $n, as a timestamptz, exactly.
std::string time_param(int n) {
  return "(TIMESTAMPTZ 'epoch' + $" + std::to_string(n) + "::bigint * INTERVAL '1 millisecond')";
}

// Rebuilds the traffic_metrics rows (per label) of the minute that bucket_sql selects, from
// vehicle_passages and speeding_violations of the source in $2: the same rows however often
// it runs. p85 over the vehicles with a measured speed.
PgStatement refresh_minute(const std::string &bucket_sql, std::vector<PgParam> params) {
  return {"WITH bucket AS (" + bucket_sql +
              "),"
              " passages AS ("
              "  SELECT v.label, count(*) AS vehicle_count, count(v.speed_kmh) AS speed_count,"
              "         coalesce(sum(v.speed_kmh::float8), 0) AS speed_sum_kmh,"
              "         percentile_cont(0.85) WITHIN GROUP (ORDER BY v.speed_kmh) AS p85"
              "    FROM vehicle_passages v, bucket b"
              "   WHERE v.source_id = $2::int AND v.entered_at >= b.start"
              "     AND v.entered_at < b.start + INTERVAL '1 minute'"
              "   GROUP BY v.label),"
              " violations AS ("
              "  SELECT s.label, count(*) AS violations FROM speeding_violations s, bucket b"
              "   WHERE s.source_id = $2::int AND s.occurred_at >= b.start"
              "     AND s.occurred_at < b.start + INTERVAL '1 minute'"
              "   GROUP BY s.label)"
              " INSERT INTO traffic_metrics (source_id, bucket_start, label, vehicle_count,"
              "                              speed_count, speed_sum_kmh, speed_p85_kmh, violations)"
              " SELECT $2::int, b.start, coalesce(p.label, v.label), coalesce(p.vehicle_count, 0),"
              "        coalesce(p.speed_count, 0), coalesce(p.speed_sum_kmh, 0), p.p85,"
              "        coalesce(v.violations, 0)"
              "   FROM (passages p FULL JOIN violations v ON v.label = p.label) CROSS JOIN bucket b"
              " ON CONFLICT (source_id, bucket_start, label) DO UPDATE SET"
              "   vehicle_count = EXCLUDED.vehicle_count, speed_count = EXCLUDED.speed_count,"
              "   speed_sum_kmh = EXCLUDED.speed_sum_kmh, speed_p85_kmh = EXCLUDED.speed_p85_kmh,"
              "   violations = EXCLUDED.violations",
          std::move(params)};
}

// The minute of the track's passage in the run ($1 session, $3 track).
const char *kPassageMinute =
    "SELECT date_bin(INTERVAL '1 minute', entered_at, TIMESTAMPTZ 'epoch') AS start"
    "  FROM vehicle_passages WHERE session_id = $1::bigint AND track_id = $3::bigint";

struct Common {
  std::int64_t session_id;
  std::int64_t source_id;
  std::int64_t ts_ms;
};

std::variant<EventRows, std::string> enter_rows(EventReader &event, const Common &c) {
  const auto track = event.count("track_id");
  event.text("zone");
  const std::string label = event.label();
  if (!event.error().empty()) return event.error();
  std::vector<PgParam> key = {PgParam::number(c.session_id), PgParam::number(c.source_id),
                              PgParam::number(*track)};
  return EventRows{
      "enter",
      {{kLockMetrics, {PgParam::number(c.source_id)}},
       {"INSERT INTO vehicle_passages (session_id, source_id, track_id, label, entered_at)"
        " VALUES ($1::bigint, $2::int, $3::bigint, $4::text, " +
            time_param(5) + ") ON CONFLICT (session_id, track_id) DO NOTHING",
        {key[0], key[1], key[2], PgParam::text(label), PgParam::number(c.ts_ms)}},
       refresh_minute(kPassageMinute, key)}};
}

// Also records the passage when its enter never arrived (entered dwell_s before the exit).
std::variant<EventRows, std::string> exit_rows(EventReader &event, const Common &c) {
  const auto track = event.count("track_id");
  event.text("zone");
  const auto dwell_s = event.number("dwell_s");
  const auto speed = event.number("speed_kmh", false);
  const std::string label = event.label();
  if (!event.error().empty()) return event.error();
  const auto entered_ms = c.ts_ms - static_cast<std::int64_t>(std::llround(*dwell_s * 1000));
  std::vector<PgParam> key = {PgParam::number(c.session_id), PgParam::number(c.source_id),
                              PgParam::number(*track)};
  return EventRows{
      "exit",
      {{kLockMetrics, {PgParam::number(c.source_id)}},
       {"INSERT INTO vehicle_passages AS v (session_id, source_id, track_id, label, entered_at,"
        "                                   speed_kmh)"
        " VALUES ($1::bigint, $2::int, $3::bigint, $4::text, " +
            time_param(5) +
            ", $6::real)"
            " ON CONFLICT (session_id, track_id) DO UPDATE SET speed_kmh = EXCLUDED.speed_kmh"
            " WHERE v.speed_kmh IS NULL AND EXCLUDED.speed_kmh IS NOT NULL",
        {key[0], key[1], key[2], PgParam::text(label),
         PgParam::number(std::max<std::int64_t>(entered_ms, 0)),
         speed ? PgParam::text(json(*speed).dump()) : PgParam::null()}},
       refresh_minute(kPassageMinute, key)}};
}

std::variant<EventRows, std::string> speeding_rows(EventReader &event, const Common &c,
                                                   const EventEntry &entry) {
  const auto track = event.count("track_id");
  const auto speed = event.number("speed_kmh");
  const auto limit = event.number("limit_kmh");
  const auto zone = event.text("zone");
  const auto frame = event.count("frame_number");
  const auto pts = event.integer("pts_ns");
  const std::string label = event.label();
  if (!event.error().empty()) return event.error();
  const auto jpeg = entry.fields.find("jpeg");
  PgParam snapshot = jpeg != entry.fields.end() && !jpeg->second.empty()
                         ? PgParam::bytes(jpeg->second)
                         : PgParam::null();
  std::vector<PgParam> key = {PgParam::number(c.session_id), PgParam::number(c.source_id),
                              PgParam::number(*track), PgParam::text(*zone),
                              PgParam::number(*frame)};
  return EventRows{
      "speeding",
      {{kLockMetrics, {PgParam::number(c.source_id)}},
       // A copy that carries the snapshot fills it in when the first one came without.
       {"INSERT INTO speeding_violations AS s (session_id, source_id, track_id, zone,"
        "  frame_number, pts_ns, label, speed_kmh, limit_kmh, occurred_at, snapshot)"
        " VALUES ($1::bigint, $2::int, $3::bigint, $4::text, $5::bigint, $6::bigint, $7::text,"
        "  $8::real, $9::real, " +
            time_param(10) +
            ", $11::bytea)"
            " ON CONFLICT (session_id, track_id, zone, frame_number) DO UPDATE"
            " SET snapshot = EXCLUDED.snapshot"
            " WHERE s.snapshot IS NULL AND EXCLUDED.snapshot IS NOT NULL",
        {key[0], key[1], key[2], key[3], key[4], PgParam::number(*pts), PgParam::text(label),
         PgParam::text(json(*speed).dump()), PgParam::text(json(*limit).dump()),
         PgParam::number(c.ts_ms), std::move(snapshot)}},
       refresh_minute("SELECT date_bin(INTERVAL '1 minute', occurred_at, TIMESTAMPTZ 'epoch')"
                      "       AS start FROM speeding_violations"
                      " WHERE session_id = $1::bigint AND track_id = $3::bigint"
                      "   AND zone = $4::text AND frame_number = $5::bigint",
                      key)}};
}

std::variant<EventRows, std::string> end_of_stream_rows(const json &event, const Common &c) {
  const auto summary_it = event.find("summary");
  if (summary_it == event.end()) return "missing summary";
  if (!summary_it->is_object()) return "summary must be an object";
  EventReader summary(*summary_it);
  constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();
  const auto total = summary.count("total_vehicles", true, kIntMax);
  const auto dwell = summary.number("average_dwell_s");
  const auto violations = summary.count("violations", true, kIntMax);
  if (!summary.error().empty()) return "summary: " + summary.error();
  const auto by_class = summary_it->find("by_class");
  if (by_class == summary_it->end() || !by_class->is_object())
    return "summary: by_class must be an object";
  for (const auto &[label, count] : by_class->items()) {
    if (!count.is_number_unsigned())
      return "summary: by_class." + label + " must be a non-negative integer";
  }
  return EventRows{
      "end_of_stream",
      {{"INSERT INTO video_analytics (session_id, video_id, total_vehicles_count,"
        "  avg_dwell_time, vehicle_type_distribution, violations, processed_at)"
        " VALUES ($1::bigint, $2::int, $3::int, $4::real, $5::jsonb, $6::int, " +
            time_param(7) +
            ") ON CONFLICT (session_id) DO UPDATE SET"
            " total_vehicles_count = EXCLUDED.total_vehicles_count,"
            " avg_dwell_time = EXCLUDED.avg_dwell_time,"
            " vehicle_type_distribution = EXCLUDED.vehicle_type_distribution,"
            " violations = EXCLUDED.violations, processed_at = EXCLUDED.processed_at",
        {PgParam::number(c.session_id), PgParam::number(c.source_id), PgParam::number(*total),
         PgParam::text(json(*dwell).dump()), PgParam::text(by_class->dump()),
         PgParam::number(*violations), PgParam::number(c.ts_ms)}}}};
}

}  // namespace

std::variant<EventRows, std::string> events_to_rows(const EventEntry &entry) {
  const auto field = [&entry](const char *name) -> const std::string * {
    const auto it = entry.fields.find(name);
    return it == entry.fields.end() ? nullptr : &it->second;
  };
  const std::string *source_text = field("source_id");
  const std::string *run_text = field("run_id");
  const std::string *json_text = field("json");
  if (source_text == nullptr) return "no source_id field";
  if (json_text == nullptr) return "no json field";
  if (run_text == nullptr) return "no run_id field: the event does not belong to a session";
  const auto source_id = parse_id(*source_text, 1, std::numeric_limits<std::int32_t>::max());
  if (!source_id) return "source_id '" + source_text->substr(0, 64) + "' is not a source id";
  const auto session_id = parse_id(*run_text, 1, std::numeric_limits<std::int64_t>::max());
  if (!session_id) return "run_id '" + run_text->substr(0, 64) + "' is not a session id";
  const auto ts_ms = entry_time_ms(entry);
  if (!ts_ms) return "no time: neither a ts_unix_ms field nor a stream id in milliseconds";

  const json event = json::parse(*json_text, nullptr, false);
  if (event.is_discarded()) return "json is not valid JSON";
  if (!event.is_object()) return "json is not an object";
  const auto type_it = event.find("type");
  if (type_it == event.end() || !type_it->is_string()) return "event has no type";
  const std::string type = type_it->get<std::string>();

  const Common common{*session_id, *source_id, *ts_ms};
  EventReader reader(event);
  std::variant<EventRows, std::string> rows;
  if (type == "enter") {
    rows = enter_rows(reader, common);
  } else if (type == "exit") {
    rows = exit_rows(reader, common);
  } else if (type == "speeding") {
    rows = speeding_rows(reader, common, entry);
  } else if (type == "end_of_stream") {
    rows = end_of_stream_rows(event, common);
  } else if (type == "line_cross") {
    rows = EventRows{type, {}};
  } else {
    return "unknown event type '" + type.substr(0, 64) + "'";
  }
  if (auto *why = std::get_if<std::string>(&rows)) return type + " event: " + *why;
  return rows;
}

}  // namespace rw::server
