#include "supervisor/process_text.hpp"

#include <algorithm>
#include <vector>

namespace rw::server {
namespace {

constexpr std::size_t kMaxReasonBytes = 500;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string bounded(std::string_view text) {
  if (text.size() <= kMaxReasonBytes) return std::string(text);
  return std::string(text.substr(0, kMaxReasonBytes)) + "...";
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string last_runner_message(std::string_view log_tail) {
  constexpr std::string_view kPrefix = "roadwatch-run: ";
  auto lines = lines_of(log_tail);
  const auto note = std::find_if(lines.rbegin(), lines.rend(), [](std::string_view line) {
    return starts_with(line, "roadwatch-server: ");
  });
  lines.erase(lines.begin(), note.base());  // the server's last note and all before it
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (starts_with(*it, kPrefix)) return bounded(it->substr(kPrefix.size()));
  }
  return lines.empty() ? std::string() : bounded(lines.back());
}

std::string gst_launch_error(std::string_view stderr_text) {
  constexpr std::string_view kFromElement = "ERROR: from element ";
  const auto lines = lines_of(stderr_text);
  for (const std::string_view line : lines) {
    if (!starts_with(line, kFromElement)) continue;
    // The element path has no ": " of its own (GstPipeline:pipeline0/...).
    const std::size_t colon = line.find(": ", kFromElement.size());
    if (colon != std::string_view::npos) return bounded(line.substr(colon + 2));
  }
  for (const std::string_view line : lines) {
    if (starts_with(line, "ERROR:")) return bounded(line);
  }
  return lines.empty() ? std::string() : bounded(lines.back());
}

}  // namespace rw::server
