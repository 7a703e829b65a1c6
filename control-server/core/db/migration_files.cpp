#include "db/migration_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace rw::server {

int migration_version(const std::string &file_name) {
  constexpr std::size_t kDigits = 3;
  const std::string suffix = ".sql";
  if (file_name.size() < kDigits + 1 + suffix.size() + 1) return -1;
  if (file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) != 0) return -1;
  if (file_name[kDigits] != '_') return -1;
  int version = 0;
  for (std::size_t i = 0; i < kDigits; ++i) {
    const char c = file_name[i];
    if (c < '0' || c > '9') return -1;
    version = version * 10 + (c - '0');
  }
  return version;
}

std::variant<std::vector<Migration>, std::string> load_migrations(const std::string &dir,
                                                                  std::size_t max_file_bytes) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::directory_iterator it(dir, error);
  if (error) return "cannot read migrations directory " + dir + ": " + error.message();
  std::vector<Migration> migrations;
  for (const fs::directory_entry &entry : it) {
    const std::string name = entry.path().filename().string();
    const int version = migration_version(name);
    if (version < 0 || !entry.is_regular_file(error)) continue;
    const std::uintmax_t size = entry.file_size(error);
    if (error) return "cannot read " + name + ": " + error.message();
    if (size == 0) return name + " is empty";
    if (size > max_file_bytes)
      return name + " is " + std::to_string(size) + " bytes, more than the " +
             std::to_string(max_file_bytes) + " a migration may have";
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) return "cannot open " + name;
    std::ostringstream text;
    text << in.rdbuf();
    migrations.push_back({version, name, text.str()});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration &a, const Migration &b) { return a.version < b.version; });
  const auto twin = std::adjacent_find(
      migrations.begin(), migrations.end(),
      [](const Migration &a, const Migration &b) { return a.version == b.version; });
  if (twin != migrations.end())
    return twin->name + " and " + std::next(twin)->name + " have the same version";
  return migrations;
}

}  // namespace rw::server
