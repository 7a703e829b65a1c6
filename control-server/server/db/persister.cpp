#include "db/persister.hpp"

#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "db/events_to_rows.hpp"
#include "redis/redis_async.hpp"
#include "rw/publish/backoff.hpp"

namespace rw::server {
namespace {

using rw::control::Reply;

constexpr const char *kGroup = "persist";

struct Delivered {
  EventEntry entry;
  bool gone = false;  // pending, but its data was trimmed from the stream
};

bool is_text(const Reply &reply) {
  return reply.type == Reply::Type::kString || reply.type == Reply::Type::kStatus;
}

// [[id, [field, value, ...] | nil], ...] of XREADGROUP and XAUTOCLAIM.
std::vector<Delivered> parse_entries(const Reply &list) {
  std::vector<Delivered> out;
  for (const Reply &item : list.elements) {
    if (item.type != Reply::Type::kArray || item.elements.size() != 2 || !is_text(item.elements[0]))
      continue;
    Delivered delivered;
    delivered.entry.id = item.elements[0].text;
    const Reply &fields = item.elements[1];
    delivered.gone = fields.type != Reply::Type::kArray;
    for (std::size_t i = 0; !delivered.gone && i + 1 < fields.elements.size(); i += 2)
      delivered.entry.fields[fields.elements[i].text] = fields.elements[i + 1].text;
    out.push_back(std::move(delivered));
  }
  return out;
}

// The entries of an XREADGROUP reply: nil (timed out) or [[stream, entries]].
std::vector<Delivered> read_reply_entries(const Reply &reply) {
  if (reply.type != Reply::Type::kArray || reply.elements.empty()) return {};
  const Reply &stream = reply.elements[0];
  if (stream.type != Reply::Type::kArray || stream.elements.size() != 2) return {};
  return parse_entries(stream.elements[1]);
}

std::string default_consumer() {
  return std::string("persist-") + g_get_host_name();
}

// SQLSTATE classes that mean "this data can never be stored": data exceptions (22) and
// integrity constraints (23, e.g. an unknown session). Anything else may pass on a retry.
bool refused_for_good(const PgResult &result) {
  const std::string state = result.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
}

}  // namespace

struct Persister::Impl {
  // One read-and-store round: the entries of one reply and what became of each.
  struct Batch {
    std::vector<Delivered> entries;
    std::vector<std::string> acks;                          // stored, or nothing to store
    std::vector<std::pair<std::size_t, std::string>> dead;  // entry index, reason
    std::size_t outstanding = 0;                            // transactions not answered yet
    bool stop = false;  // the database failed: the rest stays pending for later
  };
  using BatchPtr = std::shared_ptr<Batch>;

  Impl(rw::publish::RedisEndpoint endpoint, std::string prefix, PgAsync &pg_in, Metrics &metrics_in,
       PersisterConfig config_in)
      : config(std::move(config_in)),
        context(config.context != nullptr ? config.context : g_main_context_default()),
        redis(std::move(endpoint), "roadwatch-server:persist", context),
        pg(pg_in),
        stream(prefix + ":events"),
        dead_stream(prefix + ":events:dead"),
        consumer(config.consumer.empty() ? default_consumer() : config.consumer),
        backoff({std::chrono::milliseconds(200), std::chrono::milliseconds(5000), 0.5},
                g_random_int()),
        stored(metrics_in.counter(kEventsMetric, kEventsHelp, {{"result", "stored"}})),
        dead(metrics_in.counter(kEventsMetric, kEventsHelp, {{"result", "dead_lettered"}})),
        skipped(metrics_in.counter(kEventsMetric, kEventsHelp, {{"result", "skipped"}})),
        pending_gauge(metrics_in.gauge("rw_persister_pending",
                                       "Events delivered to the persister but not acked yet")),
        lag_gauge(metrics_in.gauge("rw_persister_lag",
                                   "Events in the stream not yet delivered to the persister")) {}

  ~Impl() {
    drop_source(retry_timer);
    drop_source(status_timer);
  }

  static constexpr const char *kEventsMetric = "rw_persister_events_total";
  static constexpr const char *kEventsHelp = "roadwatch:events entries handled, by outcome";

  PersisterConfig config;
  GMainContext *context;
  RedisAsync redis;
  PgAsync &pg;
  const std::string stream;
  const std::string dead_stream;
  const std::string consumer;
  rw::publish::Backoff backoff;
  double &stored;
  double &dead;
  double &skipped;
  double &pending_gauge;
  double &lag_gauge;

