#include "api/static_path.hpp"

#include <array>
#include <utility>

namespace rw::server {

std::optional<std::string> static_relative_path(std::string_view url_path) {
  if (!url_path.starts_with('/')) return std::nullopt;
  std::string relative;
  std::size_t start = 1;
  while (start <= url_path.size()) {
    const std::size_t end = std::min(url_path.find('/', start), url_path.size());
    const std::string_view segment = url_path.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) {
      if (end == url_path.size()) break;  // a trailing '/'
      return std::nullopt;                // "//"
    }
    if (segment.starts_with('.') || segment.find('\0') != std::string_view::npos ||
        segment.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
    relative += (relative.empty() ? "" : "/") + std::string(segment);
  }
  if (url_path.ends_with('/'))
    relative += (relative.empty() ? "" : "/") + std::string("index.html");
  return relative;
}

const char *static_content_type(std::string_view file_name) {
  constexpr std::array<std::pair<std::string_view, const char *>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  }};
  for (const auto &[extension, type] : kTypes) {
    if (file_name.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

}  // namespace rw::server
