#pragma once

// Stores every `{prefix}:events` entry in PostgreSQL, at least once and idempotently (SPEC
// §8): consumer group `persist` on its own Redis connection; an entry is XACKed only after its
// transaction committed, so a crash anywhere leaves it pending and it is stored on redelivery
// (the rows of core/db/events_to_rows.hpp make a second time a no-op).
//
// - On (re)connection: XGROUP CREATE ... 0 MKSTREAM (BUSYGROUP is fine; after a Redis restart
//   that lost the group it is made again and the stream is read from its start), then its own
//   pending entries (ID 0) first, then new ones (XREADGROUP ... BLOCK).
// - PostgreSQL unavailable: entries stay pending, reading stops, and resumes by itself when the
//   database is back (backoff, and PgAsync::on_ready).
// - Entries pending on another consumer for more than claim_idle (a server that died) are
//   taken over with XAUTOCLAIM every claim_interval.
// - An entry that cannot be stored (malformed, unknown session, refused by a constraint) or
//   that was delivered more than max_deliveries times goes to `{prefix}:events:dead` with
//   fields original_id, reason and its own fields, and is acked.

#include <chrono>
#include <memory>
#include <string>

#include <glib.h>

#include <nlohmann/json.hpp>

#include "common/metrics.hpp"
#include "db/pg_async.hpp"
#include "rw/publish/connection.hpp"

namespace rw::server {

struct PersisterConfig {
  std::string consumer;  // empty: "persist-<host name>", the same after a restart
  std::size_t batch = 100;
  std::chrono::milliseconds block{1000};
  std::chrono::milliseconds claim_idle{30000};
  std::chrono::milliseconds claim_interval{10000};
  int max_deliveries = 5;
  std::size_t dead_maxlen = 10000;
  GMainContext *context = nullptr;  // nullptr: the default context
};

class Persister {
 public:
  Persister(rw::publish::RedisEndpoint redis, std::string key_prefix, PgAsync &pg, Metrics &metrics,
            PersisterConfig config = {});
  ~Persister();
  Persister(const Persister &) = delete;
  Persister &operator=(const Persister &) = delete;

  void start();

  // {"consumer", "stream", "state", "stored", "dead_lettered", "skipped", "pending", "lag",
  //  "last_error"}: pending and lag as Redis last reported them (null before that).
  nlohmann::json status_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::server