  // Callbacks from PgAsync may come after this is gone (the database outlives the persister):
  // they hold a weak reference to this token.
  std::shared_ptr<int> life = std::make_shared<int>(0);
  std::uint64_t generation = 0;  // bumped on each Redis reconnection: older rounds are void
  bool started = false;
  bool busy = false;
  bool group_ready = false;
  bool reading_own_pending = true;
  std::string pending_cursor = "0";
  std::string claim_cursor = "0-0";
  std::chrono::steady_clock::time_point next_claim{};
  std::map<std::string, int> failures;  // transient database failures per entry id
  GSource *retry_timer = nullptr;
  GSource *status_timer = nullptr;
  std::string state = "stopped";
  std::string last_error;
  std::optional<long long> pending_count;
  std::optional<long long> lag;

  static void drop_source(GSource *&source) {
    if (source == nullptr) return;
    g_source_destroy(source);
    g_source_unref(source);
    source = nullptr;
  }

  GSource *attach_timer(std::chrono::milliseconds delay, GSourceFunc func) {
    GSource *source = g_timeout_source_new(static_cast<guint>(delay.count()));
    g_source_set_callback(source, func, this, nullptr);
    g_source_attach(source, context);
    return source;
  }

  // Runs cb(reply) only while this round is current; a lost connection pauses the loop.
  RedisAsync::Callback in_round(std::function<void(const Reply &)> cb) {
    return [this, weak = std::weak_ptr<int>(life), round = generation, cb = std::move(cb)](
               const Reply *reply, const std::string &error) {
      if (weak.expired() || round != generation) return;
      if (reply == nullptr) return pause("redis: " + error);
      cb(*reply);
    };
  }

  void start() {
    if (started) return;
    started = true;
    state = "starting";
    redis.on_connected([this] {
      ++generation;  // whatever was in flight died with the old connection
      busy = false;
      group_ready = false;
      resume();
    });
    pg.on_ready([this] { resume(); });
    status_timer = attach_timer(config.claim_interval, [](gpointer self) -> gboolean {
      static_cast<Impl *>(self)->refresh_status();
      return G_SOURCE_CONTINUE;
    });
    redis.start();
  }

  void resume() {
    drop_source(retry_timer);
    kick();
  }

  void kick() {
    if (!started || busy || retry_timer != nullptr) return;
    if (!redis.connected()) {
      state = "waiting_for_redis";
      return;  // on_connected resumes
    }
    if (!pg.ready()) {
      state = "waiting_for_database";
      return;  // on_ready resumes
    }
    busy = true;
    if (group_ready) return read_next();
    ensure_group();
  }

  // Stops reading; what was not acked stays pending and is read again first.
  void pause(const std::string &why) {
    last_error = why;
    g_warning("persister: %s; retrying", why.c_str());
    busy = false;
    reading_own_pending = true;
    pending_cursor = "0";
    state = "retrying";
    drop_source(retry_timer);
    retry_timer = attach_timer(backoff.next(), [](gpointer self) -> gboolean {
      auto *impl = static_cast<Impl *>(self);
      drop_source(impl->retry_timer);
      impl->kick();
      return G_SOURCE_CONTINUE;  // destroyed above
    });
  }

  void ensure_group() {
    state = "starting";
    // From the stream's start: a group made again after Redis lost it must not skip what was
    // written meanwhile (storing an entry twice is harmless, missing one is not).
    redis.command({"XGROUP", "CREATE", stream, kGroup, "0", "MKSTREAM"},
                  in_round([this](const Reply &reply) {
                    if (reply.type == Reply::Type::kError && reply.text.rfind("BUSYGROUP", 0) != 0)
                      return pause("XGROUP CREATE " + stream + ": " + reply.text);
                    group_ready = true;
                    reading_own_pending = true;
                    pending_cursor = "0";
                    read_next();
                  }));
  }

  void read_next() {
    const std::string count = std::to_string(config.batch);
    if (reading_own_pending) {
      state = "reading_pending";
      return redis.command({"XREADGROUP", "GROUP", kGroup, consumer, "COUNT", count, "STREAMS",
                            stream, pending_cursor},
                           in_round([this](const Reply &reply) { on_read(reply, false); }));
    }
    if (std::chrono::steady_clock::now() >= next_claim) {
      state = "claiming";
      return redis.command(
          {"XAUTOCLAIM", stream, kGroup, consumer, std::to_string(config.claim_idle.count()),
           claim_cursor, "COUNT", count},
          in_round([this](const Reply &reply) { on_claim(reply); }));
    }
    state = "reading";
    redis.command({"XREADGROUP", "GROUP", kGroup, consumer, "COUNT", count, "BLOCK",
                   std::to_string(config.block.count()), "STREAMS", stream, ">"},
                  in_round([this](const Reply &reply) { on_read(reply, true); }));
  }

