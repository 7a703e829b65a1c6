#include "api/source_store.hpp"

#include <stdexcept>
#include <vector>

#include "common/redact.hpp"
#include "db/iso_time.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;

// The columns of a source row and of its latest session (prefixed "session_"), over a FROM
// item `s` that has the sources columns.
constexpr const char *kSourceColumns = R"(
  s.id, s.kind, s.name, s.uri, s.file_path, s.size_bytes, s.fps, s.roi::text AS roi,
  s.lines::text AS lines, s.calibration::text AS calibration, s.speed_limit_kmh,
  s.config_version,
  (extract(epoch FROM s.created_at) * 1000)::bigint AS created_at_ms,
  (extract(epoch FROM s.updated_at) * 1000)::bigint AS updated_at_ms,
  l.id AS session_id, l.source_id AS session_source_id, s.kind AS session_kind,
  l.state AS session_state, l.desired_state AS session_desired_state,
  l.reason AS session_reason, l.fps AS session_fps, l.latency_ms AS session_latency_ms,
  l.frames AS session_frames, l.errors AS session_errors, l.restarts AS session_restarts,
  l.last_error AS session_last_error, l.pid AS session_pid,
  (extract(epoch FROM l.started_at) * 1000)::bigint AS session_started_at_ms,
  (extract(epoch FROM l.stopped_at) * 1000)::bigint AS session_stopped_at_ms)";

constexpr const char *kLatestSession = R"(
  LEFT JOIN LATERAL (SELECT * FROM sessions WHERE source_id = s.id ORDER BY id DESC LIMIT 1) l
    ON true)";

std::string kind_text(SourceKind kind) {
  return std::string(to_string(kind));
}

// JSON values (and numbers, which JSON spells like SQL) as text parameters; null is NULL.
PgParam json_param(const std::optional<Json> &value) {
  if (!value || value->is_null()) return PgParam::null();
  return PgParam::text(value->dump());
}

// A column as JSON: parsed for JSON columns, null for SQL NULL.
Json json_column(const SqlRows &rows, std::size_t row, const std::string &column) {
  const auto value = rows.at(row, column);
  if (!value) return nullptr;
  try {
    return Json::parse(*value);
  } catch (const Json::exception &) {
    throw std::invalid_argument("column " + column + " is not JSON");
  }
}

Json number_column(const SqlRows &rows, std::size_t row, const std::string &column) {
  const auto value = row_optional_number(rows, row, column);
  return value ? Json(*value) : Json(nullptr);
}

}  // namespace

PgStatement list_sources_statement(SourceKind kind) {
  return {std::string("SELECT") + kSourceColumns + "\nFROM sources s" + kLatestSession +
              "\nWHERE s.kind = $1 ORDER BY s.id",
          {PgParam::text(kind_text(kind))}};
}

PgStatement get_source_statement(SourceKind kind, int id) {
  return {std::string("SELECT") + kSourceColumns + "\nFROM sources s" + kLatestSession +
              "\nWHERE s.kind = $1 AND s.id = $2",
          {PgParam::text(kind_text(kind)), PgParam::number(id)}};
}

PgStatement insert_source_statement(SourceKind kind, const SourceSettings &settings,
                                    const std::optional<std::string> &file_path,
                                    std::optional<std::int64_t> size_bytes) {
  // The CTE's RETURNING rows are what the outer SELECT sees (it does not see the new row in
  // sources itself).
  return {std::string("WITH s AS (INSERT INTO sources (kind, name, file_path, uri, size_bytes, "
                      "fps, roi, lines, calibration, speed_limit_kmh) VALUES ($1, $2, $3, $4, "
                      "$5, COALESCE($6::real, 30), $7::jsonb, $8::jsonb, $9::jsonb, $10::real) "
                      "RETURNING *)\nSELECT") +
              kSourceColumns + "\nFROM s" + kLatestSession,
          {PgParam::text(kind_text(kind)), PgParam::text(settings.name.value_or(kind_text(kind))),
           file_path ? PgParam::text(*file_path) : PgParam::null(),
           settings.uri ? PgParam::text(*settings.uri) : PgParam::null(),
           size_bytes ? PgParam::number(*size_bytes) : PgParam::null(),
           settings.fps ? PgParam::text(Json(*settings.fps).dump()) : PgParam::null(),
           json_param(settings.roi), json_param(settings.lines), json_param(settings.calibration),
           json_param(settings.speed_limit_kmh)}};
}

