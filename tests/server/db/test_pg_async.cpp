// PgAsync against a real PostgreSQL cluster: parameters and results, errors, order,
// transactions, migrations, and a crash of the server with queries queued.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "db/pg_async.hpp"
#include "pg_cluster.hpp"
#include "run_until.hpp"

namespace rw::server {
namespace {

using rw::test::PgCluster;
using rw::test::run_until;

class PgAsyncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new PgCluster();
    ASSERT_TRUE(cluster_->start()) << cluster_->error();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(cluster_->start()) << cluster_->error();  // a test may have killed it
    static int counter = 0;
    db_ = "pg_async_" + std::to_string(++counter);
    cluster_->create_database(db_);
    context_ = g_main_context_new();
    migrations_ = std::filesystem::temp_directory_path() / ("rw-migrations-" + db_);
    std::filesystem::create_directories(migrations_);
  }

  void TearDown() override {
    pg_.reset();
    g_main_context_unref(context_);
    std::filesystem::remove_all(migrations_);
  }

  void write_migration(const std::string &name, const std::string &sql) {
    std::ofstream(migrations_ / name) << sql;
  }

  PgAsync &connect(const std::string &migrations_dir) {
    pg_ = std::make_unique<PgAsync>(cluster_->conninfo(db_), migrations_dir, context_);
    pg_->start();
    return *pg_;
  }

  PgAsync &connect_ready() {
    PgAsync &pg = connect(RW_SERVER_MIGRATIONS_DIR);
    EXPECT_TRUE(run_until(context_, [&] { return pg.ready(); })) << pg.last_error();
    return pg;
  }

  // Runs one query to completion on the loop.
  PgResult run(PgAsync &pg, PgStatement statement) {
    std::optional<PgResult> result;
    pg.query(std::move(statement), [&](const PgResult &r) { result = r; });
    EXPECT_TRUE(run_until(context_, [&] { return result.has_value(); }));
    return result.value_or(PgResult::failed("no answer"));
  }

  std::string value(const std::string &sql) { return cluster_->value(db_, sql); }

  static PgCluster *cluster_;
  std::string db_;
  GMainContext *context_ = nullptr;
  std::filesystem::path migrations_;
  std::unique_ptr<PgAsync> pg_;
};

PgCluster *PgAsyncTest::cluster_ = nullptr;

std::string all_bytes() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

TEST_F(PgAsyncTest, QueryBeforeReadyFailsAtOnceAsUnavailable) {
  PgAsync pg(cluster_->conninfo(db_), RW_SERVER_MIGRATIONS_DIR, context_);
  std::optional<PgResult> result;
  pg.query({"SELECT 1", {}}, [&](const PgResult &r) { result = r; });
  ASSERT_TRUE(run_until(context_, [&] { return result.has_value(); }));
  EXPECT_FALSE(result->ok());
  EXPECT_TRUE(result->is_unavailable());
}

TEST_F(PgAsyncTest, TextNullAndBinaryParametersRoundTrip) {
  PgAsync &pg = connect_ready();
  const std::string bytes = all_bytes();
  const PgResult result = run(
      pg, {"SELECT $1::text AS word, $2::text AS nothing, $3::bytea AS blob,"
           " length($3::bytea) AS blob_bytes",
           {PgParam::text("gr\xc3\xbc\xc3\x9f 'quoted'"), PgParam::null(), PgParam::bytes(bytes)}});
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result.rows(), 1);
  EXPECT_EQ(result.get(0, result.column("word")), "gr\xc3\xbc\xc3\x9f 'quoted'");
  EXPECT_TRUE(result.is_null(0, result.column("nothing")));
  EXPECT_FALSE(result.is_null(0, result.column("blob")));
  EXPECT_EQ(result.get(0, result.column("blob")), bytes);
  EXPECT_EQ(result.get(0, result.column("blob_bytes")), "256");
  EXPECT_EQ(result.column("absent"), -1);
}