  bool group_lost(const Reply &reply) {
    if (reply.type != Reply::Type::kError) return false;
    if (reply.text.rfind("NOGROUP", 0) == 0) {
      g_warning("persister: consumer group %s of %s is gone; making it again", kGroup,
                stream.c_str());
      group_ready = false;
      ensure_group();
    } else {
      pause("reading " + stream + ": " + reply.text);
    }
    return true;
  }

  void on_read(const Reply &reply, bool fresh) {
    if (group_lost(reply)) return;
    std::vector<Delivered> entries = read_reply_entries(reply);
    if (!fresh) {
      if (entries.empty()) {  // own pending entries all done: now the new ones
        reading_own_pending = false;
        return read_next();
      }
      pending_cursor = entries.back().entry.id;
    }
    if (entries.empty()) return read_next();  // BLOCK timed out
    handle(std::move(entries), !fresh);
  }

  void on_claim(const Reply &reply) {
    if (group_lost(reply)) return;
    if (reply.type != Reply::Type::kArray || reply.elements.size() < 2)
      return pause("XAUTOCLAIM: unexpected reply");
    claim_cursor = reply.elements[0].text;
    if (claim_cursor == "0-0")
      next_claim = std::chrono::steady_clock::now() + config.claim_interval;
    std::vector<Delivered> entries = parse_entries(reply.elements[1]);
    if (entries.empty()) return read_next();
    g_message("persister: took over %zu entries idle for more than %lld ms", entries.size(),
              static_cast<long long>(config.claim_idle.count()));
    handle(std::move(entries), true);
  }

  // Entries read again (own pending ones, claimed ones) may have been delivered many times:
  // XPENDING says how often, and too often means they go to the dead letters.
  void handle(std::vector<Delivered> entries, bool redelivered) {
    auto batch = std::make_shared<Batch>();
    batch->entries = std::move(entries);
    if (!redelivered) return store(batch, {});
    redis.command({"XPENDING", stream, kGroup, batch->entries.front().entry.id,
                   batch->entries.back().entry.id, std::to_string(batch->entries.size()), consumer},
                  in_round([this, batch](const Reply &reply) {
                    std::map<std::string, long long> deliveries;
                    for (const Reply &item : reply.elements) {
                      if (item.elements.size() == 4)
                        deliveries[item.elements[0].text] = item.elements[3].integer;
                    }
                    store(batch, deliveries);
                  }));
  }

  void store(const BatchPtr &batch, const std::map<std::string, long long> &deliveries) {
    state = "storing";
    for (std::size_t i = 0; i < batch->entries.size(); ++i) {
      const Delivered &delivered = batch->entries[i];
      const std::string &id = delivered.entry.id;
      if (delivered.gone) {
        g_warning("persister: entry %s was trimmed from %s before it was stored", id.c_str(),
                  stream.c_str());
        skipped += 1;
        batch->acks.push_back(id);
        continue;
      }
      if (const auto it = deliveries.find(id);
          it != deliveries.end() && it->second > config.max_deliveries) {
        batch->dead.emplace_back(
            i, "delivered " + std::to_string(it->second) + " times without being stored");
        continue;
      }
      auto rows = events_to_rows(delivered.entry);
      if (auto *why = std::get_if<std::string>(&rows)) {
        batch->dead.emplace_back(i, *why);
        continue;
      }
      auto &statements = std::get<EventRows>(rows).statements;
      if (statements.empty()) {
        skipped += 1;
        batch->acks.push_back(id);
        continue;
      }
      ++batch->outstanding;
      pg.transaction(std::move(statements), [this, weak = std::weak_ptr<int>(life),
                                             round = generation, batch, i](const PgResult &result) {
        if (weak.expired()) return;
        stored_or_not(*batch, i, result);
        if (--batch->outstanding == 0 && round == generation) finish(batch);
      });
    }
    if (batch->outstanding == 0) finish(batch);
  }

  void stored_or_not(Batch &batch, std::size_t i, const PgResult &result) {
    const std::string &id = batch.entries[i].entry.id;
    if (result.ok()) {
      stored += 1;
      failures.erase(id);
      batch.acks.push_back(id);
      return;
    }
    if (result.is_unavailable()) {
      batch.stop = true;
      last_error = result.error();
      return;
    }
    if (refused_for_good(result)) {
      batch.dead.emplace_back(i, "the database refused it: " + result.error());
      return;
    }
    // Some other failure (deadlock, out of memory ...): try again, a few times.
    if (++failures[id] >= config.max_deliveries) {
      failures.erase(id);
      batch.dead.emplace_back(i, "storing failed " + std::to_string(config.max_deliveries) +
                                     " times: " + result.error());
      return;
    }
    batch.stop = true;
    last_error = result.error();
  }