PgStatement update_source_statement(SourceKind kind, int id, const SourceSettings &settings) {
  PgStatement statement;
  statement.params = {PgParam::text(kind_text(kind)), PgParam::number(id)};
  std::vector<std::string> assignments;
  const auto set = [&](const char *column, const char *cast, PgParam param) {
    statement.params.push_back(std::move(param));
    assignments.push_back(std::string(column) + " = $" + std::to_string(statement.params.size()) +
                          cast);
  };
  if (settings.name) set("name", "", PgParam::text(*settings.name));
  if (settings.uri) set("uri", "", PgParam::text(*settings.uri));
  if (settings.fps) set("fps", "::real", PgParam::text(Json(*settings.fps).dump()));
  if (settings.roi) set("roi", "::jsonb", json_param(settings.roi));
  if (settings.lines) set("lines", "::jsonb", json_param(settings.lines));
  if (settings.calibration) set("calibration", "::jsonb", json_param(settings.calibration));
  if (settings.speed_limit_kmh) {
    set("speed_limit_kmh", "::real", json_param(settings.speed_limit_kmh));
  }
  if (settings.changes_pipeline_config()) {
    assignments.push_back("config_version = config_version + 1");
  }
  assignments.push_back("updated_at = now()");

  std::string list;
  for (const std::string &assignment : assignments) {
    list += (list.empty() ? "" : ", ") + assignment;
  }
  statement.sql = "WITH s AS (UPDATE sources SET " + list +
                  " WHERE kind = $1 AND id = $2 RETURNING *)\nSELECT" + kSourceColumns +
                  "\nFROM s" + kLatestSession;
  return statement;
}

PgStatement delete_source_statement(SourceKind kind, int id) {
  return {R"(WITH target AS (
  SELECT id, file_path,
         EXISTS (SELECT 1 FROM sessions
                  WHERE source_id = sources.id AND desired_state = 'running') AS running
    FROM sources WHERE kind = $1 AND id = $2 FOR UPDATE),
removed AS (DELETE FROM sources WHERE id IN (SELECT id FROM target WHERE NOT running)
            RETURNING id)
SELECT file_path, running, EXISTS (SELECT 1 FROM removed) AS removed FROM target)",
          {PgParam::text(kind_text(kind)), PgParam::number(id)}};
}

Json source_json(const SqlRows &rows, std::size_t row) {
  const std::string kind = row_text(rows, row, "kind");
  Json json = {
      {"id", row_integer(rows, row, "id")},
      {"kind", kind},
      {"name", row_text(rows, row, "name")},
      {"size_bytes", nullptr},
      {"fps", number_column(rows, row, "fps")},
      {"roi", json_column(rows, row, "roi")},
      {"lines", json_column(rows, row, "lines")},
      {"calibration", json_column(rows, row, "calibration")},
      {"speed_limit_kmh", number_column(rows, row, "speed_limit_kmh")},
      {"config_version", row_integer(rows, row, "config_version")},
      {"created_at", format_iso_ms(row_integer(rows, row, "created_at_ms"))},
      {"updated_at", format_iso_ms(row_integer(rows, row, "updated_at_ms"))},
      {"session", nullptr},
  };
  if (const auto size = row_optional_integer(rows, row, "size_bytes")) json["size_bytes"] = *size;
  if (kind == "camera") json["uri"] = redact_uri_password(row_text(rows, row, "uri"));

  if (rows.at(row, "session_id")) {
    // The session columns without their prefix: the supervisor's own row format.
    constexpr std::string_view kPrefix = "session_";
    SqlRows session;
    auto &values = session.rows.emplace_back();
    for (std::size_t c = 0; c < rows.columns.size(); ++c) {
      if (!rows.columns[c].starts_with(kPrefix)) continue;
      session.columns.push_back(rows.columns[c].substr(kPrefix.size()));
      values.push_back(rows.rows.at(row).at(c));
    }
    json["session"] = session_json(session_from_row(session, 0));
  }
  return json;
}

std::optional<std::string> source_file_path(const SqlRows &rows, std::size_t row) {
  return rows.at(row, "file_path");
}

}  // namespace rw::server
