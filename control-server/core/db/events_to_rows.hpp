#pragma once

// What one `roadwatch:events` entry writes to PostgreSQL. Every statement is idempotent on the
// natural keys of the schema, so an entry delivered twice (Redis redelivery, redissink sending
// again after a lost reply, a replay of the stream) leaves the same rows as once:
//   enter          -> vehicle_passages row (first entry of the track in the run), then its
//                     minute of traffic_metrics rebuilt
//   exit           -> the passage's speed_kmh, if it has none yet (the row is made when the
//                     enter was lost), then its minute rebuilt
//   speeding       -> speeding_violations row with the JPEG snapshot, then its minute rebuilt
//   end_of_stream  -> video_analytics row of the run (replaced)
//   line_cross     -> nothing (live counters only)
// A run that is not a session of the entry's source makes the transaction fail with SQLSTATE
// 23503 (foreign keys on (session_id, source_id)): the persister dead-letters it.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "db/statement.hpp"

namespace rw::server {

struct EventEntry {
  std::string id;                             // stream entry id, "1730000000123-0"
  std::map<std::string, std::string> fields;  // source_id, run_id, json, jpeg?, ts_unix_ms?
};

struct EventRows {
  std::string type;                     // the event type, for logs and metrics
  std::vector<PgStatement> statements;  // one transaction; empty: nothing to store
};

// The statements for one entry, or why it cannot be stored (it goes to the dead-letter stream).
// The event's time is the entry's `ts_unix_ms` field when it has one, else the milliseconds of
// its stream id (when Redis received it).
std::variant<EventRows, std::string> events_to_rows(const EventEntry &entry);

}  // namespace rw::server