TEST_F(PgAsyncTest, BinaryBytesSurviveATableAndAffectedCountsRows) {
  PgAsync &pg = connect_ready();
  ASSERT_TRUE(run(pg, {"CREATE TABLE blobs (id INT PRIMARY KEY, data BYTEA)", {}}).ok());
  const std::string bytes = all_bytes() + all_bytes();
  const PgResult insert =
      run(pg, {"INSERT INTO blobs VALUES ($1, $2), ($3, $4)",
               {PgParam::number(1), PgParam::bytes(bytes), PgParam::number(2), PgParam::null()}});
  ASSERT_TRUE(insert.ok()) << insert.error();
  EXPECT_EQ(insert.affected(), 2);
  const PgResult select = run(pg, {"SELECT id, data FROM blobs ORDER BY id", {}});
  ASSERT_EQ(select.rows(), 2);
  EXPECT_EQ(select.get(0, 1), bytes);
  EXPECT_TRUE(select.is_null(1, 1));
  EXPECT_EQ(value("SELECT md5(data) FROM blobs WHERE id = 1"),
            cluster_->value(db_, "SELECT md5($1::bytea)", {rw::test::bytea_text(bytes)}));
}

TEST_F(PgAsyncTest, LargeBinaryParameterIsSentInPieces) {
  // Far more than a socket buffer: PQflush has to be called again when writable.
  PgAsync &pg = connect_ready();
  std::string bytes(8 << 20, '\0');
  std::uint32_t state = 12345;
  for (char &b : bytes) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<char>(state >> 24);
  }
  const PgResult result = run(pg, {"SELECT length($1::bytea), $1::bytea", {PgParam::bytes(bytes)}});
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.get(0, 0), std::to_string(bytes.size()));
  EXPECT_TRUE(result.get(0, 1) == bytes);
}

