#pragma once

// A private PostgreSQL 15 cluster for tests: a fresh cluster (a copy of one initdb made once
// per machine, /tmp/rw-pg-template-15-<uid>) in a temporary directory, a free loopback port, its
// own unix socket directory, no fsync. As root, initdb and postgres run as user postgres
// (PostgreSQL refuses root). kill() is kill -9 of the postmaster and every backend (a crash);
// start() again brings it back on the same port with crash recovery.
//
// The query helpers block: use them in test code to check what the server wrote, never on a
// loop that the code under test needs.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace rw::test {

class PgCluster {
 public:
  using Row = std::vector<std::optional<std::string>>;  // nullopt = NULL

  PgCluster();
  ~PgCluster();  // kills the cluster and removes its directory
  PgCluster(const PgCluster &) = delete;
  PgCluster &operator=(const PgCluster &) = delete;

  // False (with the reason and the log so far in error()) when it did not come up in 30 s.
  bool start();
  bool stop();  // fast shutdown; false when it did not stop in 30 s (it is killed then)
  void kill();
  bool restart() { return stop() && start(); }
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string &error() const { return error_; }
  // libpq connection string for a database of this cluster (TCP on 127.0.0.1).
  std::string conninfo(const std::string &dbname = "postgres") const;

  // A fresh empty database; throws std::runtime_error when it cannot be made.
  void create_database(const std::string &name) const;
  // Runs sql (text parameters, nullopt = NULL) and returns its rows as text; throws
  // std::runtime_error with the server's message on failure.
  std::vector<Row> query(const std::string &dbname, const std::string &sql,
                         const std::vector<std::optional<std::string>> &params = {}) const;
  // The single value of a one-row, one-column query ("" for NULL).
  std::string value(const std::string &dbname, const std::string &sql,
                    const std::vector<std::optional<std::string>> &params = {}) const;

 private:
  bool init();
  bool launch();
  void wait_for_group_exit(pid_t group);

  int port_;
  std::string dir_;
  std::string error_;
  pid_t pid_ = -1;
  bool initialised_ = false;
  bool started_once_ = false;
};

// bytes in the hex text form of bytea (\x, then two hex digits a byte), for the text
// parameters of query() and value().
std::string bytea_text(const std::string &bytes);

}  // namespace rw::test
