#pragma once

// The supervisor's SQL: sources and sessions rows in and out, asynchronously on PgAsync.
// Failures come back as the ApiError the REST API answers with: 503 while PostgreSQL is
// unavailable, 404 for a missing row, 409 for a second running session of a source.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "common/api_error.hpp"
#include "db/pg_async.hpp"
#include "supervisor/session.hpp"
#include "supervisor/source_config.hpp"

namespace rw::server::session_store {

template <typename T>
using Callback = std::function<void(std::variant<T, ApiError>)>;

void load_source(PgAsync &pg, int source_id, Callback<SourceConfig> cb);
// A new session of the source: starting, desired running.
void insert_session(PgAsync &pg, int source_id, Callback<Session> cb);
// Writes every column the supervisor changes. cb gets the number of rows updated (0: the
// session is gone, e.g. its source was deleted).
void update_session(PgAsync &pg, const Session &session, Callback<std::int64_t> cb);
// Sessions that should run or look as if they do: what a restarted server takes over.
void load_unfinished_sessions(PgAsync &pg, Callback<std::vector<Session>> cb);
// Newest first, at most `limit`.
void list_sessions(PgAsync &pg, int limit, Callback<std::vector<Session>> cb);
void get_session(PgAsync &pg, std::int64_t session_id, Callback<Session> cb);

}  // namespace rw::server::session_store
