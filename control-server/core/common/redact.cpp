#include "common/redact.hpp"

#include <algorithm>
#include <array>

namespace rw::server {
namespace {

constexpr std::array<std::string_view, 2> kSecretParameters{"token", "access_token"};

std::string printable(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(),
      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, '?');
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Servers decode parameter names, so "%74oken" is "token" too.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

}  // namespace

std::string redact_for_log(std::string_view path_and_query) {
  const std::size_t question = path_and_query.find('?');
  if (question == std::string_view::npos) return printable(path_and_query);

  std::string out(path_and_query.substr(0, question + 1));
  std::string_view query = path_and_query.substr(question + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::string_view name = pair.substr(0, pair.find('='));
    if (!first) out += '&';
    first = false;
    const bool secret = std::find(kSecretParameters.begin(), kSecretParameters.end(),
                                  percent_decoded(name)) != kSecretParameters.end();
    out +=
        secret && name.size() < pair.size() ? std::string(name) + "=REDACTED" : std::string(pair);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return printable(out);
}

std::string redact_uri_password(std::string_view uri) {
  const std::size_t authority = uri.find("://");
  if (authority == std::string_view::npos) return std::string(uri);
  const std::size_t start = authority + 3;
  const std::size_t end = std::min(uri.find_first_of("/?#", start), uri.size());
  const std::size_t at = uri.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(uri);
  const std::size_t colon = uri.substr(0, at).find(':', start);
  if (colon == std::string_view::npos) return std::string(uri);
  return std::string(uri.substr(0, colon + 1)) + "***" + std::string(uri.substr(at));
}

}  // namespace rw::server
