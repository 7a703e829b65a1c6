#pragma once

// The error every API-facing component reports: an HTTP status, a stable machine-readable code
// and a message for people. Serialised as {"error": {"code": ..., "message": ...}}.

#include <string>
#include <utility>

namespace rw::server {

struct ApiError {
  int status = 500;
  std::string code;     // "not_found", "conflict", "database_unavailable", ...
  std::string message;  // says what to do about it

  static ApiError bad_request(std::string m) { return {400, "bad_request", std::move(m)}; }
  static ApiError unauthorized(std::string m) { return {401, "unauthorized", std::move(m)}; }
  static ApiError forbidden(std::string m) { return {403, "forbidden", std::move(m)}; }
  static ApiError not_found(std::string m) { return {404, "not_found", std::move(m)}; }
  static ApiError method_not_allowed(std::string m) {
    return {405, "method_not_allowed", std::move(m)};
  }
  static ApiError conflict(std::string m) { return {409, "conflict", std::move(m)}; }
  static ApiError too_large(std::string m) { return {413, "payload_too_large", std::move(m)}; }
  static ApiError unsupported_media(std::string m) {
    return {415, "unsupported_media_type", std::move(m)};
  }
  static ApiError internal(std::string m) { return {500, "internal", std::move(m)}; }
  static ApiError unavailable(std::string m) { return {503, "unavailable", std::move(m)}; }
};

}  // namespace rw::server
