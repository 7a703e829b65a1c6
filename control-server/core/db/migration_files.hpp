#pragma once

// The versioned SQL files in control-server/migrations: NNN_name.sql, applied in version order,
// each once. Reading them is plain file I/O so that the naming rules are unit-testable.

#include <string>
#include <variant>
#include <vector>

namespace rw::server {

struct Migration {
  int version = 0;   // NNN
  std::string name;  // the file name, "001_initial.sql"
  std::string sql;
};

// Every NNN_*.sql file of dir, sorted by version; other files are ignored. An error (as text)
// when dir cannot be read, two files share a version, or a file is empty or larger than
// max_file_bytes (a migration is small; this bounds the read on the server's loop).
std::variant<std::vector<Migration>, std::string> load_migrations(
    const std::string &dir, std::size_t max_file_bytes = 1 << 20);

// The version of a migration file name: 1 for "001_initial.sql", -1 when the name does not
// have the NNN_*.sql shape.
int migration_version(const std::string &file_name);

}  // namespace rw::server
