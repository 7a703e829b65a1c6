#pragma once

// Who may call what. Decided once per request from its Authorization, Origin and Host headers:
//
// 1. Public routes (/healthz, /readyz, the dashboard's static files) need nothing.
// 2. A request with an Origin header comes from a browser page: that origin must be in the
//    allow-list (exact "scheme://host[:port]"), else 403. Requests without Origin are
//    non-browser clients (curl, scripts) and are judged by 3 or 4 alone.
// 3. Auth off (loopback bind without --require-auth): everyone is an operator, but the Host
//    header must name a loopback host (localhost, 127.x.x.x, [::1]), else 403, so that a web
//    page cannot reach the server through DNS rebinding. The Authorization header is ignored.
// 4. Auth on: a missing, malformed or unknown bearer token is a 401 (with WWW-Authenticate:
//    Bearer); a viewer token on a route that changes something is a 403.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/tokens.hpp"
#include "common/api_error.hpp"

namespace rw::server {

enum class Need {
  kNothing,  // public
  kView,     // viewer or operator
  kOperate,  // operator
};

struct AccessPolicy {
  bool auth_required = false;
  TokenTable tokens;
  std::vector<std::string> allowed_origins;  // exact, as browsers send them
};

struct RequestHeaders {
  std::optional<std::string_view> authorization;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> host;
};

struct AccessDecision {
  std::optional<ApiError> error;  // nullopt: allowed
  std::string principal;          // for logs: the token's name, "anonymous" or "public"
};

AccessDecision decide_access(const AccessPolicy &policy, Need need, const RequestHeaders &headers);

// The token of "Bearer <token>" (scheme case-insensitive); nullopt for anything else.
std::optional<std::string_view> bearer_token(std::string_view authorization);

bool origin_allowed(const AccessPolicy &policy, std::string_view origin);

// Whether a token may open a WebSocket (any known token; every one when auth is off).
bool token_allows_viewing(const AccessPolicy &policy, std::string_view token);

// Whether the Host header (with or without port) names this machine's loopback interface.
bool is_loopback_host(std::string_view host);

// A string "scheme://host[:port]" with scheme http or https, no path, query or userinfo; the
// error says what is wrong. Used to check --allow-origin values.
std::optional<std::string> check_origin_syntax(std::string_view origin);

}  // namespace rw::server
