#include "supervisor/runner_identity.hpp"

#include <charconv>

namespace rw::server {

std::vector<std::string> split_nul(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const std::size_t end = text.find('\0');
    parts.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parts;
}

bool is_runner_of_session(const std::vector<std::string> &argv, const std::string &runner,
                          std::int64_t session_id) {
  const bool runner_first =
      (!argv.empty() && argv[0] == runner) || (argv.size() > 1 && argv[1] == runner);
  if (!runner_first) return false;
  const std::string run_id = "RUN_ID=" + std::to_string(session_id);
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--set" && argv[i + 1] == run_id) return true;
  }
  return false;
}

std::optional<std::int64_t> environment_integer(const std::vector<std::string> &environment,
                                                std::string_view name) {
  for (const std::string &entry : environment) {
    if (entry.size() <= name.size() || entry.compare(0, name.size(), name) != 0 ||
        entry[name.size()] != '=') {
      continue;
    }
    const char *begin = entry.data() + name.size() + 1;
    const char *end = entry.data() + entry.size();
    std::int64_t value = 0;
    const auto [stop, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || stop != end) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace rw::server