  // Dead letters first, then one XACK for everything handled; then the next read, or a pause
  // when the database failed.
  void finish(const BatchPtr &batch) {
    auto remaining = std::make_shared<std::size_t>(batch->dead.size());
    const auto acknowledge = [this, batch] {
      if (batch->acks.empty()) return after_batch(*batch);
      std::vector<std::string> argv = {"XACK", stream, kGroup};
      argv.insert(argv.end(), batch->acks.begin(), batch->acks.end());
      redis.command(std::move(argv), in_round([this, batch](const Reply &reply) {
                      if (reply.type == Reply::Type::kError)
                        return pause("XACK " + stream + ": " + reply.text);
                      after_batch(*batch);
                    }));
    };
    if (batch->dead.empty()) return acknowledge();
    for (const auto &[index, reason] : batch->dead) {
      const EventEntry &entry = batch->entries[index].entry;
      g_warning("persister: entry %s goes to %s: %s", entry.id.c_str(), dead_stream.c_str(),
                reason.c_str());
      std::vector<std::string> argv = {
          "XADD", dead_stream,   "MAXLEN", "~",      std::to_string(config.dead_maxlen),
          "*",    "original_id", entry.id, "reason", reason};
      for (const auto &[field, value] : entry.fields) {
        argv.push_back(field);
        argv.push_back(value);
      }
      redis.command(std::move(argv), in_round([this, batch, remaining, acknowledge,
                                               id = entry.id](const Reply &reply) {
                      // Acked only once it is safely in the dead letters.
                      if (reply.type != Reply::Type::kError) {
                        dead += 1;
                        batch->acks.push_back(id);
                      }
                      if (--*remaining == 0) acknowledge();
                    }));
    }
  }

  void after_batch(const Batch &batch) {
    if (batch.stop) return pause("database: " + last_error);
    backoff.reset();
    read_next();
  }

  // Pending count and lag for status_json() and /metrics; not part of the read loop.
  void refresh_status() {
    if (!redis.connected()) return;
    const auto weak = std::weak_ptr<int>(life);
    redis.command({"XPENDING", stream, kGroup},
                  [this, weak](const Reply *reply, const std::string &) {
                    if (weak.expired() || reply == nullptr || reply->elements.empty()) return;
                    pending_count = reply->elements[0].integer;
                    pending_gauge = static_cast<double>(*pending_count);
                  });
    redis.command({"XINFO", "GROUPS", stream},
                  [this, weak](const Reply *reply, const std::string &) {
                    if (weak.expired() || reply == nullptr) return;
                    for (const Reply &group : reply->elements) {
                      // A flat list of field, value pairs per group.
                      bool ours = false;
                      const Reply *group_lag = nullptr;
                      for (std::size_t i = 0; i + 1 < group.elements.size(); i += 2) {
                        const std::string &field = group.elements[i].text;
                        if (field == "name") ours = group.elements[i + 1].text == kGroup;
                        if (field == "lag") group_lag = &group.elements[i + 1];
                      }
                      if (!ours || group_lag == nullptr || group_lag->type != Reply::Type::kInteger)
                        continue;
                      lag = group_lag->integer;
                      lag_gauge = static_cast<double>(group_lag->integer);
                    }
                  });
  }
};

Persister::Persister(rw::publish::RedisEndpoint redis, std::string key_prefix, PgAsync &pg,
                     Metrics &metrics, PersisterConfig config)
    : impl_(std::make_unique<Impl>(std::move(redis), std::move(key_prefix), pg, metrics,
                                   std::move(config))) {}

Persister::~Persister() = default;

void Persister::start() {
  impl_->start();
}

nlohmann::json Persister::status_json() const {
  const Impl &impl = *impl_;
  const auto or_null = [](const std::optional<long long> &value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  return {{"consumer", impl.consumer},
          {"group", kGroup},
          {"stream", impl.stream},
          {"state", impl.state},
          {"stored", static_cast<long long>(impl.stored)},
          {"dead_lettered", static_cast<long long>(impl.dead)},
          {"skipped", static_cast<long long>(impl.skipped)},
          {"pending", or_null(impl.pending_count)},
          {"lag", or_null(impl.lag)},
          {"last_error", impl.last_error}};
}

}  // namespace rw::server
