#include "api/access.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rw::server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "127.0.0.1" ... "127.255.255.255": four decimal octets, the first 127.
bool is_ipv4_loopback(std::string_view host) {
  int octets = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t end = std::min(host.find('.', start), host.size());
    const std::string_view part = host.substr(start, end - start);
    int value = -1;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || ptr != part.data() + part.size() ||
        value > 255 || (octets == 0 && value != 127)) {
      return false;
    }
    ++octets;
    start = end + 1;
  }
  return octets == 4;
}

ApiError unauthorized(std::string message) {
  return ApiError::unauthorized(std::move(message));
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !iequals(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
  return token;
}

bool origin_allowed(const AccessPolicy &policy, std::string_view origin) {
  return std::find(policy.allowed_origins.begin(), policy.allowed_origins.end(), origin) !=
         policy.allowed_origins.end();
}

bool token_allows_viewing(const AccessPolicy &policy, std::string_view token) {
  return !policy.auth_required || policy.tokens.find(token).has_value();
}

bool is_loopback_host(std::string_view host) {
  if (host.starts_with('[')) {  // [::1]:8686
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = host.substr(close + 1);
    return host.substr(1, close - 1) == "::1" && (rest.empty() || rest.starts_with(':'));
  }
  if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return iequals(host, "localhost") || is_ipv4_loopback(host);
}

AccessDecision decide_access(const AccessPolicy &policy, Need need, const RequestHeaders &headers) {
  if (need == Need::kNothing) return {std::nullopt, "public"};
  if (headers.origin && !origin_allowed(policy, *headers.origin)) {
    return {ApiError::forbidden("origin " + std::string(*headers.origin) +
                                " is not allowed (see --allow-origin)"),
            "anonymous"};
  }
  if (!policy.auth_required) {
    if (headers.host && !is_loopback_host(*headers.host)) {
      return {ApiError::forbidden("without authentication this server only answers requests "
                                  "addressed to a loopback host, not " +
                                  std::string(*headers.host)),
              "anonymous"};
    }
    return {std::nullopt, "anonymous"};
  }
  if (!headers.authorization) {
    return {unauthorized("this server requires 'Authorization: Bearer <token>'"), "anonymous"};
  }
  const auto token = bearer_token(*headers.authorization);
  if (!token)
    return {unauthorized("the Authorization header is not 'Bearer <token>'"), "anonymous"};
  const auto principal = policy.tokens.find(*token);
  if (!principal) return {unauthorized("unknown token"), "anonymous"};
  if (need == Need::kOperate && principal->role != Role::kOperator) {
    return {ApiError::forbidden("token '" + principal->name +
                                "' is a viewer token; this request needs an operator token"),
            principal->name};
  }
  return {std::nullopt, principal->name};
}

std::optional<std::string> check_origin_syntax(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else {
    return "an origin starts with http:// or https://";
  }
  if (rest.empty()) return "an origin names a host";
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return "an origin is scheme://host[:port], without path, query, user or spaces";
  }
  for (const char c : rest) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      return "an origin is lower case, as browsers send it";
    }
  }
  return std::nullopt;
}

}  // namespace rw::server
