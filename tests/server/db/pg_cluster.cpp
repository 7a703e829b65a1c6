#include "pg_cluster.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "free_port.hpp"
#include "read_text.hpp"

namespace rw::test {
namespace {

const std::string kBinDir = "/usr/lib/postgresql/15/bin/";
constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

// PostgreSQL refuses to run as root: as root, children become user postgres.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs run_as() {
  RunAs who;
  if (geteuid() != 0) return who;
  const passwd *user = getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("running as root and there is no user postgres");
  who.switch_user = true;
  who.uid = user->pw_uid;
  who.gid = user->pw_gid;
  return who;
}

// fork + exec with stdout and stderr appended to log; the child leads its own process group
// so that kill() reaches the postmaster and all its backends.
pid_t spawn(const std::vector<std::string> &args, const std::string &log, std::string &error) {
  std::vector<char *> argv;
  for (const std::string &arg : args) argv.push_back(const_cast<char *>(arg.c_str()));
  argv.push_back(nullptr);
  const RunAs who = run_as();
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error = "cannot open " + log;
    return -1;
  }
  const pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls from here on
    setpgid(0, 0);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    if (who.switch_user &&
        (setgroups(0, nullptr) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0))
      _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) error = "fork failed";
  return pid;
}

// Whether any process other than a zombie is still in the process group (PID 1 here does
// not reap orphans, so killed backends can linger as zombies; those hold no shared memory).
bool group_alive(pid_t group) {
  DIR *proc = opendir("/proc");
  if (proc == nullptr) return false;
  bool alive = false;
  while (const dirent *entry = readdir(proc)) {
    const std::string stat = read_text(std::string("/proc/") + entry->d_name + "/stat");
    const std::size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(close_paren + 1));
    char state = 0;
    long parent = 0, process_group = 0;
    fields >> state >> parent >> process_group;
    if (process_group == group && state != 'Z') {
      alive = true;
      break;
    }
  }
  closedir(proc);
  return alive;
}

// spawn() and wait: true when it exited with 0.
bool run(const std::vector<std::string> &args, const std::string &log, std::string &error) {
  const pid_t pid = spawn(args, log, error);
  if (pid < 0) return false;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

}  // namespace

PgCluster::PgCluster() : port_(free_port()) {
  char pattern[] = "/tmp/rw-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  const RunAs who = run_as();
  if (who.switch_user && chown(dir_.c_str(), who.uid, who.gid) != 0)
    throw std::runtime_error("cannot give " + dir_ + " to user postgres");
}

PgCluster::~PgCluster() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

// initdb takes seconds, a copy of a fresh cluster a fraction of one: the first cluster on this
// machine makes a template (initdb in a private directory, then an atomic rename; a lost race
// is fine), every cluster starts as a copy of it.
bool PgCluster::init() {
  const std::string log = dir_ + "/initdb.log";
  const std::string shared = "/tmp/rw-pg-template-15-" + std::to_string(geteuid());
  std::string source = shared;
  if (!std::filesystem::exists(shared + "/PG_VERSION")) {
    source = dir_ + "/template";
    if (!run({kBinDir + "initdb", "-D", source, "--auth=trust", "-U", "postgres", "--no-sync", "-E",
              "UTF8", "--locale=C"},
             log, error_)) {
      error_ = "initdb failed: " + error_ + read_text(log);
      return false;
    }
    std::error_code lost_race;
    std::filesystem::rename(source, shared, lost_race);
    if (std::filesystem::exists(shared + "/PG_VERSION")) source = shared;
  }
  if (!run({"/bin/cp", "-a", source, dir_ + "/data"}, log, error_)) {
    error_ = "copying the cluster template failed: " + error_ + read_text(log);
    return false;
  }
  initialised_ = true;
  return true;
}

bool PgCluster::start() {
  if (running()) return true;
  if (!initialised_ && !init()) return false;
  // A port found free can be taken by another test before postgres binds it: a first start
  // tries another one. A restart must keep its port (clients reconnect to it).
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (launch()) {
      started_once_ = true;
      return true;
    }
    if (started_once_ || error_.find("Address already in use") == std::string::npos) break;
    port_ = free_port();
  }
  return false;
}

bool PgCluster::launch() {
  const std::string log = dir_ + "/postgres.log";
  const std::size_t log_start = read_text(log).size();
  pid_ = spawn({kBinDir + "postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_,
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "max_connections=40", "-c", "shared_buffers=16MB"},
               log, error_);
  if (pid_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  // Through the private socket directory: a server of someone else on the same port must not
  // pass for this one.
  const std::string ping = "host=" + dir_ + " port=" + std::to_string(port_) +
                           " user=postgres dbname=postgres connect_timeout=2";
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(ping.c_str()) == PQPING_OK) return true;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  error_ = "postgres did not start: " + read_text(log).substr(log_start);
  kill();
  return false;
}

bool PgCluster::stop() {
  if (!running()) return true;
  ::kill(pid_, SIGINT);  // fast shutdown: rolls back sessions, checkpoints, exits
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      wait_for_group_exit(pid_);
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  error_ = "postgres did not stop in time";
  kill();
  return false;
}

void PgCluster::kill() {
  if (!running()) return;
  ::killpg(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  wait_for_group_exit(pid_);
  pid_ = -1;
}

void PgCluster::wait_for_group_exit(pid_t group) {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (group_alive(group) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(kPollInterval);
}

std::string PgCluster::conninfo(const std::string &dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + dbname;
}

void PgCluster::create_database(const std::string &name) const {
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      throw std::runtime_error("database name must be [a-z0-9_]: " + name);
  query("postgres", "CREATE DATABASE " + name);
}

std::vector<PgCluster::Row> PgCluster::query(
    const std::string &dbname, const std::string &sql,
    const std::vector<std::optional<std::string>> &params) const {
  Connection conn(PQconnectdb(conninfo(dbname).c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn.get()));
  std::vector<const char *> values;
  for (const auto &param : params) values.push_back(param ? param->c_str() : nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
  std::vector<Row> rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      if (PQgetisnull(result.get(), r, c))
        row.emplace_back();
      else
        row.emplace_back(PQgetvalue(result.get(), r, c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgCluster::value(const std::string &dbname, const std::string &sql,
                             const std::vector<std::optional<std::string>> &params) const {
  const std::vector<Row> rows = query(dbname, sql, params);
  if (rows.size() != 1 || rows[0].size() != 1)
    throw std::runtime_error(sql + ": expected one value, got " + std::to_string(rows.size()) +
                             " rows");
  return rows[0][0].value_or("");
}

std::string bytea_text(const std::string &bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string text = "\\x";
  for (const unsigned char c : bytes) {
    text += kHex[c >> 4];
    text += kHex[c & 15];
  }
  return text;
}

}  // namespace rw::test
