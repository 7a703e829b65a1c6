#include "api/tokens.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace rw::server {
namespace {

constexpr std::size_t kMinTokenChars = 16;
constexpr std::size_t kMaxTokenChars = 256;

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-';
}

// Every byte is compared whatever the first difference (only the length shows).
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

}  // namespace

const char *role_name(Role role) {
  return role == Role::kOperator ? "operator" : "viewer";
}

std::variant<TokenTable, std::string> TokenTable::parse(std::string_view text,
                                                        std::string_view origin) {
  TokenTable table;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find_first_of("\n;", start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const std::vector<std::string> fields = words(line);
    if (fields.empty()) continue;

    const std::string where = std::string(origin) + ":" + std::to_string(line_number) + ": ";
    if (fields.size() < 2 || fields.size() > 3) {
      return where + "expected '<token> <viewer|operator> [name]'";
    }
    const std::string &token = fields[0];
    if (token.size() < kMinTokenChars || token.size() > kMaxTokenChars ||
        !std::all_of(token.begin(), token.end(), is_token_char)) {
      return where + "a token must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ + / = -";
    }
    Principal principal;
    if (fields[1] == "operator") {
      principal.role = Role::kOperator;
    } else if (fields[1] != "viewer") {
      return where + "unknown role '" + fields[1] + "' (viewer or operator)";
    }
    principal.name = fields.size() == 3 ? fields[2] : "token-" + std::to_string(line_number);
    if (table.contains(token)) return where + "this token is listed twice";
    table.tokens_.emplace_back(token, principal);
  }
  return table;
}

std::optional<std::string> TokenTable::merge(const TokenTable &other) {
  for (const auto &[token, principal] : other.tokens_) {
    if (contains(token)) return "token '" + principal.name + "' is listed twice";
  }
  tokens_.insert(tokens_.end(), other.tokens_.begin(), other.tokens_.end());
  return std::nullopt;
}

std::optional<Principal> TokenTable::find(std::string_view token) const {
  std::optional<Principal> found;
  for (const auto &[candidate, principal] : tokens_) {
    if (constant_time_equal(candidate, token)) found = principal;
  }
  return found;
}

}  // namespace rw::server
