#include "supervisor/session.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "db/iso_time.hpp"

namespace rw::server {
namespace {

constexpr std::string_view kStateNames[] = {"starting", "running", "reconnecting", "stopped",
                                            "failed"};

std::invalid_argument bad_column(std::string_view column, const std::string &why) {
  return std::invalid_argument("column " + std::string(column) + " " + why);
}

// NaN or infinity would make invalid JSON.
double finite_or_zero(double value) {
  return std::isfinite(value) ? value : 0.0;
}

}  // namespace

std::string_view to_string(SessionState state) {
  return kStateNames[static_cast<int>(state)];
}

std::string_view to_string(SourceKind kind) {
  return kind == SourceKind::kVideo ? "video" : "camera";
}

std::optional<SessionState> parse_session_state(std::string_view text) {
  for (int i = 0; i < 5; ++i) {
    if (kStateNames[i] == text) return static_cast<SessionState>(i);
  }
  return std::nullopt;
}

std::optional<SourceKind> parse_source_kind(std::string_view text) {
  if (text == "video") return SourceKind::kVideo;
  if (text == "camera") return SourceKind::kCamera;
  return std::nullopt;
}

nlohmann::json session_json(const Session &s) {
  const auto optional = [](const auto &value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  return {
      {"id", s.id},
      {"source_id", s.source_id},
      {"kind", to_string(s.kind)},
      {"state", to_string(s.state)},
      {"desired_state", s.desired_running ? "running" : "stopped"},
      {"reason", s.reason},
      {"fps", finite_or_zero(s.fps)},
      {"latency_ms", finite_or_zero(s.latency_ms)},
      {"frames", s.frames},
      {"errors", s.errors},
      {"restarts", s.restarts},
      {"last_error", s.last_error},
      {"pid", optional(s.pid)},
      {"started_at", format_iso_ms(s.started_at_ms)},
      {"stopped_at", s.stopped_at_ms ? nlohmann::json(format_iso_ms(*s.stopped_at_ms)) : nullptr},
      {"config_version", optional(s.config_version)},
  };
}

std::string row_text(const SqlRows &rows, std::size_t row, std::string_view column) {
  const auto value = rows.at(row, column);
  if (!value) throw bad_column(column, "is NULL");
  return *value;
}

std::optional<std::int64_t> row_optional_integer(const SqlRows &rows, std::size_t row,
                                                 std::string_view column) {
  const auto value = rows.at(row, column);
  if (!value) return std::nullopt;
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (ec != std::errc() || end != value->data() + value->size()) {
    throw bad_column(column, "is not an integer: '" + *value + "'");
  }
  return number;
}

std::int64_t row_integer(const SqlRows &rows, std::size_t row, std::string_view column) {
  const auto number = row_optional_integer(rows, row, column);
  if (!number) throw bad_column(column, "is NULL");
  return *number;
}

std::optional<double> row_optional_number(const SqlRows &rows, std::size_t row,
                                          std::string_view column) {
  const auto value = rows.at(row, column);
  if (!value) return std::nullopt;
  double number = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (ec != std::errc() || end != value->data() + value->size() || !std::isfinite(number)) {
    throw bad_column(column, "is not a finite number: '" + *value + "'");
  }
  return number;
}

Session session_from_row(const SqlRows &rows, std::size_t r) {
  const auto text = [&](std::string_view column) { return row_text(rows, r, column); };
  const auto integer = [&](std::string_view column) { return row_integer(rows, r, column); };
  Session s;
  s.id = integer("id");
  s.source_id = static_cast<int>(integer("source_id"));
  const std::string kind = text("kind");
  const std::string state = text("state");
  const std::string desired = text("desired_state");
  const auto parsed_kind = parse_source_kind(kind);
  const auto parsed_state = parse_session_state(state);
  if (!parsed_kind) throw bad_column("kind", "is not video or camera: '" + kind + "'");
  if (!parsed_state) throw bad_column("state", "is not a session state: '" + state + "'");
  if (desired != "running" && desired != "stopped") {
    throw bad_column("desired_state", "is not running or stopped: '" + desired + "'");
  }
  s.kind = *parsed_kind;
  s.state = *parsed_state;
  s.desired_running = desired == "running";
  s.reason = text("reason");
  s.fps = row_optional_number(rows, r, "fps").value_or(0);
  s.latency_ms = row_optional_number(rows, r, "latency_ms").value_or(0);
  s.frames = integer("frames");
  s.errors = integer("errors");
  s.restarts = integer("restarts");
  s.last_error = text("last_error");
  if (const auto pid = row_optional_integer(rows, r, "pid")) s.pid = static_cast<int>(*pid);
  s.started_at_ms = integer("started_at_ms");
  s.stopped_at_ms = row_optional_integer(rows, r, "stopped_at_ms");
  return s;
}

}  // namespace rw::server
