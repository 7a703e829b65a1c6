#pragma once

// The fixture of the server/db tests that need a migrated database: one PostgreSQL cluster per
// test program, a fresh database, GMainContext and PgAsync per test, and two sources with one
// session each (video 3 / session 17, camera 4 / session 18).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "db/pg_async.hpp"
#include "pg_cluster.hpp"
#include "run_until.hpp"

namespace rw::server {

class DbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new rw::test::PgCluster();
    ASSERT_TRUE(cluster_->start()) << cluster_->error();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(cluster_->start()) << cluster_->error();
    static int counter = 0;
    db_ = "db_test_" + std::to_string(++counter);
    cluster_->create_database(db_);
    context_ = g_main_context_new();
    pg_ = std::make_unique<PgAsync>(cluster_->conninfo(db_), RW_SERVER_MIGRATIONS_DIR, context_);
    pg_->start();
    ASSERT_TRUE(wait([&] { return pg_->ready(); })) << pg_->last_error();
    sql("INSERT INTO sources (id, kind, name, file_path) VALUES (3, 'video', 'clip', '/v/3.mp4')");
    sql("INSERT INTO sources (id, kind, name, uri) VALUES (4, 'camera', 'gate', 'rtsp://cam')");
    sql("INSERT INTO sessions (id, source_id, state, desired_state)"
        " VALUES (17, 3, 'stopped', 'stopped'), (18, 4, 'running', 'running')");
  }

  void TearDown() override {
    pg_.reset();
    g_main_context_unref(context_);
  }

  bool wait(const std::function<bool()> &done,
            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return rw::test::run_until(context_, done, timeout);
  }

  std::vector<rw::test::PgCluster::Row> sql(
      const std::string &text, const std::vector<std::optional<std::string>> &params = {}) {
    return cluster_->query(db_, text, params);
  }
  std::string value(const std::string &text,
                    const std::vector<std::optional<std::string>> &params = {}) {
    return cluster_->value(db_, text, params);
  }

  static rw::test::PgCluster *cluster_;
  std::string db_;
  GMainContext *context_ = nullptr;
  std::unique_ptr<PgAsync> pg_;
};

inline rw::test::PgCluster *DbTest::cluster_ = nullptr;

}  // namespace rw::server
