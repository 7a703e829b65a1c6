#pragma once

// Bearer tokens and their roles. A viewer may read (GET, HEAD, WebSocket); an operator may do
// everything. Tokens come from a file and/or the RW_SERVER_TOKENS environment variable, one
// entry per line (the variable may also separate entries with ';'):
//
//   # comment
//   <token> <viewer|operator> [name]
//
// A token is 16 to 256 characters from [A-Za-z0-9._~+/=-] (what fits in a Bearer header and a
// URL query without escaping); the name (default: "token-<line>") appears in logs, never the
// token.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rw::server {

enum class Role { kViewer, kOperator };

struct Principal {
  std::string name;
  Role role = Role::kViewer;
};

const char *role_name(Role role);

class TokenTable {
 public:
  // Parses text in the format above; origin ("tokens.txt", "RW_SERVER_TOKENS") prefixes the
  // error message. Fails on a malformed line, an unknown role, a short or oddly spelled token,
  // and a token listed twice.
  static std::variant<TokenTable, std::string> parse(std::string_view text,
                                                     std::string_view origin);

  // Adds other's tokens; the error names a token listed in both (by its name).
  std::optional<std::string> merge(const TokenTable &other);

  // Compares against every token in constant time per token, so that response timing does not
  // reveal how much of a guess was right.
  std::optional<Principal> find(std::string_view token) const;
  bool empty() const { return tokens_.empty(); }
  std::size_t size() const { return tokens_.size(); }

 private:
  bool contains(std::string_view token) const { return find(token).has_value(); }
  std::vector<std::pair<std::string, Principal>> tokens_;
};

}  // namespace rw::server
