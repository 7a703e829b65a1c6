#pragma once

// The sources table as the REST API reads and writes it: parameterised statements, and the
// API's JSON of a returned row. Every statement that returns sources returns the same columns
// (the source and its latest session), so source_json() reads any of them.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/source_request.hpp"
#include "db/rows.hpp"
#include "db/statement.hpp"
#include "supervisor/session.hpp"

namespace rw::server {

PgStatement list_sources_statement(SourceKind kind);
PgStatement get_source_statement(SourceKind kind, int id);

// file_path and size_bytes for videos, settings.uri for cameras.
PgStatement insert_source_statement(SourceKind kind, const SourceSettings &settings,
                                    const std::optional<std::string> &file_path,
                                    std::optional<std::int64_t> size_bytes);

// Sets what settings give (a JSON null clears); config_version + 1 when the pipeline's settings
// change. No row: no source of that kind with that id.
PgStatement update_source_statement(SourceKind kind, int id, const SourceSettings &settings);

// Deletes the source unless a session of it should be running. One row (columns file_path,
// running, removed as "t"/"f") when the source exists, none otherwise.
PgStatement delete_source_statement(SourceKind kind, int id);

// {"id", "kind", "name", "uri" (cameras; a password in it shown as ***), "size_bytes", "fps",
// "roi", "lines", "calibration", "speed_limit_kmh", "config_version", "created_at",
// "updated_at", "session" (the latest session or null)} of row `row`. The file path stays
// private. Throws std::invalid_argument for a malformed row.
nlohmann::json source_json(const SqlRows &rows, std::size_t row);

// The file_path column of a row (videos), for the server's own use.
std::optional<std::string> source_file_path(const SqlRows &rows, std::size_t row);

}  // namespace rw::server