TEST_F(PgAsyncTest, SqlErrorFailsWithSqlstateAndTheConnectionGoesOn) {
  PgAsync &pg = connect_ready();
  const PgResult missing = run(pg, {"SELECT * FROM no_such_table", {}});
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(missing.is_unavailable());
  EXPECT_EQ(missing.sqlstate(), "42P01");
  EXPECT_NE(missing.error().find("no_such_table"), std::string::npos) << missing.error();
  const PgResult after = run(pg, {"SELECT 41 + 1", {}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.get(0, 0), "42");
}

TEST_F(PgAsyncTest, TransactionCommitsAllOrRollsBackAll) {
  PgAsync &pg = connect_ready();
  ASSERT_TRUE(run(pg, {"CREATE TABLE t (id INT PRIMARY KEY)", {}}).ok());
  std::optional<PgResult> committed, failed;
  pg.transaction({{"INSERT INTO t VALUES (1)", {}}, {"INSERT INTO t VALUES (2) RETURNING id", {}}},
                 [&](const PgResult &r) { committed = r; });
  // The second statement violates the primary key: the first must not stay.
  pg.transaction({{"INSERT INTO t VALUES (3)", {}}, {"INSERT INTO t VALUES (1)", {}}},
                 [&](const PgResult &r) { failed = r; });
  ASSERT_TRUE(run_until(context_, [&] { return committed && failed; }));
  ASSERT_TRUE(committed->ok()) << committed->error();
  EXPECT_EQ(committed->get(0, 0), "2");  // the last statement's result
  EXPECT_FALSE(failed->ok());
  EXPECT_EQ(failed->sqlstate(), "23505");
  EXPECT_EQ(value("SELECT string_agg(id::text, ',' ORDER BY id) FROM t"), "1,2");
  EXPECT_TRUE(run(pg, {"SELECT 1", {}}).ok());  // not left inside an aborted transaction
}

TEST_F(PgAsyncTest, QueriesAnswerInSubmissionOrder) {
  PgAsync &pg = connect_ready();
  std::vector<int> answered;
  constexpr int kQueries = 40;
  for (int i = 0; i < kQueries; ++i) {
    // Later queries are cheaper: a pool would answer them first.
    pg.query({"SELECT pg_sleep($1::float8 / 1000), $2::int",
              {PgParam::number(kQueries - i), PgParam::number(i)}},
             [&answered](const PgResult &r) {
               answered.push_back(r.ok() ? std::stoi(r.get(0, 1)) : -1);
             });
  }
  ASSERT_TRUE(run_until(context_, [&] { return answered.size() == kQueries; }));
  for (int i = 0; i < kQueries; ++i) EXPECT_EQ(answered[i], i);
}

TEST_F(PgAsyncTest, MigrationsApplyOnceInOrderAcrossRestarts) {
  write_migration("002_second.sql", "INSERT INTO log VALUES ('second');");
  write_migration("001_first.sql",
                  "CREATE TABLE log (what TEXT NOT NULL);\nINSERT INTO log VALUES ('first');");
  write_migration("README.md", "not a migration");
  for (int run_number = 0; run_number < 2; ++run_number) {
    PgAsync &pg = connect(migrations_.string());
    ASSERT_TRUE(run_until(context_, [&] { return pg.ready(); })) << pg.last_error();
  }
  EXPECT_EQ(value("SELECT string_agg(what, ',') FROM log"), "first,second");
  EXPECT_EQ(value("SELECT string_agg(version || ':' || name, ',' ORDER BY version)"
                  " FROM schema_migrations"),
            "1:001_first.sql,2:002_second.sql");
  // A third file added later is applied on the next start, alone.
  write_migration("003_third.sql", "INSERT INTO log VALUES ('third');");
  PgAsync &pg = connect(migrations_.string());
  ASSERT_TRUE(run_until(context_, [&] { return pg.ready(); })) << pg.last_error();
  EXPECT_EQ(value("SELECT count(*) FROM log"), "3");
}

TEST_F(PgAsyncTest, ShippedSchemaMigratesOnceAndHasItsTables) {
  for (int run_number = 0; run_number < 2; ++run_number) connect_ready();
  EXPECT_EQ(
      value("SELECT count(*) FROM schema_migrations"),
      std::to_string(std::distance(std::filesystem::directory_iterator(RW_SERVER_MIGRATIONS_DIR),
                                   std::filesystem::directory_iterator{})));
  for (const char *table : {"sources", "sessions", "video_analytics", "speeding_violations",
                            "vehicle_passages", "traffic_metrics", "videos", "cameras"}) {
    EXPECT_EQ(value(std::string("SELECT to_regclass('") + table + "') IS NOT NULL"), "t") << table;
  }
}

TEST_F(PgAsyncTest, FailingMigrationStaysNotReadyThenRecoversByItself) {
  write_migration("001_good.sql", "CREATE TABLE good (id INT);");
  write_migration("002_bad.sql", "CREATE TABLE bad (id INT;");
  int ready_calls = 0;
  PgAsync &pg = connect(migrations_.string());
  pg.on_ready([&] { ++ready_calls; });
  ASSERT_TRUE(run_until(context_, [&] {
    return pg.last_error().find("002_bad.sql") != std::string::npos;
  })) << pg.last_error();
  EXPECT_NE(pg.last_error().find("syntax error"), std::string::npos) << pg.last_error();
  EXPECT_FALSE(pg.ready());
  EXPECT_EQ(value("SELECT string_agg(name, ',') FROM schema_migrations"), "001_good.sql");
  EXPECT_EQ(value("SELECT to_regclass('bad') IS NULL"), "t");
  // Fixed on disk: the next retry applies it without anyone restarting anything.
  write_migration("002_bad.sql", "CREATE TABLE bad (id INT);");
  ASSERT_TRUE(run_until(context_, [&] { return pg.ready(); })) << pg.last_error();
  EXPECT_EQ(ready_calls, 1);
  EXPECT_EQ(value("SELECT count(*) FROM schema_migrations"), "2");
}

TEST_F(PgAsyncTest, CrashFailsQueuedQueriesOnceThenReconnectsByItself) {
  PgAsync &pg = connect_ready();
  int ready_calls = 0;
  pg.on_ready([&] { ++ready_calls; });
  constexpr int kQueued = 6;
  std::vector<int> calls(kQueued, 0);
  std::vector<bool> unavailable(kQueued, false);
  for (int i = 0; i < kQueued; ++i) {
    pg.query({i == 0 ? "SELECT pg_sleep(30)" : "SELECT 1", {}}, [&, i](const PgResult &r) {
      ++calls[i];
      unavailable[i] = r.is_unavailable();
    });
  }
  cluster_->kill();
  ASSERT_TRUE(run_until(context_, [&] { return !pg.ready() && calls[kQueued - 1] > 0; }));
  for (int i = 0; i < kQueued; ++i) {
    EXPECT_EQ(calls[i], 1) << i;
    EXPECT_TRUE(unavailable[i]) << i;
  }
  // While it is down, a query fails at once instead of waiting.
  const PgResult down = run(pg, {"SELECT 1", {}});
  EXPECT_TRUE(down.is_unavailable());

  ASSERT_TRUE(cluster_->start()) << cluster_->error();
  ASSERT_TRUE(run_until(context_, [&] { return pg.ready(); })) << pg.last_error();
  EXPECT_EQ(ready_calls, 1);
  const PgResult after = run(pg, {"SELECT count(*) FROM schema_migrations", {}});
  ASSERT_TRUE(after.ok()) << after.error();
  for (int i = 0; i < kQueued; ++i) EXPECT_EQ(calls[i], 1) << i;  // never answered twice
}

}  // namespace
}  // namespace rw::server
