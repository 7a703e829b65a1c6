#include "db/pg_async.hpp"

#include <glib-unix.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <optional>
#include <utility>
#include <variant>

#include "db/migration_files.hpp"
#include "rw/publish/backoff.hpp"

namespace rw::server {
namespace {

constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea (catalog/pg_type_d.h is server-side)
// One key for every roadwatch-server: two servers starting together migrate one after the
// other.
constexpr std::int64_t kMigrationLockKey = 0x726f616477617463;  // "roadwatc"
// PQconnectPoll ignores connect_timeout: the loop enforces its own.
constexpr std::chrono::seconds kConnectTimeout{10};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

void free_result(pg_result *result) {
  PQclear(result);
}

}  // namespace

// ---- PgResult ----

PgResult PgResult::unavailable(std::string why) {
  PgResult result;
  result.error_ = std::move(why);
  result.unavailable_ = true;
  return result;
}

PgResult PgResult::failed(std::string why) {
  PgResult result;
  result.error_ = std::move(why);
  return result;
}

PgResult::PgResult(pg_result *result) : result_(result, free_result) {
  if (ok()) return;
  error_ = trimmed(PQresultErrorMessage(result));
  if (error_.empty())
    error_ = std::string("unexpected result ") + PQresStatus(PQresultStatus(result));
}

bool PgResult::ok() const {
  if (!result_) return false;
  const ExecStatusType status = PQresultStatus(result_.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

bool PgResult::is_unavailable() const {
  return unavailable_;
}

const std::string &PgResult::error() const {
  return error_;
}

std::string PgResult::sqlstate() const {
  if (!result_) return "";
  const char *state = PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE);
  return state != nullptr ? state : "";
}

int PgResult::rows() const {
  return result_ ? PQntuples(result_.get()) : 0;
}

int PgResult::columns() const {
  return result_ ? PQnfields(result_.get()) : 0;
}

int PgResult::column(const char *name) const {
  return result_ ? PQfnumber(result_.get(), name) : -1;
}

std::string PgResult::column_name(int column) const {
  const char *name = result_ ? PQfname(result_.get(), column) : nullptr;
  return name != nullptr ? name : "";
}

bool PgResult::is_null(int row, int column) const {
  return !result_ || PQgetisnull(result_.get(), row, column) != 0;
}

std::string PgResult::get(int row, int column) const {
  if (is_null(row, column)) return "";
  const char *value = PQgetvalue(result_.get(), row, column);
  if (value == nullptr) return "";
  if (PQftype(result_.get(), column) != kByteaOid || PQfformat(result_.get(), column) != 0)
    return std::string(value, static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
  std::size_t length = 0;
  unsigned char *bytes = PQunescapeBytea(reinterpret_cast<const unsigned char *>(value), &length);
  if (bytes == nullptr) return "";
  std::string decoded(reinterpret_cast<const char *>(bytes), length);
  PQfreemem(bytes);
  return decoded;
}

std::int64_t PgResult::affected() const {
  if (!result_) return 0;
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

SqlRows PgResult::sql_rows() const {
  SqlRows copy;
  for (int c = 0; c < columns(); ++c) copy.columns.push_back(column_name(c));
  for (int r = 0; r < rows(); ++r) {
    auto &row = copy.rows.emplace_back();
    for (int c = 0; c < columns(); ++c) {
      if (is_null(r, c)) {
        row.emplace_back();
      } else {
        row.emplace_back(get(r, c));
      }
    }
  }
  return copy;
}

// ---- PgAsync ----

namespace {

struct Step {
  PgStatement statement;
  bool simple = false;  // PQsendQuery: a migration file with many statements, no parameters
};

// One query or transaction in the queue. A transaction's steps are BEGIN, its statements and
// COMMIT; the callback gets the result of its last statement.
struct Job {
  std::vector<Step> steps;
  std::size_t result_step = 0;
  bool transaction = false;
  PgAsync::Callback cb;
  std::size_t next_step = 0;
  std::optional<PgResult> result;   // of result_step
  std::optional<PgResult> failure;  // set while the ROLLBACK after it runs
};

Step plain(std::string sql) {
  return {{std::move(sql), {}}, false};
}

}  // namespace

struct PgAsync::Impl {
  Impl(std::string conninfo_in, std::string migrations_dir_in, GMainContext *context_in)
      : conninfo(std::move(conninfo_in)),
        migrations_dir(std::move(migrations_dir_in)),
        context(context_in != nullptr ? context_in : g_main_context_default()),
        backoff({std::chrono::milliseconds(100), std::chrono::milliseconds(5000), 0.5},
                g_random_int()) {
    g_main_context_ref(context);
  }

  ~Impl() {
    drop_sources();
    drop_source(retry_timer);
    drop_source(deferred_idle);
    if (conn != nullptr) PQfinish(conn);
    g_main_context_unref(context);
  }

  std::string conninfo;
  std::string migrations_dir;
  GMainContext *context;
  rw::publish::Backoff backoff;

  PGconn *conn = nullptr;
  bool started = false;
  bool ready = false;
  std::string last_error;
  std::string last_logged;

  GSource *connect_watch = nullptr;  // while connecting: readable or writable, as libpq asks
  GSource *connect_timer = nullptr;
  GSource *read_watch = nullptr;   // while connected
  GSource *write_watch = nullptr;  // while libpq has unsent output
  GSource *retry_timer = nullptr;
  GSource *deferred_idle = nullptr;

  std::deque<Job> queue;
  bool in_flight = false;
  std::optional<PgResult> step_result;  // results of the step being read
  std::vector<Callback> deferred;       // "unavailable" answers for queries made while down
  std::vector<std::function<void()>> ready_callbacks;

  // ---- sources ----

  static void drop_source(GSource *&source) {
    if (source == nullptr) return;
    g_source_destroy(source);
    g_source_unref(source);
    source = nullptr;
  }

  void drop_sources() {
    drop_source(connect_watch);
    drop_source(connect_timer);
    drop_source(read_watch);
    drop_source(write_watch);
  }

  GSource *attach_fd(int fd, GIOCondition condition, GUnixFDSourceFunc func) {
    GSource *source = g_unix_fd_source_new(fd, condition);
    g_source_set_callback(source, G_SOURCE_FUNC(func), this, nullptr);
    g_source_attach(source, context);
    return source;
  }

  GSource *attach_timer(std::chrono::milliseconds delay, GSourceFunc func) {
    GSource *source = g_timeout_source_new(static_cast<guint>(delay.count()));
    g_source_set_callback(source, func, this, nullptr);
    g_source_attach(source, context);
    return source;
  }

  void log(const std::string &message) {
    // The same failure repeated by every retry is logged once.
    if (message == last_logged) return;
    last_logged = message;
    g_warning("PostgreSQL: %s", message.c_str());
  }

  // ---- connecting ----

  void connect() {
    ready = false;
    static const char *const kKeys[] = {
        "connect_timeout",     "keepalives",       "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "application_name",    "dbname",           nullptr};
    // dbname comes last and is expanded: whatever the configured conninfo says wins.
    const char *const values[] = {
        "10", "1", "30", "10", "3", "30000", "roadwatch-server", conninfo.c_str(), nullptr};
    conn = PQconnectStartParams(kKeys, values, 1);
    if (conn == nullptr) return retry_later("cannot allocate a connection");
    if (PQstatus(conn) == CONNECTION_BAD) return retry_later(trimmed(PQerrorMessage(conn)));
    PQsetNoticeProcessor(
        conn, [](void *, const char *message) { g_debug("PostgreSQL: %s", message); }, nullptr);
    connect_timer = attach_timer(kConnectTimeout, [](gpointer self) -> gboolean {
      auto *impl = static_cast<Impl *>(self);
      impl->retry_later("connecting took longer than " + std::to_string(kConnectTimeout.count()) +
                        " s");
      return G_SOURCE_CONTINUE;  // retry_later destroyed it
    });
    // libpq: start as if PQconnectPoll had answered PGRES_POLLING_WRITING.
    continue_connect(PGRES_POLLING_WRITING);
  }

  void continue_connect(PostgresPollingStatusType status) {
    drop_source(connect_watch);
    switch (status) {
      case PGRES_POLLING_READING:
      case PGRES_POLLING_WRITING:
        connect_watch =
            attach_fd(PQsocket(conn), status == PGRES_POLLING_READING ? G_IO_IN : G_IO_OUT,
                      [](gint, GIOCondition, gpointer self) -> gboolean {
                        auto *impl = static_cast<Impl *>(self);
                        impl->continue_connect(PQconnectPoll(impl->conn));
                        return G_SOURCE_CONTINUE;  // replaced above
                      });
        return;
      case PGRES_POLLING_OK:
        return connected();
      default:
        return retry_later(trimmed(PQerrorMessage(conn)));
    }
  }

  void connected() {
    drop_source(connect_timer);
    if (PQsetnonblocking(conn, 1) != 0) return retry_later(trimmed(PQerrorMessage(conn)));
    read_watch = attach_fd(PQsocket(conn), GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR),
                           [](gint, GIOCondition, gpointer self) -> gboolean {
                             static_cast<Impl *>(self)->on_readable();
                             return G_SOURCE_CONTINUE;
                           });
    migrate();
  }

  // Closes the connection, fails everything queued once as unavailable, and connects again
  // after a backoff delay.
  void retry_later(const std::string &why) {
    ready = false;
    last_error = why;
    log(why);
    drop_sources();
    if (conn != nullptr) {
      PQfinish(conn);
      conn = nullptr;
    }
    in_flight = false;
    step_result.reset();
    std::deque<Job> lost;
    lost.swap(queue);
    drop_source(retry_timer);
    retry_timer = attach_timer(backoff.next(), [](gpointer self) -> gboolean {
      auto *impl = static_cast<Impl *>(self);
      drop_source(impl->retry_timer);
      impl->connect();
      return G_SOURCE_CONTINUE;  // destroyed above
    });
    for (Job &job : lost) job.cb(PgResult::unavailable("database connection lost: " + why));
  }

  // ---- migrations ----

  void migrate() {
    auto loaded = load_migrations(migrations_dir);
    if (auto *error = std::get_if<std::string>(&loaded))
      return retry_later("migrations: " + *error);
    auto migrations = std::get<std::vector<Migration>>(std::move(loaded));
    const std::string lock_key = std::to_string(kMigrationLockKey);
    enqueue_one({"SELECT pg_advisory_lock($1)", {PgParam::text(lock_key)}}, check("lock"));
    enqueue_one({"CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                 {}},
                check("schema_migrations"));
    enqueue_one({"SELECT version FROM schema_migrations", {}},
                [this, migrations = std::move(migrations), lock_key](const PgResult &applied) {
                  if (!applied.ok()) return migration_failed("schema_migrations", applied);
                  std::vector<int> done;
                  for (int row = 0; row < applied.rows(); ++row)
                    done.push_back(std::atoi(applied.get(row, 0).c_str()));
                  for (const Migration &migration : migrations) {
                    if (std::find(done.begin(), done.end(), migration.version) != done.end())
                      continue;
                    apply(migration);
                  }
                  enqueue_one({"SELECT pg_advisory_unlock($1)", {PgParam::text(lock_key)}},
                              [this](const PgResult &result) {
                                if (!result.ok()) return migration_failed("unlock", result);
                                became_ready();
                              });
                });
  }

  void apply(const Migration &migration) {
    Job job;
    job.transaction = true;
    job.steps = {plain("BEGIN"),
                 {{migration.sql, {}}, true},
                 {{"INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                   {PgParam::number(migration.version), PgParam::text(migration.name)}},
                  false},
                 plain("COMMIT")};
    job.result_step = 2;
    job.cb = [this, name = migration.name](const PgResult &result) {
      if (!result.ok()) return migration_failed(name, result);
      g_message("PostgreSQL: applied migration %s", name.c_str());
    };
    enqueue(std::move(job));
  }

  Callback check(std::string what) {
    return [this, what = std::move(what)](const PgResult &result) {
      if (!result.ok()) migration_failed(what, result);
    };
  }

  void migration_failed(const std::string &what, const PgResult &result) {
    if (result.is_unavailable()) return;  // the connection is gone: retry_later runs already
    // Reconnecting releases the advisory lock and drops the migration steps still queued.
    retry_later("migration " + what + " failed: " + result.error());
  }

  void became_ready() {
    ready = true;
    last_logged.clear();
    backoff.reset();
    g_message("PostgreSQL: connected and migrated");
    const auto callbacks = ready_callbacks;  // a callback may add another
    for (const auto &callback : callbacks) callback();
  }

  // ---- queries ----

  void enqueue_one(PgStatement statement, Callback cb) {
    Job job;
    job.steps = {{std::move(statement), false}};
    job.cb = std::move(cb);
    enqueue(std::move(job));
  }

  void enqueue(Job job) {
    queue.push_back(std::move(job));
    if (!in_flight) send_next_step();
  }

  void defer_unavailable(Callback cb) {
    deferred.push_back(std::move(cb));
    if (deferred_idle != nullptr) return;
    deferred_idle = g_idle_source_new();
    g_source_set_callback(
        deferred_idle,
        [](gpointer self) -> gboolean {
          auto *impl = static_cast<Impl *>(self);
          drop_source(impl->deferred_idle);
          std::vector<Callback> callbacks;
          callbacks.swap(impl->deferred);
          const std::string why = impl->last_error.empty() ? "not connected yet" : impl->last_error;
          for (const Callback &answer : callbacks)
            answer(PgResult::unavailable("database unavailable: " + why));
          return G_SOURCE_CONTINUE;  // destroyed above
        },
        this, nullptr);
    g_source_attach(deferred_idle, context);
  }

  void send_next_step() {
    if (conn == nullptr || queue.empty()) return;
    Job &job = queue.front();
    const Step &step = job.failure ? rollback_step() : job.steps[job.next_step];
    const PgStatement &statement = step.statement;
    int sent = 0;
    if (step.simple) {
      sent = PQsendQuery(conn, statement.sql.c_str());
    } else {
      std::vector<const char *> values;
      std::vector<int> lengths;
      std::vector<int> formats;
      for (const PgParam &param : statement.params) {
        values.push_back(param.value ? param.value->data() : nullptr);
        lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
        formats.push_back(param.binary ? 1 : 0);
      }
      sent = PQsendQueryParams(conn, statement.sql.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), lengths.data(), formats.data(), 0);
    }
    if (sent == 0) {
      if (PQstatus(conn) == CONNECTION_BAD) return retry_later(trimmed(PQerrorMessage(conn)));
      return finish_job(PgResult::failed(trimmed(PQerrorMessage(conn))));
    }
    in_flight = true;
    flush();
  }

  static const Step &rollback_step() {
    static const Step kRollback = plain("ROLLBACK");
    return kRollback;
  }

  void flush() {
    const int pending = PQflush(conn);
    if (pending < 0) return retry_later(trimmed(PQerrorMessage(conn)));
    if (pending == 0) return drop_source(write_watch);
    if (write_watch != nullptr) return;
    write_watch =
        attach_fd(PQsocket(conn), G_IO_OUT, [](gint, GIOCondition, gpointer self) -> gboolean {
          static_cast<Impl *>(self)->flush();
          return G_SOURCE_CONTINUE;  // flush() drops it when done
        });
  }

  void on_readable() {
    if (PQconsumeInput(conn) == 0 || PQstatus(conn) == CONNECTION_BAD)
      return retry_later(trimmed(PQerrorMessage(conn)));
    while (PGnotify *notify = PQnotifies(conn)) PQfreemem(notify);
    if (write_watch != nullptr) flush();  // libpq: after reading, try the rest of the output
    while (conn != nullptr && in_flight && PQisBusy(conn) == 0) {
      pg_result *raw = PQgetResult(conn);
      if (raw != nullptr) {
        PgResult result(raw);
        // Of several results (a multi-statement migration) the first error counts.
        if (!step_result || step_result->ok()) step_result = std::move(result);
        continue;
      }
      // A lost connection reports its error as a result too: that is "unavailable".
      if (PQstatus(conn) == CONNECTION_BAD) return retry_later(trimmed(PQerrorMessage(conn)));
      in_flight = false;
      PgResult result =
          step_result ? std::move(*step_result) : PgResult::failed("no result from the server");
      step_result.reset();
      step_done(std::move(result));
    }
  }

  void step_done(PgResult result) {
    Job &job = queue.front();
    if (job.failure) return finish_job(std::move(*job.failure));  // after the ROLLBACK
    const std::size_t step = job.next_step++;
    if (!result.ok()) {
      const bool inside_transaction = job.transaction && step > 0 && step + 1 < job.steps.size();
      if (!inside_transaction) return finish_job(std::move(result));
      job.failure = std::move(result);
      return send_next_step();  // ROLLBACK
    }
    if (step == job.result_step) job.result = std::move(result);
    if (job.next_step < job.steps.size()) return send_next_step();
    finish_job(std::move(*job.result));
  }

  void finish_job(PgResult result) {
    Callback cb = std::move(queue.front().cb);
    queue.pop_front();
    cb(result);  // may queue more work, or lose the connection
    if (!in_flight) send_next_step();
  }
};

PgAsync::PgAsync(std::string conninfo, std::string migrations_dir, GMainContext *context)
    : impl_(std::make_unique<Impl>(std::move(conninfo), std::move(migrations_dir), context)) {}

PgAsync::~PgAsync() = default;

void PgAsync::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->connect();
}

bool PgAsync::ready() const {
  return impl_->ready;
}

const std::string &PgAsync::last_error() const {
  return impl_->last_error;
}

void PgAsync::query(PgStatement statement, Callback cb) {
  if (!impl_->ready) return impl_->defer_unavailable(std::move(cb));
  impl_->enqueue_one(std::move(statement), std::move(cb));
}

void PgAsync::transaction(std::vector<PgStatement> statements, Callback cb) {
  if (!impl_->ready) return impl_->defer_unavailable(std::move(cb));
  if (statements.empty()) {
    // Nothing to commit; answered like any query, in order.
    return query({"SELECT 1 WHERE false", {}}, std::move(cb));
  }
  Job job;
  job.transaction = true;
  job.steps.push_back(plain("BEGIN"));
  for (PgStatement &statement : statements) job.steps.push_back({std::move(statement), false});
  job.result_step = job.steps.size() - 1;
  job.steps.push_back(plain("COMMIT"));
  job.cb = std::move(cb);
  impl_->enqueue(std::move(job));
}

void PgAsync::on_ready(std::function<void()> callback) {
  impl_->ready_callbacks.push_back(std::move(callback));
}

}  // namespace rw::server
