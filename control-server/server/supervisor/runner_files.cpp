#include "supervisor/runner_files.hpp"

#include <glib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace rw::server {
namespace {

void write_atomically(const std::string &path, const std::string &text) {
  GError *error = nullptr;
  if (!g_file_set_contents(path.c_str(), text.data(), static_cast<gssize>(text.size()), &error)) {
    const std::string why = error->message;
    g_error_free(error);
    throw std::runtime_error("cannot write " + path + ": " + why);
  }
}

}  // namespace

void write_session_files(const SessionFiles &files, const SourceConfig &source) {
  // Checked before anything is written: a bad config leaves the old files.
  const std::string zones = zones_config_json(source);
  const auto calibration = calibration_json(source);
  std::error_code ec;
  const auto dir = std::filesystem::path(files.zones_path).parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  write_atomically(files.zones_path, zones);
  if (calibration) write_atomically(files.calibration_path, *calibration);
}

void append_log_line(const std::string &log_path, const std::string &line) {
  std::ofstream log(log_path, std::ios::app);
  log << line << '\n';
}

std::string read_log_tail(const std::string &log_path, std::size_t max_bytes) {
  std::ifstream log(log_path, std::ios::binary | std::ios::ate);
  if (!log) return "";
  const std::streamoff size = log.tellg();
  const std::streamoff start =
      size > std::streamoff(max_bytes) ? size - std::streamoff(max_bytes) : 0;
  log.seekg(start);
  std::string tail(static_cast<std::size_t>(size - start), '\0');
  log.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<std::size_t>(log.gcount()));
  return tail;
}

}  // namespace rw::server
